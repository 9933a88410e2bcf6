package import ReplicationCore

/// One write the engine makes to the store. The engine hands a push's end over whole — the end of
/// its running record, its outcome, its refs' statuses, its delivery, the URL's last push, its
/// notices — and each store applies the list in one transaction: one commit per push end, and
/// after a crash either all of it or none (none: the events are still stored, so the push runs
/// again — a push too many, never one too few).
package enum StoreWrite: Sendable, Equatable {
    /// How many targets each event was planned for (what `start --wait` waits for).
    case planned([Int64: Int])
    /// Events done everywhere (or planned for no target) leave the queue.
    case completed([Int64])
    /// `target` is done with `events`; `completed` (a subset) are done everywhere and leave the queue.
    case delivery(events: [Int64], target: PushTarget, completed: [Int64])
    /// The first attempt's outcome for events whose sender waits for outcomes; others are ignored.
    case outcome(PushOutcomeRecord, events: [Int64])
    /// Each ref's result on the target, kept for `replicator explain` (seconds since 1970).
    case refStatuses(PushTarget, [RefStatus], at: Double)
    /// Replaces the URL's last push (`/status` across restarts).
    case lastPush(LastPush)
    /// A push to `target` is held by the mass-deletion guard (`reason` set), or is no longer (`nil`).
    case held(PushTarget, deletions: Int, reason: String?)
    /// The push ``ClusterStore/startPush(_:node:)`` granted under `epoch` ended, however it ended.
    case pushEnded(PushTarget, node: String, epoch: Int64)
    /// Gerrit's replication events, stored for `/events/stream` and the webhooks in the order
    /// given; their ids follow commit order (a reader never skips one that commits later).
    case notices([ReplicationNotice])

    package var isNotices: Bool {
        if case .notices = self { true } else { false }
    }

    /// What the write records, for a log line when it fails.
    package var subject: String {
        switch self {
        case .planned: "planned targets"
        case .completed: "completed events"
        case .delivery: "a delivery"
        case .outcome: "a push outcome"
        case .refStatuses: "ref statuses"
        case .lastPush: "a push"
        case .held(_, _, let reason): reason == nil ? "a released held push" : "a held push"
        case .pushEnded: "a push's end"
        case .notices: "replication events"
        }
    }
}

/// The engine's writes: one batched call. Reads stay on the narrower protocols.
package protocol StoreWriting: Sendable {
    /// Applies `writes` in order, in one transaction: all of them or none.
    func apply(_ writes: [StoreWrite]) async throws
}

extension StoreWriting {
    package func recordPlanned(_ counts: [Int64: Int]) async throws { try await self.apply([.planned(counts)]) }

    package func recordCompleted(_ events: [Int64]) async throws { try await self.apply([.completed(events)]) }

    package func recordDelivery(of events: [Int64], to target: PushTarget, completed: [Int64]) async throws {
        try await self.apply([.delivery(events: events, target: target, completed: completed)])
    }

    package func recordOutcome(_ outcome: PushOutcomeRecord, for events: [Int64]) async throws {
        try await self.apply([.outcome(outcome, events: events)])
    }

    package func recordRefStatuses(_ statuses: [RefStatus], for target: PushTarget, at seconds: Double) async throws {
        try await self.apply([.refStatuses(target, statuses, at: seconds)])
    }

    package func recordLastPush(_ push: LastPush) async throws { try await self.apply([.lastPush(push)]) }

    package func recordHeld(_ target: PushTarget, deletions: Int, reason: String?) async throws {
        try await self.apply([.held(target, deletions: deletions, reason: reason)])
    }

    package func endPush(_ target: PushTarget, node: String, epoch: Int64) async throws {
        try await self.apply([.pushEnded(target, node: node, epoch: epoch)])
    }

    package func appendNotices(_ notices: [ReplicationNotice]) async throws {
        try await self.apply([.notices(notices)])
    }
}
