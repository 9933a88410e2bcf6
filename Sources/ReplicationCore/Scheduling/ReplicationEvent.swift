/// Something that happened at the source and must reach the mirrors. Events carry ref **names**
/// only: the values are read when the push runs, so replays are idempotent and a create → delete →
/// create sequence ends in the state the source is in at push time.
package struct ReplicationEvent: Hashable, Sendable, Codable {
    package enum Kind: String, Hashable, Sendable, Codable {
        /// Gerrit's `ref-updated`: push these refs.
        case refUpdated = "ref-updated"
        /// Gerrit's `project-head-updated`: move the mirrors' HEAD.
        case headUpdated = "project-head-updated"
        /// Gerrit's `project-deleted`: delete the mirrors of remotes with `replicateProjectDeletions`.
        case projectDeleted = "project-deleted"
        /// `replicator start`, `replicateOnStartup`: compare every ref with the mirror.
        case fullSync = "full-sync"
        /// `replicator allow-deletions`: let a push held by `maxDeletions` through, once.
        case allowDeletions = "allow-deletions"
    }

    package var kind: Kind
    package var project: String
    /// The refs of a `ref-updated` event; empty for the other kinds.
    package var refs: [String]
    /// Object ids the source reported for those refs (`oldRev`, `newRev`, zeros left out): a ref the
    /// source deleted is deleted on a mirror only while the mirror still holds one of them.
    package var refValues: [String: [String]]?
    /// Remote names a full sync is limited to; empty means every remote.
    package var remotes: [String]
    /// A substring of the URLs a full sync is limited to (`start --url`).
    package var urlSubstring: String?
    /// Expanded URLs the event is limited to, exactly (a reconcile's repair); `nil`: every URL.
    package var urls: [String]?
    /// Skip `replicationDelay` (`start --now`).
    package var immediately: Bool
    /// Let this full sync delete more than `maxDeletions` refs (`start --allow-mass-deletion`).
    package var allowMassDeletion: Bool

    package init(
        kind: Kind,
        project: String,
        refs: [String] = [],
        refValues: [String: [String]]? = nil,
        remotes: [String] = [],
        urlSubstring: String? = nil,
        immediately: Bool = false,
        allowMassDeletion: Bool = false
    ) {
        self.kind = kind
        self.project = project
        self.refs = refs
        self.refValues = refValues
        self.remotes = remotes
        self.urlSubstring = urlSubstring
        self.immediately = immediately
        self.allowMassDeletion = allowMassDeletion
    }

    package static func refUpdated(project: String, refs: [String], values: [String: [String]]? = nil) -> Self {
        Self(kind: .refUpdated, project: project, refs: refs, refValues: values)
    }
}

extension ReplicationEvent {
    /// `oldRev`/`newRev` as Gerrit and git hooks report them: lower-cased, the zero id (a ref that did
    /// not exist) left out.
    package static func values(old: String?, new: String?) -> [String] {
        [old, new].compactMap { $0?.lowercased() }.filter { !$0.isEmpty && $0.contains { $0 != "0" } }
    }
}

/// An event once the store holds it: acknowledged, and kept until every target has it.
package struct StoredEvent: Hashable, Sendable {
    package var id: Int64
    package var event: ReplicationEvent
    /// Seconds since 1970 when the event was stored.
    package var storedAt: Double
    /// Targets already done with this event (pushed, refused per ref, or given up on).
    package var delivered: Set<PushTarget>
    /// Whoever queued it wants every first attempt's outcome recorded (`start --wait`).
    package var wantsOutcomes: Bool

    package init(
        id: Int64,
        event: ReplicationEvent,
        storedAt: Double,
        delivered: Set<PushTarget> = [],
        wantsOutcomes: Bool = false
    ) {
        self.id = id
        self.event = event
        self.storedAt = storedAt
        self.delivered = delivered
        self.wantsOutcomes = wantsOutcomes
    }
}

/// One mirror of one project: the remote's name and the URL expanded for the project.
package struct PushTarget: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    package var remote: String
    package var url: String
    package var project: String

    package init(remote: String, url: String, project: String) {
        self.remote = remote
        self.url = url
        self.project = project
    }

    package var description: String { "\(self.remote) \(self.url)" }

    package static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.remote, lhs.url) < (rhs.remote, rhs.url)
    }
}

/// Who stored an event: kept with it in the store, for a person reading the queue.
package enum EventSource: String, Hashable, Sendable, Codable {
    /// `POST /events`.
    case http
    /// `replicator hook` (a git hook at the source).
    case hook
    /// `replicator notify`.
    case notify
    /// `replicator start`.
    case start
    /// `gerrit.replicateOnStartup`.
    case startup
    /// The daemon's reconcile: delta work for refs a verify found different.
    case reconcile
    /// `--events-from` (Gerrit's `stream-events`).
    case streamEvents = "stream-events"
    /// `replicator allow-deletions`.
    case allowDeletions = "allow-deletions"
    /// `replicator store move`.
    case storeMove = "store-move"
}

extension PushTarget {
    /// The command that lets this target's held push (`maxDeletions`) through once.
    package var allowDeletionsCommand: String {
        "replicator allow-deletions \(self.project) --remote \(self.remote)"
    }
}
