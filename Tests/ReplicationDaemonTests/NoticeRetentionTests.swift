import Foundation
import Logging
import ReplicationCore
import ReplicationDaemon
import ReplicationTestSupport
import Testing

/// `replicator.eventRetention`: the daemon's notice service removes what is older, keeps the rest.
@Suite(.offThePool)
struct NoticeRetentionTests {
    @Test func noticesOlderThanTheRetentionGoWhenTheServiceRuns() async throws {
        let store = InMemoryTaskStore()
        let now = Int(Date().timeIntervalSince1970)
        let old = ReplicationNotice(type: .refReplicationDone, project: "p", ref: "old", eventCreatedOn: now - 7_300)
        let kept = ReplicationNotice(type: .refReplicationDone, project: "p", ref: "kept", eventCreatedOn: now - 60)
        try await store.appendNotices([old, kept])
        let configuration = OneFile.configuration(
            "[replicator]\n  eventRetention = 2h\n[remote \"m\"]\n  url = /m/${name}\n"
        )
        let delivery = NoticeDelivery(
            store: store,
            signal: NoticeSignal(),
            configuration: { configuration },
            node: "n",
            metrics: ReplicationMetrics(),
            board: WebhookBoard(),
            logger: Logger(label: "test")
        )
        let service = Task { try await delivery.run() }
        defer { service.cancel() }
        // Bounded by attempts, not wall time: a loaded parallel run may starve this task a while.
        var refs: [String?] = []
        for _ in 0..<1_000 {
            refs = try await store.notices(after: 0, limit: 10).notices.map(\.notice.ref)
            if refs == ["kept"] { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(refs == ["kept"])
    }
}
