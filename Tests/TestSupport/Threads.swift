#if canImport(Glibc)
import Glibc
#endif

/// Runs `body(0)`, `body(1)`, ... each on a thread of its own, all at once; their results.
public func onThreads(_ count: Int, _ body: @escaping (Int) -> Int) -> [Int] {
    final class Job {
        let index: Int, body: (Int) -> Int
        var result = 0
        init(_ index: Int, _ body: @escaping (Int) -> Int) { self.index = index; self.body = body }
    }
    let jobs = (0..<count).map { Job($0, body) }
    let threads = jobs.map { job -> pthread_t in
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { raw in
            let job = Unmanaged<Job>.fromOpaque(raw!).takeUnretainedValue()
            job.result = job.body(job.index)
            return nil
        }, Unmanaged.passUnretained(job).toOpaque())
        precondition(created == 0, "pthread_create")
        return thread
    }
    for thread in threads { pthread_join(thread, nil) }
    return jobs.map(\.result)
}
