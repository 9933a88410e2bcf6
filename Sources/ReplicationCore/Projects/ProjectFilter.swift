/// A remote's `projects` and `excludeProjects`: a project is replicated when it matches some
/// `projects` pattern (or there are none) and no `excludeProjects` pattern.
package struct ProjectFilter: Sendable {
    package let includes: [ProjectPattern]
    package let excludes: [ProjectPattern]

    package init(includes: [ProjectPattern] = [], excludes: [ProjectPattern] = []) {
        self.includes = includes
        self.excludes = excludes
    }

    package func matches(_ project: String) -> Bool {
        let included = self.includes.isEmpty || self.includes.contains { $0.matches(project) }
        return included && !self.excludes.contains { $0.matches(project) }
    }

    /// Gerrit's `isSingleProjectMatch`: exactly one `projects` value, and it is an exact name.
    package var singleProject: String? {
        guard self.includes.count == 1, let only = self.includes.first, only.kind == .exact else { return nil }
        return only.text
    }
}
