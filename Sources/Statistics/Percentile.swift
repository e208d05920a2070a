/// The `fraction` percentile of `values` by the nearest-rank rule: the smallest value that at
/// least `fraction` of the values are less than or equal to, that is the value of rank
/// ⌈fraction × n⌉ (from 1) in sorted order, and the smallest value for fraction 0. Always one of
/// the values, never an interpolation. 0 when there are none.
public func percentile(_ values: [Double], _ fraction: Double) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    // fraction × n carries the rounding of a binary fraction (0.07 × 100 is 7.000000000000001):
    // trimmed by a relative 1e-12, it yields the rank it stands for.
    let exact = fraction * Double(sorted.count)
    let rank = Int((exact - exact.magnitude * 1e-12).rounded(.up))
    return sorted[min(max(rank, 1), sorted.count) - 1]
}
