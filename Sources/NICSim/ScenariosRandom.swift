#if canImport(Glibc)
import Glibc
#endif

/// xoshiro256** seeded through splitmix64: fast, small, and the same sequence on every
/// platform and Swift version for a given seed, which the standard library's generator is not.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)
    private var spareNormal: Double?

    public init(seed: UInt64) {
        var mixer = seed
        func splitmix() -> UInt64 {
            mixer &+= 0x9e37_79b9_7f4a_7c15
            var z = mixer
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }
        state = (splitmix(), splitmix(), splitmix(), splitmix())
    }

    public mutating func next() -> UInt64 {
        let result = rotate(state.1 &* 5, 7) &* 9
        let shifted = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= shifted
        state.3 = rotate(state.3, 45)
        return result
    }

    private func rotate(_ value: UInt64, _ count: UInt64) -> UInt64 { value << count | value >> (64 - count) }

    /// Uniform in (0, 1]: never 0, so logarithms of it are finite.
    public mutating func unit() -> Double { Double((next() >> 11) + 1) * 0x1p-53 }

    public mutating func uniform(_ range: ClosedRange<Double>) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * unit()
    }

    public mutating func chance(_ probability: Double) -> Bool { unit() <= probability }

    public mutating func exponential(mean: Double) -> Double { -mean * log(unit()) }

    /// Standard normal (Box-Muller; the second value of each pair is kept for the next call).
    public mutating func normal() -> Double {
        if let spare = spareNormal {
            spareNormal = nil
            return spare
        }
        let radius = (-2 * log(unit())).squareRoot()
        let angle = 2 * Double.pi * unit()
        spareNormal = radius * sin(angle)
        return radius * cos(angle)
    }

    /// Poisson-distributed count: exact for small means, the normal approximation above that
    /// (where the two are indistinguishable for traffic counts).
    public mutating func poisson(mean: Double) -> Int {
        guard mean > 0 else { return 0 }
        if mean < 30 {
            let limit = exp(-mean)
            var product = unit()
            var count = 0
            while product > limit {
                product *= unit()
                count += 1
            }
            return count
        }
        return max(0, Int((mean + mean.squareRoot() * normal()).rounded()))
    }

    /// Pareto with shape `alpha` truncated to [1, ceiling]: heavy-tailed flow sizes whose largest
    /// flow is bounded, so offered load does not hinge on one draw.
    public mutating func boundedPareto(alpha: Double, ceiling: Double) -> Double {
        let tail = pow(ceiling, -alpha)
        return pow(1 - unit() * (1 - tail), -1 / alpha)
    }
}

/// Mean of `boundedPareto(alpha:ceiling:)`.
func boundedParetoMean(alpha: Double, ceiling: Double) -> Double {
    let tail = pow(ceiling, -alpha)
    if abs(alpha - 1) < 1e-9 { return log(ceiling) / (1 - tail) }
    return alpha / (alpha - 1) * (1 - pow(ceiling, 1 - alpha)) / (1 - tail)
}
