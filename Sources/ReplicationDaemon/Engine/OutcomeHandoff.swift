import ReplicationCore
import Synchronization

/// First outcomes handed from `start --wait`'s own engine to its waiter in memory, whole; the store
/// records them without their per-ref lists. The waiter still learns from the store that an outcome
/// exists (and gets whole ones from other nodes there), but a big push's report no longer goes
/// through JSON and SQLite and back in the same process: a first push of 100,000 refs encoded,
/// stored and decoded 9 MB of it, up to 60 MB of heap at once.
package final class OutcomeHandoff: Sendable {
    private struct Key: Hashable {
        var event: Int64
        var target: PushTarget
    }

    private let records = Mutex<[Key: PushOutcomeRecord]>([:])
    private let storedWrites = Atomic<Int>(0)

    package init() {}

    /// `write` as the store should get it: an outcome is kept here whole and stored without its
    /// report's updates and results; every other write as it is. Only a first attempt is kept, as
    /// the store keeps only the first (a retry's outcome is written too, and ignored there).
    package func handingOver(_ write: StoreWrite) -> StoreWrite {
        guard case .outcome(let record, let events) = write, var report = record.outcome.report else { return write }
        self.records.withLock { records in
            for event in events where records[Key(event: event, target: record.target)] == nil {
                records[Key(event: event, target: record.target)] = record
            }
        }
        report.plan.updates = []
        report.results = []
        var slim = record
        slim.outcome.report = report
        return .outcome(slim, events: events)
    }

    /// Counts the engine's writes (outcomes, planned and completed events) once the store took
    /// them, committed or failed.
    package func stored() {
        self.storedWrites.add(1, ordering: .releasing)
    }

    /// How many of the engine's writes the store took so far: while it stays the same, this
    /// process's engine recorded no outcome or event progress, and a waiter need not ask the store
    /// (in a 600-project sync, the waiter's reads were a sixth of the process's CPU time).
    package var storedCount: Int { self.storedWrites.load(ordering: .acquiring) }

    /// The whole outcome `record` (read from the store for `event`) stands for, when this process's
    /// engine handed it over; else `record` itself.
    package func whole(_ record: PushOutcomeRecord, event: Int64) -> PushOutcomeRecord {
        self.records.withLock { $0[Key(event: event, target: record.target)] } ?? record
    }
}
