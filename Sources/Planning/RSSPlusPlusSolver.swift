/// RSS++'s greedy bucket assignment (fastclick vendor/nicscheduler/methods/solver.hh,
/// `BucketMapTargetProblem`), with its float arithmetic. Givers are the overloaded cores with the
/// load they should shed, receivers the underloaded ones with the load they may take. One run
/// repeatedly takes the most overloaded giver's largest remaining bucket and hands it to the most
/// underloaded receiver if it fits; two slack values tune "fits" and "done" between runs (up to
/// 10) until the squared residual falls under 0.01.
struct RSSPlusPlusSolver {
    var bucketLoad: [Float] = []
    /// Index into `giverExcess` of each bucket's core.
    var bucketGiver: [Int] = []
    var giverExcess: [Float] = []
    var receiverRoom: [Float] = []

    struct Solution {
        /// Receiver index per bucket, nil for buckets that stay.
        var transfer: [Int?]
        /// Buckets in the order the greedy pass assigned them.
        var order: [Int]
        var squaredResidual: Float
    }

    private static let maxRuns = 10
    private static let goodEnough: Float = 0.01

    func solve() -> Solution {
        // Each giver's buckets, largest first: the order its heap would pop them in.
        var stacks = [[Int]](repeating: [], count: giverExcess.count)
        for bucket in bucketLoad.indices { stacks[bucketGiver[bucket]].append(bucket) }
        for giver in stacks.indices {
            stacks[giver].sort { bucketLoad[$0] > bucketLoad[$1] || (bucketLoad[$0] == bucketLoad[$1] && $0 < $1) }
        }

        var overloadAllowed: Float = -0.01, underloadAllowed: Float = -0.01
        var bottom = (overloadAllowed, underloadAllowed), top = (Float(0), Float(0))
        var kept = (Float(0), Float(0))
        var lastSquare = Float.greatestFiniteMagnitude
        var phase = 1
        var m: Float = -1
        var run = 1
        while true {
            let result = greedyRun(stacks, overloadAllowed: overloadAllowed, underloadAllowed: underloadAllowed)
            if run == Self.maxRuns || result.solution.squaredResidual < Self.goodEnough { return result.solution }
            let square = result.solution.squaredResidual
            if run == 1 {
                overloadAllowed = result.residualOverloaded
                underloadAllowed = result.residualUnderloaded
                phase = 1
            } else {
                // The original compares against a best value it never updates, so it always keeps
                // the slack values just tried, not the best ones seen.
                kept = (overloadAllowed, underloadAllowed)
                switch phase {
                case 1:
                    if square <= lastSquare {
                        overloadAllowed += overloadAllowed / 2
                        underloadAllowed += underloadAllowed / 2
                    } else {
                        phase = 2
                        top = (overloadAllowed, underloadAllowed)
                        m = 0.5
                        overloadAllowed /= 2
                        underloadAllowed /= 2
                    }
                case 2:
                    if square <= lastSquare {
                        m /= 2
                        if m < 0.01 { return result.solution }
                        (overloadAllowed, underloadAllowed) = interpolate(bottom, top, m)
                    } else {
                        bottom = (overloadAllowed, underloadAllowed)
                        phase = 3
                        m = 0.5
                        (overloadAllowed, underloadAllowed) = ((bottom.0 + top.0) / 2, (bottom.1 + top.1) / 2)
                    }
                default:
                    if square <= lastSquare {
                        m = (1 + m) / 2
                        if m > 0.99 { return result.solution }
                        (overloadAllowed, underloadAllowed) = interpolate(bottom, top, m)
                    } else {
                        phase = 2
                        top = (overloadAllowed, underloadAllowed)
                        m = 0.5
                        (overloadAllowed, underloadAllowed) = interpolate(bottom, top, m)
                    }
                }
            }
            run += 1
            lastSquare = square
            if run == Self.maxRuns { (overloadAllowed, underloadAllowed) = kept }
        }
    }

    private func interpolate(_ bottom: (Float, Float), _ top: (Float, Float), _ m: Float) -> (Float, Float) {
        (bottom.0 + (top.0 - bottom.0) * m, bottom.1 + (top.1 - bottom.1) * m)
    }

    private struct RunResult {
        var solution: Solution
        var residualOverloaded: Float
        var residualUnderloaded: Float
    }

    private func greedyRun(_ stacks: [[Int]], overloadAllowed: Float, underloadAllowed: Float) -> RunResult {
        var transfer = [Int?](repeating: nil, count: bucketLoad.count)
        var order: [Int] = []
        var next = [Int](repeating: 0, count: stacks.count)
        var givers = PriorityHeap<Float>(capacity: giverExcess.count)
        for (giver, excess) in giverExcess.enumerated() { givers.push(excess, giver) }
        var receivers = PriorityHeap<Float>(capacity: receiverRoom.count)
        for (receiver, room) in receiverRoom.enumerated() { receivers.push(room, receiver) }
        var residualOverloaded: Float = 0, residualUnderloaded: Float = 0, square: Float = 0

        while var receiver = receivers.top, var giver = givers.pop() {
            let bucket = stacks[giver.id][next[giver.id]]
            next[giver.id] += 1
            let load = bucketLoad[bucket]
            // Receivers are tried from the most underloaded down; whether a bucket fits only gets
            // harder further down, so the first one decides.
            if load < receiver.key + underloadAllowed {
                _ = receivers.pop()
                receiver.key -= load
                giver.key -= load
                transfer[bucket] = receiver.id
                order.append(bucket)
                if receiver.key > Self.goodEnough {
                    receivers.push(receiver.key, receiver.id)
                } else {
                    residualUnderloaded += abs(receiver.key)
                    square += receiver.key * receiver.key
                }
            }
            if giver.key > -overloadAllowed && next[giver.id] < stacks[giver.id].count {
                givers.push(giver.key, giver.id)
            } else {
                residualOverloaded += abs(giver.key)
                square += giver.key * giver.key
            }
        }
        while let giver = givers.pop() {
            residualOverloaded += abs(giver.key)
            square += giver.key * giver.key
        }
        while let receiver = receivers.pop() {
            residualUnderloaded += abs(receiver.key)
            square += receiver.key * receiver.key
        }
        return RunResult(solution: Solution(transfer: transfer, order: order, squaredResidual: square),
                         residualOverloaded: residualOverloaded, residualUnderloaded: residualUnderloaded)
    }
}
