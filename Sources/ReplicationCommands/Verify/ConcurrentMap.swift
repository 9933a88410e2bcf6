import Foundation
import Synchronization

/// `items.map(body)` on `workers` threads of their own (the work blocks on the network), results
/// in the items' order.
enum ConcurrentMap {
    static func run<Item: Sendable, Value: Sendable>(
        _ items: [Item],
        workers: Int,
        _ body: @escaping @Sendable (Item) -> Value
    ) -> [Value] {
        let results = Mutex<[Int: Value]>([:])
        let next = Atomic<Int>(0)
        let done = DispatchGroup()
        for _ in 0..<max(1, min(workers, items.count)) {
            done.enter()
            Thread.detachNewThread {
                while case let index = next.add(1, ordering: .relaxed).oldValue, index < items.count {
                    let value = body(items[index])
                    results.withLock { $0[index] = value }
                }
                done.leave()
            }
        }
        done.wait()
        return results.withLock { results in items.indices.map { results[$0]! } }
    }
}
