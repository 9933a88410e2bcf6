/// What one remote may see of one project: the project's state and, with `authGroup`, the READ
/// permission of the remote's user, both read from the source's `refs/meta/config` chain, plus
/// what the project's changes' NoteDb says about their visibility.
package struct ProjectVisibility: Sendable {
    package var state: ProjectAccess.State
    /// `nil` without `authGroup`: every ref is visible, as for Gerrit's internal user.
    package var read: ReadAccess?
    /// Why nothing can be told about what the remote may see (unreadable rules, no known group):
    /// then nothing of the project goes to the remote, and nothing is deleted there.
    package var failure: String?
    /// The destination branch and privacy of each change whose refs the project has.
    package var changes: [Int: ChangeFacts]

    package init(
        state: ProjectAccess.State,
        read: ReadAccess?,
        failure: String? = nil,
        changes: [Int: ChangeFacts] = [:]
    ) {
        self.state = state
        self.read = read
        self.failure = failure
        self.changes = changes
    }

    package static let unrestricted = ProjectVisibility(state: .active, read: nil)

    package static func unreadable(state: ProjectAccess.State, _ reason: String) -> ProjectVisibility {
        ProjectVisibility(state: state, read: nil, failure: reason)
    }

    /// Gerrit's `RefNames.isGerritRef`: refs Gerrit manages, visible by their own rules.
    package static let gerritPrefixes = [
        "refs/changes/", "refs/meta/external-ids", "refs/cache-automerge/", "refs/draft-comments/",
        "refs/deleted-groups/", "refs/sequences/", "refs/groups/", "refs/meta/group-names", "refs/users/",
        "refs/starred-changes/",
    ]

    /// Why the remote may not see `ref`, or `nil`.
    package func hiddenReason(of ref: String) -> String? {
        if let failure { return failure }
        return self.denial(of: ref).map { "not visible to authGroup: \($0)" }
    }

    /// Gerrit's `RefVisibilityControl.isVisible` for the remote's user.
    private func denial(of ref: String) -> String? {
        guard let read else { return nil }
        guard Self.gerritPrefixes.contains(where: ref.hasPrefix) else { return read.denial(of: ref) }
        if ref.hasPrefix("refs/cache-automerge/") { return "refs/cache-automerge/* is visible to no one" }
        if read.accessesDatabase { return nil }
        guard let number = ChangeFacts.changeNumber(of: ref) else {
            return "a ref Gerrit manages, visible only with the Access Database capability"
        }
        guard let change = self.changes[number] else {
            return "change \(number) has no readable NoteDb meta ref, so its branch is unknown"
        }
        if let denial = read.denial(of: change.branch) {
            return "change \(number) is for \(change.branch): \(denial)"
        }
        if change.isPrivate, read.denial(of: change.branch, permission: "viewprivatechanges") != nil {
            return "change \(number) is private"
        }
        return nil
    }

    /// Why no mirror of the project is created on the remote: the failure, or that nothing is readable.
    package var notCreatedReason: String {
        self.failure ?? "not visible to authGroup: no ref of the project is readable, so no mirror is created"
    }

    /// Whether the remote may see the project at all: some ref of it is readable. A repository the
    /// remote may not see is never created there.
    package func isVisible(refs: some Sequence<String>) -> Bool {
        guard self.failure == nil else { return false }
        guard self.read != nil else { return true }
        return refs.contains { $0 != "HEAD" && self.denial(of: $0) == nil }
    }
}
