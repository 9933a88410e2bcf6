import Foundation

/// Blocking work (a push, a listing, an `flock`) run on a thread of its own and awaited: it must
/// not hold one of the cooperative pool's threads, of which a two-core machine has two.
package enum BlockingWork {
    package static func run<Value: Sendable>(_ body: @escaping @Sendable () -> Value) async -> Value {
        await withCheckedContinuation { continuation in
            Self.threads.async { continuation.resume(returning: body()) }
        }
    }

    /// A concurrent queue of its own: it runs on libdispatch's overcommitting threads, which grow
    /// with the work that blocks (unlike the global queues, limited to one thread a core; up to
    /// 255 at once) and are kept a while for the next push instead of created and torn down for
    /// each (a 600-project sync: 0.1 s of its 2 s of CPU).
    private static let threads = DispatchQueue(label: "replicator.blocking-work", attributes: .concurrent)
}
