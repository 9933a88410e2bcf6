/// A section header as written: `[remote "github"]` is section `remote`, subsection `github`.
package struct GitConfigSection: Hashable, Sendable {
    /// Lower-cased: section names are case-insensitive.
    package var name: String
    /// Case-sensitive, except in the legacy `[section.sub]` form, which git lower-cases.
    package var subsection: String?
    package var location: ConfigLocation

    package init(name: String, subsection: String?, location: ConfigLocation) {
        self.name = name
        self.subsection = subsection
        self.location = location
    }

    package var id: GitConfigSectionID { GitConfigSectionID(name: self.name, subsection: self.subsection) }
}

/// Identifies a section independently of where it was written; several headers may share one.
package struct GitConfigSectionID: Hashable, Sendable {
    package var name: String
    package var subsection: String?

    package init(name: String, subsection: String?) {
        self.name = name
        self.subsection = subsection
    }
}

/// One `key = value` line.
package struct GitConfigEntry: Hashable, Sendable {
    package var section: GitConfigSectionID
    /// Lower-cased: key names are case-insensitive.
    package var name: String
    /// The name as written, for messages.
    package var spelling: String
    /// `nil` for a bare key (`mirror` alone), which git reads as boolean true.
    package var value: String?
    package var location: ConfigLocation

    package init(
        section: GitConfigSectionID,
        name: String,
        spelling: String,
        value: String?,
        location: ConfigLocation
    ) {
        self.section = section
        self.name = name
        self.spelling = spelling
        self.value = value
        self.location = location
    }

    /// `remote.github.push`: the key as git prints it, with the name as the user spelled it.
    package var qualifiedKey: String {
        guard let subsection = self.section.subsection else { return "\(self.section.name).\(self.spelling)" }
        return "\(self.section.name).\(subsection).\(self.spelling)"
    }
}

/// A parsed git-config document: the section headers and entries in file order.
package struct GitConfig: Sendable {
    package private(set) var sections: [GitConfigSection] = []
    package private(set) var entries: [GitConfigEntry] = []

    package init() {}

    package mutating func append(_ section: GitConfigSection) {
        self.sections.append(section)
    }

    package mutating func append(_ entry: GitConfigEntry) {
        self.entries.append(entry)
    }

    package mutating func append(contentsOf other: GitConfig) {
        self.sections.append(contentsOf: other.sections)
        self.entries.append(contentsOf: other.entries)
    }

    /// Entries grouped by section, each group in file order; built once so that lookups over
    /// thousands of remotes stay linear.
    package func entriesBySection() -> [GitConfigSectionID: [GitConfigEntry]] {
        Dictionary(grouping: self.entries, by: \.section)
    }

    /// The section ids in order of first appearance, including sections that have no entries.
    package func sectionIDs() -> [GitConfigSectionID] {
        var seen = Set<GitConfigSectionID>()
        return self.sections.map(\.id).filter { seen.insert($0).inserted }
    }
}
