/// The user a remote with `authGroup` pushes as (Gerrit's `RemoteSiteUser`): a member of exactly
/// the named groups and, recursively, of every group that includes one of them. Not a member of
/// Anonymous or Registered Users unless they are named.
package struct RemoteSiteUser: Hashable, Sendable {
    /// Group UUIDs.
    package var groups: Set<String>
    /// `authGroup` values that are no group of the site (Gerrit drops them with a warning).
    package var unknown: [String]

    package static let systemGroups = [
        "Anonymous Users": "global:Anonymous-Users",
        "Registered Users": "global:Registered-Users",
        "Project Owners": ReadAccess.projectOwners,
        "Change Owner": "global:Change-Owner",
    ]

    /// `names`: UUIDs by group name; `subgroups`: the UUIDs each group includes (All-Users'
    /// `refs/groups/*:subgroups`).
    package init(authGroups: [String], names: [String: String], subgroups: [String: [String]]) {
        var parents: [String: [String]] = [:]
        for (group, members) in subgroups {
            for member in members { parents[member, default: []].append(group) }
        }
        var groups = Set<String>()
        var unknown: [String] = []
        var pending: [String] = []
        let known = Set(names.values).union(Self.systemGroups.values)
        for name in authGroups {
            guard let uuid = names[name] ?? Self.systemGroups[name] ?? (known.contains(name) ? name : nil) else {
                unknown.append(name)
                continue
            }
            pending.append(uuid)
        }
        while let uuid = pending.popLast() {
            guard groups.insert(uuid).inserted else { continue }
            pending.append(contentsOf: parents[uuid] ?? [])
        }
        self.groups = groups
        self.unknown = unknown
    }
}
