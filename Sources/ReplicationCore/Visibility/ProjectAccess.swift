/// What Gerrit's access rules say for one project: the `[access "REF-PATTERN"]` sections of its
/// `refs/meta/config:project.config`, its parent (`[access] inheritFrom`) and its state
/// (`[project] state`). Group names in rules are resolved through the project's `groups` file, as
/// Gerrit's `ProjectConfig` does; a name the file lacks resolves to no group and matches nobody.
package struct ProjectAccess: Hashable, Sendable {
    package enum State: String, Hashable, Sendable {
        case active
        case readOnly = "read_only"
        case hidden
    }

    /// The project this one inherits from; `nil` means All-Projects (or none, for All-Projects).
    package var parent: String?
    package var state: State
    /// In file order (Gerrit evaluates a project's sections before its parent's).
    package var sections: [AccessSection]
    /// Global capabilities (`[capability]`, honoured in All-Projects only) by lower-cased name.
    package var capabilities: [String: [AccessRule]]

    package init(
        parent: String? = nil,
        state: State = .active,
        sections: [AccessSection] = [],
        capabilities: [String: [AccessRule]] = [:]
    ) {
        self.parent = parent
        self.state = state
        self.sections = sections
        self.capabilities = capabilities
    }

    /// Parses `project.config`; `file` names it in errors (`PROJECT:refs/meta/config:project.config`).
    package init(projectConfig text: String, groups: GerritGroups, file: String) throws(ConfigParseError) {
        let config = try GitConfigParser.parse(text, file: file)
        let uuids = Dictionary(groups.names.map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        var sections: [String: AccessSection] = [:]
        var order: [String] = []
        self.init()
        for entry in config.entries {
            switch (entry.section.name, entry.section.subsection, entry.name) {
            case ("access", nil, "inheritfrom"):
                self.parent = entry.value.flatMap { $0.isEmpty ? nil : $0 }
            case ("capability", nil, let key):
                if let rule = AccessRule(parsing: entry.value ?? "", uuids: uuids) {
                    self.capabilities[key, default: []].append(rule)
                }
            case ("project", nil, "state"):
                self.state = State(rawValue: (entry.value ?? "").lowercased()) ?? .active
            case ("access", let pattern?, let key):
                if sections[pattern] == nil {
                    sections[pattern] = AccessSection(pattern: pattern)
                    order.append(pattern)
                }
                sections[pattern]?.add(key: key, value: entry.value ?? "", uuids: uuids)
            default:
                continue
            }
        }
        self.sections = order.compactMap { sections[$0] }
    }
}

/// One `[access "REF-PATTERN"]` section: its permissions by lower-cased name (`read`, `push`, …).
package struct AccessSection: Hashable, Sendable {
    package var pattern: String
    package var permissions: [String: AccessPermission] = [:]

    package init(pattern: String, permissions: [String: AccessPermission] = [:]) {
        self.pattern = pattern
        self.permissions = permissions
    }

    mutating func add(key: String, value: String, uuids: [String: String]) {
        if key == "exclusivegrouppermissions" {
            for name in value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," }) {
                self.permissions[name.lowercased(), default: AccessPermission()].isExclusive = true
            }
            return
        }
        guard let rule = AccessRule(parsing: value, uuids: uuids) else { return }
        self.permissions[key, default: AccessPermission()].rules.append(rule)
    }
}

/// A permission in one section: its rules in file order, and whether it is exclusive.
package struct AccessPermission: Hashable, Sendable {
    package var isExclusive = false
    package var rules: [AccessRule] = []

    package init(isExclusive: Bool = false, rules: [AccessRule] = []) {
        self.isExclusive = isExclusive
        self.rules = rules
    }
}

/// `[deny |block ][+force ][MIN..MAX ]group NAME`, as Gerrit's `PermissionRule.fromString` reads it.
package struct AccessRule: Hashable, Sendable {
    package enum Action: String, Hashable, Sendable {
        case allow
        case deny
        case block
    }

    package var action: Action
    package var isForce: Bool
    /// The group's UUID, or `nil` when the `groups` file does not name it (matches nobody).
    package var group: String?
    /// The name as the rule wrote it, for reasons.
    package var groupName: String

    package init(action: Action, isForce: Bool = false, group: String?, groupName: String) {
        self.action = action
        self.isForce = isForce
        self.group = group
        self.groupName = groupName
    }

    init?(parsing text: String, uuids: [String: String]) {
        var rest = Substring(text.trimmingConfigWhitespace())
        var action = Action.allow
        for (prefix, parsed) in [("deny ", Action.deny), ("block ", Action.block)] where rest.hasPrefix(prefix) {
            action = parsed
            rest = rest.dropFirst(prefix.count).drop(while: { $0 == " " })
        }
        let isForce = rest.hasPrefix("+force ")
        if isForce { rest = rest.dropFirst("+force ".count).drop(while: { $0 == " " }) }
        if !rest.hasPrefix("group "), let space = rest.firstIndex(of: " "), rest[..<space].contains("..") {
            rest = rest[space...].drop(while: { $0 == " " })  // a label range: no meaning for read
        }
        guard rest.hasPrefix("group ") else { return nil }
        let name = String(rest.dropFirst("group ".count)).trimmingConfigWhitespace()
        guard !name.isEmpty else { return nil }
        self.init(action: action, isForce: isForce, group: uuids[name], groupName: name)
    }
}
