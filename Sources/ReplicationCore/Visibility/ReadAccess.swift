/// Gerrit's READ permission on one project's refs for the remote's user: a member of exactly the
/// given groups (the `authGroup`s and the groups that include them), as Gerrit's `RemoteSiteUser`.
/// Follows `PermissionCollection` and `RefControl.canPerform`:
/// - the sections whose pattern matches the ref, from the project and every parent, sorted most
///   specific first (ties: the project closer to this one first);
/// - only the first rule per (pattern, group) counts, so a child's `deny` hides a parent's `allow`
///   for the same pattern and group; an `exclusive` permission ends the search;
/// - a `block` matching the user in any project wins, unless an `allow` for the user sits in the same
///   section, or a more specific exclusive section of that project allows the user.
/// See docs/visibility.md.
package struct ReadAccess: Sendable {
    package struct Level: Sendable {
        package var project: String
        package var access: ProjectAccess

        package init(project: String, access: ProjectAccess) {
            self.project = project
            self.access = access
        }
    }

    package static let projectOwners = "global:Project-Owners"
    package static let permission = "read"

    /// The project first, All-Projects last.
    private let chain: [Level]
    private let groups: Set<String>
    private let matchers: [String: RefAccessPattern]
    private let isOwner: Bool

    package init(chain: [Level], groups: Set<String>) {
        self.chain = chain
        self.groups = groups
        var matchers: [String: RefAccessPattern] = [:]
        for section in chain.flatMap(\.access.sections) where matchers[section.pattern] == nil {
            matchers[section.pattern] = RefAccessPattern(section.pattern)
        }
        self.matchers = matchers
        // Gerrit's "Project Owners": the user holds `owner` on refs/* here or in a parent.
        self.isOwner = chain.contains { level in
            level.access.sections.contains { section in
                section.pattern == "refs/*"
                    && section.permissions["owner"]?.rules.contains {
                        $0.action == .allow && $0.group.map(groups.contains) == true
                    } == true
            }
        }
    }

    /// Why the user may not read `ref`, or `nil` when it may.
    package func denial(of ref: String) -> String? {
        self.denial(of: ref, permission: Self.permission)
    }

    /// Gerrit's "Access Database" capability (All-Projects): every Gerrit-managed ref is visible.
    package var accessesDatabase: Bool {
        guard let root = self.chain.last, root.project == "All-Projects" else { return false }
        let rules = root.access.capabilities["accessdatabase"] ?? []
        return !rules.contains { $0.action == .block && self.matches($0) }
            && rules.contains { $0.action == .allow && self.matches($0) }
    }

    /// Why the user lacks `permission` (lower-cased: `read`, `viewprivatechanges`) on `ref`, or `nil`.
    package func denial(of ref: String, permission: String) -> String? {
        let candidates = self.candidates(for: ref, permission: permission)
        if let block = self.block(among: candidates, ref: ref) { return block }
        var seen = Set<String>()
        var shadowing: String?
        for candidate in RefAccessPattern.mostSpecificFirst(candidates, for: ref) {
            for rule in candidate.permission.rules {
                let key = "\(candidate.pattern)\u{0}\(rule.group ?? "?\(rule.groupName)")"
                guard seen.insert(key).inserted else { continue }
                guard self.matches(rule) else { continue }
                switch rule.action {
                case .allow: return nil
                case .deny: shadowing = shadowing ?? "denied by \(candidate.describe(rule))"
                case .block: continue
                }
            }
            if candidate.permission.isExclusive {
                return shadowing
                    ?? "\(permission) on \(candidate.pattern) in \(candidate.project) is exclusive to groups the remote is not in"
            }
        }
        return shadowing ?? "no \(permission) rule grants it to the remote's groups"
    }

    /// Gerrit's READ_CONFIG (what a hidden project needs): `refs/meta/config` is readable.
    package var readsConfiguration: Bool { self.denial(of: "refs/meta/config") == nil }

    private func candidates(for ref: String, permission name: String) -> [Candidate] {
        var found: [Candidate] = []
        for (level, entry) in self.chain.enumerated() {
            for section in entry.access.sections {
                guard let permission = section.permissions[name],
                    self.matchers[section.pattern]?.matches(ref) == true
                else { continue }
                found.append(
                    Candidate(
                        pattern: section.pattern,
                        name: name,
                        permission: permission,
                        project: entry.project,
                        level: level
                    )
                )
            }
        }
        return found
    }

    /// `RefControl.isBlocked`, project by project.
    private func block(among candidates: [Candidate], ref: String) -> String? {
        let levels = Dictionary(grouping: candidates, by: \.level)
        for level in levels.keys.sorted(by: >) {  // parent to child, as Gerrit walks them
            let sections = RefAccessPattern.mostSpecificFirst(levels[level] ?? [], for: ref)
            guard sections.contains(where: { $0.permission.rules.contains { $0.action == .block } }) else { continue }
            for section in sections {
                let allows = section.permission.rules.contains { $0.action == .allow && self.matches($0) }
                if section.permission.isExclusive && allows { break }
                let blocking = section.permission.rules.first {
                    $0.action == .block && !$0.isForce && self.matches($0)
                }
                if let blocking, !allows { return "blocked by \(section.describe(blocking))" }
            }
        }
        return nil
    }

    /// `ProjectControl.match`: the user's groups, Project Owners through `owner` on refs/*; never
    /// Change Owner (there is no change).
    private func matches(_ rule: AccessRule) -> Bool {
        guard let group = rule.group else { return false }
        if group == Self.projectOwners { return self.isOwner }
        return self.groups.contains(group)
    }

    struct Candidate {
        var pattern: String
        var name: String
        var permission: AccessPermission
        var project: String
        var level: Int

        func describe(_ rule: AccessRule) -> String {
            let action = rule.action == .allow ? "" : "\(rule.action.rawValue) "
            return "'\(self.name) = \(action)group \(rule.groupName)' on \(self.pattern) in \(self.project)"
        }
    }
}
