/// The configuration text as read from disk: the main file, its `[include]`s and, when the
/// `replication/` directory exists beside it, the fan-out files.
package struct LoadedConfigDocument: Sendable {
    package var mainFile: String
    /// Every file that was read, in the order read.
    package var files: [String] = []
    /// Set when fan-out mode is on.
    package var fanOutDirectory: String?
    package var document = GitConfig()
    package var diagnostics: [ConfigDiagnostic] = []
    /// `[include]`s followed so far.
    package var includesRead = 0
}

/// Reads `replication.config` as Gerrit does, with file/line diagnostics instead of log lines.
package struct ConfigDocumentLoader: Sendable {
    /// git refuses deeper include chains too.
    package static let maximumIncludeDepth = 10
    /// Includes read in one load, at most: without cycles, a few files that include each other
    /// several times would still multiply.
    package static let maximumIncludes = 100

    private let fileSystem: any ConfigFileSystem

    package init(fileSystem: any ConfigFileSystem) {
        self.fileSystem = fileSystem
    }

    package func load(path: String) -> LoadedConfigDocument {
        var loaded = LoadedConfigDocument(mainFile: path)
        guard let main = self.read(path, into: &loaded, includedFrom: nil, chain: []) else { return loaded }
        let fanOutDirectory = PathText.directory(of: path) + "/replication"
        guard let fanOutFiles = self.fileSystem.configFiles(inDirectory: fanOutDirectory) else {
            loaded.document = main
            return loaded
        }
        loaded.fanOutDirectory = fanOutDirectory
        loaded.document = Self.withoutRemotes(main, diagnostics: &loaded.diagnostics)
        for file in fanOutFiles {
            guard let fanOut = self.read(file, into: &loaded, includedFrom: nil, chain: []) else { continue }
            if let remote = FanOutFile.remote(of: fanOut, file: file, diagnostics: &loaded.diagnostics) {
                loaded.document.append(contentsOf: remote)
            }
        }
        return loaded
    }

    /// Parses one file and splices its includes in place; `nil` when it cannot be used.
    private func read(
        _ path: String,
        into loaded: inout LoadedConfigDocument,
        includedFrom include: GitConfigEntry?,
        chain: [String]
    ) -> GitConfig? {
        let text: String?
        do {
            text = try self.fileSystem.readFile(atPath: path)
        } catch {
            loaded.diagnostics.append(.error(.unreadableFile, at: ConfigLocation(file: path, line: 0), error.message))
            return nil
        }
        guard let text else {
            Self.reportMissing(path, include: include, into: &loaded)
            return nil
        }
        loaded.files.append(path)
        do {
            let parsed = try GitConfigParser.parse(text, file: path)
            return self.resolvingIncludes(in: parsed, of: path, into: &loaded, chain: chain + [path])
        } catch {
            let column = error.location.column.map { " (column \($0))" } ?? ""
            loaded.diagnostics.append(.error(.syntax, at: error.location, error.message + column))
            return nil
        }
    }

    private static func reportMissing(_ path: String, include: GitConfigEntry?, into loaded: inout LoadedConfigDocument)
    {
        guard let include else {
            let location = ConfigLocation(file: path, line: 0)
            loaded.diagnostics.append(.error(.unreadableFile, at: location, "no such file"))
            return
        }
        loaded.diagnostics.append(
            .warning(
                .includeNotFound,
                key: include.qualifiedKey,
                at: include.location,
                "'\(path)' does not exist; skipped (as git does)"
            )
        )
    }

    private func resolvingIncludes(
        in parsed: GitConfig,
        of path: String,
        into loaded: inout LoadedConfigDocument,
        chain: [String]
    ) -> GitConfig {
        var result = GitConfig()
        var sectionIndex = 0
        for entry in parsed.entries {
            // Keep headers in order relative to the entries spliced in.
            while sectionIndex < parsed.sections.count, parsed.sections[sectionIndex].location < entry.location {
                result.append(parsed.sections[sectionIndex])
                sectionIndex += 1
            }
            result.append(entry)
            guard entry.section == GitConfigSectionID(name: "include", subsection: nil), entry.name == "path" else {
                continue
            }
            if let included = self.include(entry, from: path, into: &loaded, chain: chain) {
                result.append(contentsOf: included)
            }
        }
        parsed.sections[sectionIndex...].forEach { result.append($0) }
        return result
    }

    private func include(
        _ entry: GitConfigEntry,
        from path: String,
        into loaded: inout LoadedConfigDocument,
        chain: [String]
    ) -> GitConfig? {
        guard let value = entry.value, !value.isEmpty else {
            loaded.diagnostics.append(
                .error(.invalidValue, key: entry.qualifiedKey, at: entry.location, "needs a file path")
            )
            return nil
        }
        let target = PathText.resolve(self.fileSystem.expandingTilde(value), against: PathText.directory(of: path))
        let problem: String? =
            if chain.contains(target) {
                "include cycle: '\(target)' is already being read (\(chain.joined(separator: " -> ")))"
            } else if chain.count > Self.maximumIncludeDepth {
                "includes nest deeper than \(Self.maximumIncludeDepth) levels"
            } else if loaded.includesRead >= Self.maximumIncludes {
                "more than \(Self.maximumIncludes) includes in one configuration"
            } else {
                nil
            }
        if let problem {
            loaded.diagnostics.append(.error(.includeTooDeep, key: entry.qualifiedKey, at: entry.location, problem))
            return nil
        }
        loaded.includesRead += 1
        return self.read(target, into: &loaded, includedFrom: entry, chain: chain)
    }

    /// In fan-out mode Gerrit ignores remotes in `replication.config`.
    private static func withoutRemotes(_ main: GitConfig, diagnostics: inout [ConfigDiagnostic]) -> GitConfig {
        var result = GitConfig()
        for section in main.sections {
            guard section.name == "remote" else {
                result.append(section)
                continue
            }
            let message =
                "remote \"\(section.subsection ?? "")\" ignored: remotes live in replication/*.config when that directory exists"
            diagnostics.append(.warning(.fanOut, key: "remote", at: section.location, message))
        }
        main.entries.filter { $0.section.name != "remote" }.forEach { result.append($0) }
        return result
    }
}
