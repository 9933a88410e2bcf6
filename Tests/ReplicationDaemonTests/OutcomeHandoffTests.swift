import Foundation
import ReplicationCore
import ReplicationDaemon
import ReplicationTestSupport
import Testing

/// `start --wait`'s own engine keeps whole outcomes in memory and stores them without per-ref lists.
@Suite(.offThePool)
struct OutcomeHandoffTests {
    static let updates = (0..<3).map { index in
        RefUpdate(
            action: .create,
            source: "refs/heads/b\(index)",
            destination: "refs/heads/b\(index)",
            oldID: nil,
            newID: ObjectID(hex: String(repeating: "\(index + 1)", count: 40)),
            isForced: true
        )
    }

    static var record: PushOutcomeRecord {
        let plan = UpdatePlan(mode: .full, updates: Self.updates, skipped: [], blocked: nil, upToDate: 4)
        let report = PushReport(
            plan: plan,
            results: Self.updates.map { RefResult(update: $0, status: .ok, message: nil) },
            bytesSent: 1234
        )
        return PushOutcomeRecord(target: TaskStoreContract.target, result: .ok, outcome: PushOutcome(report: report))
    }

    @Test func theStoreGetsNoPerRefListsAndTheWaiterGetsTheWholeOutcome() async throws {
        try await TaskStoreContract.withStore(.sqlite) { store in
            let handoff = OutcomeHandoff()
            let sync = ReplicationEvent(kind: .fullSync, project: "p")
            let ids = try await store.append([sync, sync], source: .start, wantsOutcomes: true)
            let (events, other) = ([ids[0]], [ids[1]])
            try await store.apply([handoff.handingOver(.outcome(Self.record, events: events))])
            // A retry's outcome is written too; the store and the handoff keep the first attempt's.
            var retry = Self.record
            retry.outcome.report?.bytesSent = 99
            try await store.apply([handoff.handingOver(.outcome(retry, events: events))])
            try await store.apply([.outcome(Self.record, events: other)])
            let progress = try await store.progress(of: events + other)
            let stored = try #require(progress.first?.outcomes.first)
            #expect(stored.outcome.report?.plan.updates.isEmpty == true)
            #expect(stored.outcome.report?.results.isEmpty == true)
            #expect(stored.outcome.report?.bytesSent == 1234 && stored.outcome.report?.plan.upToDate == 4)
            #expect(handoff.whole(stored, event: events[0]) == Self.record)
            // An outcome another node stored is whole already, and stays what the store said.
            let elsewhere = try #require(progress.last?.outcomes.first)
            #expect(elsewhere == Self.record)
            #expect(handoff.whole(elsewhere, event: other[0]) == Self.record)
            var otherTarget = stored
            otherTarget.target = TaskStoreContract.second
            #expect(handoff.whole(otherTarget, event: events[0]) == otherTarget)
        }
    }

    @Test func writesOtherThanOutcomesPassUnchanged() {
        let handoff = OutcomeHandoff()
        let failed = PushOutcomeRecord(
            target: TaskStoreContract.target,
            result: .transient,
            outcome: PushOutcome(error: .init(code: .network, message: "down"))
        )
        #expect(handoff.handingOver(.outcome(failed, events: [1])) == .outcome(failed, events: [1]))
        let delivery = StoreWrite.delivery(events: [1], target: TaskStoreContract.target, completed: [1])
        #expect(handoff.handingOver(delivery) == delivery)
    }
}
