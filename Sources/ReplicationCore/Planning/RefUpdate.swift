/// One command of a push: create, update or delete a remote ref.
package struct RefUpdate: Hashable, Sendable, Codable {
    package enum Action: String, Hashable, Sendable, Codable {
        case create
        case update
        case delete
    }

    package var action: Action
    /// The local ref read; `nil` for a delete.
    package var source: String?
    /// The remote ref written.
    package var destination: String
    /// What the remote advertised; `nil` when the ref is new.
    package var oldID: ObjectID?
    /// What the remote ref becomes; `nil` for a delete.
    package var newID: ObjectID?
    /// Whether a non-fast-forward update is allowed (the refspec's `+`).
    package var isForced: Bool
    /// Why a delete happens when the source still has the ref (`no longer visible …`), else `nil`.
    package var reason: String?

    package init(
        action: Action,
        source: String?,
        destination: String,
        oldID: ObjectID?,
        newID: ObjectID?,
        isForced: Bool,
        reason: String? = nil
    ) {
        self.action = action
        self.source = source
        self.destination = destination
        self.oldID = oldID
        self.newID = newID
        self.isForced = isForced
        self.reason = reason
    }
}

extension RefUpdate {
    /// Deleting `destination`, which the remote has at `id`.
    package static func deletion(of destination: String, at id: ObjectID, isForced: Bool, reason: String? = nil)
        -> RefUpdate
    {
        RefUpdate(
            action: .delete,
            source: nil,
            destination: destination,
            oldID: id,
            newID: nil,
            isForced: isForced,
            reason: reason
        )
    }
}

/// A ref the plan did not touch, and why; never dropped silently.
package struct SkippedRef: Hashable, Sendable, Codable {
    /// What kind of skip it is, for what follows from it (a log line); `reason` is for people.
    package enum Kind: String, Hashable, Sendable, Codable {
        /// Kept back by a rule (a refspec, visibility, the mirror settings): nothing to report.
        case rule
        /// A deletion not carried out: the mirror's value is not one the source reported.
        case unprovenDeletion
        /// The remote keeps a copy it may no longer see (mirror and replicateDeletions are false).
        case noLongerVisible
    }

    package var ref: String
    package var reason: String
    package var kind: Kind

    package init(ref: String, reason: String, kind: Kind = .rule) {
        self.ref = ref
        self.reason = reason
        self.kind = kind
    }

    private enum CodingKeys: String, CodingKey {
        case ref, reason, kind
    }

    /// Outcomes stored before kinds existed read as rules.
    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.ref = try container.decode(String.self, forKey: .ref)
        self.reason = try container.decode(String.self, forKey: .reason)
        self.kind = try container.decodeIfPresent(Kind.self, forKey: .kind) ?? .rule
    }
}

/// Everything one push to one URL should do.
package struct UpdatePlan: Hashable, Sendable, Codable {
    package enum Mode: String, Hashable, Sendable, Codable {
        case full
        case delta
    }

    package var mode: Mode
    /// Creates and updates in ref order, then deletes in ref order.
    package var updates: [RefUpdate]
    package var skipped: [SkippedRef]
    /// Why nothing may be pushed (the mass-deletion guard), or `nil`.
    package var blocked: String?
    /// Refs already equal on both sides.
    package var upToDate: Int

    package init(mode: Mode, updates: [RefUpdate], skipped: [SkippedRef], blocked: String?, upToDate: Int) {
        self.mode = mode
        self.updates = updates
        self.skipped = skipped
        self.blocked = blocked
        self.upToDate = upToDate
    }

    package var deletions: [RefUpdate] { self.updates.filter { $0.action == .delete } }
}
