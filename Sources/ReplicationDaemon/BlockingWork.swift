import Foundation

/// Blocking work (a push, a listing, an `flock`) run on a thread of its own and awaited: it must
/// not hold one of the cooperative pool's threads, of which a two-core machine has two.
package enum BlockingWork {
    package static func run<Value: Sendable>(_ body: @escaping @Sendable () -> Value) async -> Value {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: body()) }
        }
    }
}
