/// What one remote may see of one project: the project's state and, with `authGroup`, the READ
/// permission of the remote's user, both read from the source's `refs/meta/config` chain.
package struct ProjectVisibility: Sendable {
    package var state: ProjectAccess.State
    /// `nil` without `authGroup`: every ref is visible, as for Gerrit's internal user.
    package var read: ReadAccess?

    package init(state: ProjectAccess.State, read: ReadAccess?) {
        self.state = state
        self.read = read
    }

    package static let unrestricted = ProjectVisibility(state: .active, read: nil)

    /// Why the remote may not see `ref`, or `nil`.
    package func hiddenReason(of ref: String) -> String? {
        self.read?.denial(of: ref).map { "not visible to authGroup: \($0)" }
    }

    /// Whether the remote may see the project at all: some ref of it is readable. A repository the
    /// remote may not see is never created there.
    package func isVisible(refs: some Sequence<String>) -> Bool {
        guard let read else { return true }
        return refs.contains { $0 != "HEAD" && read.denial(of: $0) == nil }
    }
}
