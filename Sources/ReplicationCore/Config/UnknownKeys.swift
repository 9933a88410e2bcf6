/// Unknown sections and keys: warnings with a did-you-mean, since Gerrit silently ignores typos.
enum UnknownKeys {
    static func diagnostics(for document: GitConfig) -> [ConfigDiagnostic] {
        var diagnostics: [ConfigDiagnostic] = []
        var reportedSections = Set<String>()
        for section in document.sections where ConfigSchema.sections[section.name] == nil {
            guard reportedSections.insert(section.name).inserted else { continue }
            let hint = ConfigSchema.suggestion(forSection: section.name).map { "; \($0)" } ?? ""
            diagnostics.append(
                .warning(
                    .unknownSection,
                    key: section.name,
                    at: section.location,
                    "unknown section [\(section.name)], ignored\(hint)"
                )
            )
        }
        for entry in document.entries {
            guard ConfigSchema.sections[entry.section.name] != nil,
                ConfigSchema.canonicalKey(entry.name, in: entry.section.name) == nil
            else { continue }
            let hint = ConfigSchema.suggestion(forKey: entry.name, in: entry.section.name).map { "; \($0)" } ?? ""
            diagnostics.append(
                .warning(.unknownKey, key: entry.qualifiedKey, at: entry.location, "unknown key, ignored\(hint)")
            )
        }
        return diagnostics
    }
}
