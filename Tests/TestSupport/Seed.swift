#if canImport(Glibc)
import Glibc
#endif

/// The seed of a test's random inputs: `RSSPP_TEST_SEED` when set (to rerun a failure with the
/// inputs it had, or to try others), else `fixed`. Tests name it in their failure messages.
public func testSeed(default fixed: UInt64) -> UInt64 {
    guard let text = getenv("RSSPP_TEST_SEED").map({ String(cString: $0) }) else { return fixed }
    guard let seed = UInt64(text) else { preconditionFailure("RSSPP_TEST_SEED=\(text) is not an unsigned integer") }
    return seed
}
