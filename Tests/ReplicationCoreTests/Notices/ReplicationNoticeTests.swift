import Foundation
import ReplicationCore
import Testing

/// The notices' JSON against Gerrit's replication plugin: type names, fields per type (the event
/// classes' public fields plus `type` and `eventCreatedOn` from Gerrit's `Event`), status values.
struct ReplicationNoticeTests {
    static let target = PushTarget(remote: "replica", url: "ssh://git@mirror.example.com:29418/p.git", project: "p")

    static func fields(_ notice: ReplicationNotice) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(notice)) as? [String: Any])
    }

    /// plugins_replication: ReplicationScheduledEvent, RefReplicatedEvent, RefReplicationDoneEvent,
    /// ProjectDeletionReplication{Scheduled,Succeeded,Failed,Done}Event.
    static let gerritFields: [ReplicationNotice.Kind: Set<String>] = [
        .refReplicationScheduled: ["project", "ref", "targetNode", "targetUri"],
        .refReplicated: ["project", "ref", "targetNode", "targetUri", "status", "refStatus"],
        .refReplicationDone: ["project", "ref", "nodesCount"],
        .projectDeletionReplicationScheduled: ["project", "targetNode", "targetUri"],
        .projectDeletionReplicationSucceeded: ["project", "targetNode", "targetUri"],
        .projectDeletionReplicationFailed: ["project", "targetNode", "targetUri"],
        .projectDeletionReplicationDone: ["project"],
    ]

    @Test func everyKindCarriesGerritsFieldsAndNoOthers() throws {
        let work = PushWork(refs: ["refs/changes/01/1/1"])
        let deletion = PushWork(deleteProject: true)
        let ok = [RefStatus(ref: "refs/changes/01/1/1", status: .ok)]
        let notices =
            ReplicationNotice.scheduled(work, to: Self.target, at: 1_700_000_000)
            + ReplicationNotice.replicated(work, to: Self.target, result: .ok, statuses: ok, at: 1_700_000_001)
            + ReplicationNotice.done(
                project: "p",
                refs: ["refs/changes/01/1/1"],
                deletesProject: false,
                nodesCount: 2,
                at: 1_700_000_002
            )
            + ReplicationNotice.scheduled(deletion, to: Self.target, at: 1)
            + ReplicationNotice.replicated(deletion, to: Self.target, result: .ok, statuses: [], at: 2)
            + ReplicationNotice.replicated(deletion, to: Self.target, result: .transient, statuses: [], at: 3)
            + ReplicationNotice.done(project: "p", refs: [], deletesProject: true, nodesCount: 1, at: 4)
        #expect(Set(notices.map(\.type)) == Set(ReplicationNotice.Kind.allCases))
        for notice in notices {
            let fields = try Self.fields(notice)
            let expected = try #require(Self.gerritFields[notice.type]).union(["type", "eventCreatedOn"])
            #expect(Set(fields.keys) == expected, "\(notice.type): \(fields.keys.sorted())")
        }
        let replicated = try Self.fields(notices[1])
        #expect(replicated["type"] as? String == "ref-replicated")
        #expect(replicated["status"] as? String == "succeeded" && replicated["refStatus"] as? String == "OK")
        #expect(replicated["targetNode"] as? String == "mirror.example.com:29418")
        #expect(replicated["targetUri"] as? String == Self.target.url)
        #expect(replicated["eventCreatedOn"] as? Int == 1_700_000_001)
        #expect(try Self.fields(notices[2])["nodesCount"] as? Int == 2)
        #expect(notices[4].type == .projectDeletionReplicationSucceeded)
        #expect(notices[5].type == .projectDeletionReplicationFailed)
    }

    @Test func refResultsMapToGerritsPushResultAndJGitsStatus() {
        let work = PushWork(refs: ["a", "b", "c", "d", "e", "f", "g"])
        let statuses = [
            RefStatus(ref: "a", status: .ok),
            RefStatus(ref: "b", status: .upToDate),
            RefStatus(ref: "c", status: .rejected, message: "non-fast-forward"),
            RefStatus(ref: "d", status: .rejected, message: "deletion prohibited"),
            RefStatus(ref: "e", status: .rejected, message: "pre-receive hook declined"),
            RefStatus(ref: "f", status: .skipped, message: "excluded by excludedRefsPattern"),
            RefStatus(ref: "g", status: .held, message: "more than maxDeletions"),
        ]
        let notices = ReplicationNotice.replicated(work, to: Self.target, result: .rejected, statuses: statuses, at: 0)
        let pairs = notices.map { "\($0.ref ?? "") \($0.status?.rawValue ?? "-") \($0.refStatus?.rawValue ?? "-")" }
        #expect(
            pairs == [
                "a succeeded OK", "b succeeded UP_TO_DATE", "c failed REJECTED_NONFASTFORWARD",
                "d failed REJECTED_NODELETE", "e failed REJECTED_OTHER_REASON", "f not-attempted NOT_ATTEMPTED",
            ],
            "a held ref has no result yet"
        )
        let failed = ReplicationNotice.replicated(
            work,
            to: Self.target,
            result: .transient,
            statuses: [RefStatus(ref: "a", status: .failed, message: "connection reset")],
            at: 0
        )
        #expect(failed.map(\.status) == [.failed] && failed.map(\.refStatus) == [nil])
    }

    @Test func aFullSyncIsScheduledAsAllRefsAndReportsItsFailureSo() {
        let full = PushWork(fullSync: true)
        #expect(ReplicationNotice.scheduled(full, to: Self.target, at: 0).map(\.ref) == ["..all.."])
        let failed = ReplicationNotice.replicated(full, to: Self.target, result: .permanent, statuses: [], at: 0)
        #expect(failed.map(\.ref) == ["..all.."] && failed.map(\.status) == [.failed])
        #expect(ReplicationNotice.replicated(full, to: Self.target, result: .ok, statuses: [], at: 0).isEmpty)
        let pushed = [
            RefStatus(ref: "refs/heads/main", status: .ok),
            RefStatus(ref: "refs/changes/01/1/1", status: .skipped, message: "not visible to authGroup"),
        ]
        let reported = ReplicationNotice.replicated(full, to: Self.target, result: .ok, statuses: pushed, at: 0)
        #expect(reported.map(\.ref) == ["refs/heads/main"], "a full sync says nothing of the refs it keeps back")
    }

    @Test func targetsNameTheirNodeAndNeverTheirCredentials() {
        let cases: [(url: String, node: String, uri: String)] = [
            ("ssh://git@host:29418/p.git", "host:29418", "ssh://git@host:29418/p.git"),
            ("git@github.com:org/p.git", "github.com", "git@github.com:org/p.git"),
            ("https://user:s3cret@git.example.com/p.git", "git.example.com", "https://user:***@git.example.com/p.git"),
            ("https://ghp_token@github.com/org/p.git", "github.com", "https://***@github.com/org/p.git"),
            ("/srv/mirror/p.git", "/srv/mirror/p.git", "/srv/mirror/p.git"),
            ("ssh://[::1]:2222/p.git", "[::1]:2222", "ssh://[::1]:2222/p.git"),
        ]
        for (url, node, uri) in cases {
            let target = PushTarget(remote: "r", url: url, project: "p")
            let notice = ReplicationNotice.scheduled(PushWork(refs: ["refs/heads/main"]), to: target, at: 0)[0]
            #expect(notice.targetNode == node, "\(url)")
            #expect(notice.targetUri == uri, "\(url)")
        }
    }

    @Test func aStoredNoticeAddsItsIDBesideGerritsFields() throws {
        let notice = ReplicationNotice.done(project: "p", refs: ["r"], deletesProject: false, nodesCount: 1, at: 5)[0]
        let json = try #require(
            try JSONSerialization.jsonObject(with: JSONEncoder().encode(StoredNotice(id: 42, notice: notice)))
                as? [String: Any]
        )
        #expect(json["id"] as? Int == 42 && json["type"] as? String == "ref-replication-done")
        #expect(Set(json.keys) == ["id", "type", "project", "ref", "nodesCount", "eventCreatedOn"])
    }
}
