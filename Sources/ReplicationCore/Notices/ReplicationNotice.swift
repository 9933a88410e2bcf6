/// One of the events Gerrit's replication plugin posts to `stream-events`, with the plugin's type
/// names and JSON fields, for what waits on them (Zuul, the Jenkins Gerrit Trigger's "wait for
/// replication"). Fields a type does not have are left out of its JSON, as Gerrit's Gson leaves out
/// nulls. URLs never carry credentials. Stores keep a column per field and never decode JSON.
package struct ReplicationNotice: Hashable, Sendable, Encodable {
    package enum Kind: String, Hashable, Sendable, Encodable, CaseIterable {
        case refReplicationScheduled = "ref-replication-scheduled"
        case refReplicated = "ref-replicated"
        case refReplicationDone = "ref-replication-done"
        case projectDeletionReplicationScheduled = "project-deletion-replication-scheduled"
        case projectDeletionReplicationSucceeded = "project-deletion-replication-succeeded"
        case projectDeletionReplicationFailed = "project-deletion-replication-failed"
        case projectDeletionReplicationDone = "project-deletion-replication-done"
    }

    /// The plugin's `RefPushResult`, as its `toString()` writes it.
    package enum PushResult: String, Hashable, Sendable, Encodable {
        case succeeded
        case failed
        case notAttempted = "not-attempted"
    }

    /// JGit's `RemoteRefUpdate.Status`, the names `refStatus` carries.
    package enum RemoteRefStatus: String, Hashable, Sendable, Encodable {
        case ok = "OK"
        case upToDate = "UP_TO_DATE"
        case rejectedNonFastForward = "REJECTED_NONFASTFORWARD"
        case rejectedNoDelete = "REJECTED_NODELETE"
        case rejectedOtherReason = "REJECTED_OTHER_REASON"
        case nonExisting = "NON_EXISTING"
        case notAttempted = "NOT_ATTEMPTED"
    }

    /// The ref of a full sync (Gerrit's `PushOne.ALL_REFS`).
    package static let allRefs = "..all.."

    package var type: Kind
    package var project: String
    package var ref: String?
    /// Deprecated in Gerrit but still sent: the host (`host:port`), or the path of a local mirror.
    package var targetNode: String?
    package var targetUri: String?
    package var status: PushResult?
    package var refStatus: RemoteRefStatus?
    package var nodesCount: Int?
    /// Seconds since 1970, as Gerrit's events carry it.
    package var eventCreatedOn: Int

    package init(
        type: Kind,
        project: String,
        ref: String? = nil,
        target: NoticeTarget? = nil,
        status: PushResult? = nil,
        refStatus: RemoteRefStatus? = nil,
        nodesCount: Int? = nil,
        eventCreatedOn: Int
    ) {
        self.type = type
        self.project = project
        self.ref = ref
        self.targetNode = target?.node
        self.targetUri = target?.uri
        self.status = status
        self.refStatus = refStatus
        self.nodesCount = nodesCount
        self.eventCreatedOn = eventCreatedOn
    }
}

/// How a notice names a URL, worked out once per push: the URL without credentials, and Gerrit's
/// `resolveNodeName` (`host[:port]` of a remote URL, the path of a local one).
package struct NoticeTarget: Hashable, Sendable {
    package var uri: String
    package var node: String

    package init(url: String) {
        self.uri = Credentials.redact(url)
        guard let parsed = try? RemoteURL(parsing: url) else {
            self.node = self.uri
            return
        }
        guard let host = parsed.host else {
            self.node = parsed.path
            return
        }
        let shown = host.contains(":") ? "[\(host)]" : host
        self.node = parsed.port.map { "\(shown):\($0)" } ?? shown
    }

    /// As stored.
    package init(uri: String, node: String) {
        self.uri = uri
        self.node = node
    }
}

/// A notice as the store numbers it: `id` is what `GET /events/stream?since=` and webhook cursors
/// count, increasing in the order notices were stored.
package struct StoredNotice: Hashable, Sendable, Encodable {
    package var id: Int64
    package var notice: ReplicationNotice

    package init(id: Int64, notice: ReplicationNotice) {
        self.id = id
        self.notice = notice
    }

    private enum Keys: String, CodingKey { case id }

    /// Gerrit's fields with `id` beside them (an extension: what a client resumes from).
    package func encode(to encoder: any Encoder) throws {
        try self.notice.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(self.id, forKey: .id)
    }
}

/// A page of stored notices: those that could be read, and the last id looked at (notices this
/// version cannot decode are skipped, never read again).
package struct NoticeBatch: Sendable {
    package var notices: [StoredNotice]
    package var lastID: Int64

    package init(notices: [StoredNotice], lastID: Int64) {
        self.notices = notices
        self.lastID = lastID
    }
}
