/// Gerrit's `groups` file (in a project's `refs/meta/config`): the groups its access rules name, one
/// `UUID<TAB>NAME` line each (padded with spaces), `#` lines being comments. All-Projects' file
/// names the site's groups that any rule uses, system groups included (`global:Anonymous-Users`).
package struct GerritGroups: Hashable, Sendable {
    /// Group names by UUID.
    package var names: [String: String] = [:]

    package init(parsing text: String) {
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            guard let tab = line.firstIndex(of: "\t") else { continue }
            let uuid = line[..<tab].trimmingConfigWhitespace()
            let name = line[line.index(after: tab)...].trimmingConfigWhitespace()
            guard !uuid.isEmpty, !name.isEmpty else { continue }
            self.names[uuid] = name
        }
    }

    /// Whether `group` (as `authGroup` writes it: a name, or a UUID) is one of these groups.
    package func contains(_ group: String) -> Bool {
        self.names[group] != nil || self.names.values.contains(group)
    }
}

extension RemoteConfiguration {
    /// A warning for each `authGroup` that is not a group of the site (`groups`: All-Projects'
    /// groups file and All-Users' groups, `nil` when neither could be read, `source` saying where
    /// they were looked for).
    package func authGroupDiagnostics(groups: GerritGroups?, source: String) -> [ConfigDiagnostic] {
        guard !self.authGroups.isEmpty else { return [] }
        let key = "remote.\(self.name).authGroup"
        guard let groups else {
            return [.warning(.unknownGroup, key: key, at: self.location, "cannot check the groups: \(source)")]
        }
        return self.authGroups.filter { !groups.contains($0) }.map { group in
            .warning(.unknownGroup, key: key, at: self.location, "'\(group)' is not a group of this site (\(source))")
        }
    }
}
