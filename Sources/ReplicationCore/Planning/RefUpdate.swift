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
    package var ref: String
    package var reason: String

    package init(ref: String, reason: String) {
        self.ref = ref
        self.reason = reason
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
