/// One `replication/NAME.config` file: exactly one nameless `[remote]` section, which becomes
/// `[remote "NAME"]` (the file name without its last extension).
enum FanOutFile {
    static func remote(of file: GitConfig, file path: String, diagnostics: inout [ConfigDiagnostic]) -> GitConfig? {
        let remoteHeaders = file.sections.filter { $0.name == "remote" }
        let wholeFile = ConfigLocation(file: path, line: 0)
        if let named = remoteHeaders.first(where: { $0.subsection != nil }) {
            let message =
                "file skipped: a fan-out file has one nameless [remote] section; the name comes from the file name"
            diagnostics.append(.warning(.fanOut, key: "remote", at: named.location, message))
            return nil
        }
        guard remoteHeaders.count == 1 else {
            let found = remoteHeaders.isEmpty ? "none" : "\(remoteHeaders.count)"
            let message = "file skipped: a fan-out file needs exactly one [remote] section (found \(found))"
            diagnostics.append(
                .warning(.fanOut, key: "remote", at: remoteHeaders.dropFirst().first?.location ?? wholeFile, message)
            )
            return nil
        }
        let name = Self.remoteName(forFile: path)
        let renamed = GitConfigSectionID(name: "remote", subsection: name)
        var result = GitConfig()
        for section in file.sections {
            if section.name == "remote" {
                result.append(GitConfigSection(name: "remote", subsection: name, location: section.location))
            } else {
                let message =
                    "[\(section.name)] in a fan-out file is merged into the global settings (as Gerrit does); move it to replication.config"
                diagnostics.append(.warning(.fanOut, key: section.name, at: section.location, message))
                result.append(section)
            }
        }
        for var entry in file.entries {
            if entry.section.name == "remote" { entry.section = renamed }
            result.append(entry)
        }
        return result
    }

    /// `host-one.config` → `host-one`; `a.b.config` → `a.b`.
    static func remoteName(forFile path: String) -> String {
        let file = PathText.lastComponent(of: path)
        guard let dot = file.lastIndex(of: ".") else { return file }
        return String(file[..<dot])
    }
}
