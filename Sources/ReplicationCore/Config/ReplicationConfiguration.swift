/// The whole replication configuration: typed settings plus every diagnostic found on the way.
/// Loading never throws: problems become diagnostics, and ``isUsable`` says whether any is an error.
package struct ReplicationConfiguration: Sendable {
    package var mainFile: String
    /// Every file read, in order (main file, includes, fan-out files).
    package var files: [String]
    package var fanOutDirectory: String?
    package var gerrit: GerritOptions
    package var replication: ReplicationOptions
    /// Replicator's `[replicator]` section.
    package var daemon: DaemonOptions
    package var remotes: [RemoteConfiguration]
    package var skippedRemotes: [String]
    package var diagnostics: [ConfigDiagnostic]

    package var isUsable: Bool { !self.diagnostics.hasErrors }

    /// Reads `path` (and what it includes or fans out to) through `fileSystem`.
    package static func load(path: String, fileSystem: any ConfigFileSystem) -> ReplicationConfiguration {
        let document = ConfigDocumentLoader(fileSystem: fileSystem).load(path: path)
        var configuration = ReplicationConfiguration(document: document)
        configuration.readSecureConfig(fileSystem: fileSystem)
        return configuration
    }

    package init(document loaded: LoadedConfigDocument) {
        let configDirectory = PathText.directory(of: loaded.mainFile)
        let entries = loaded.document.entriesBySection()
        var gerritReader = SectionReader(keyPrefix: "gerrit", entries: Self.entries(entries, "gerrit"))
        var replicationReader = SectionReader(keyPrefix: "replication", entries: Self.entries(entries, "replication"))
        var daemonReader = SectionReader(keyPrefix: "replicator", entries: Self.entries(entries, "replicator"))
        self.mainFile = loaded.mainFile
        self.files = loaded.files
        self.fanOutDirectory = loaded.fanOutDirectory
        self.gerrit = GerritOptions(reading: &gerritReader, configDirectory: configDirectory)
        self.replication = ReplicationOptions(reading: &replicationReader, configDirectory: configDirectory)
        self.daemon = DaemonOptions(reading: &daemonReader, configDirectory: configDirectory)
        self.remotes = []
        self.skippedRemotes = []
        self.diagnostics =
            loaded.diagnostics + gerritReader.diagnostics + replicationReader.diagnostics
            + daemonReader.diagnostics
        let context = RemoteParsingContext(
            configDirectory: configDirectory,
            gerrit: self.gerrit,
            replication: self.replication,
            rewrites: URLRewrites(entries: loaded.document.entries),
            regexes: RegexCache()
        )
        self.readRemotes(loaded.document, entries: entries, context: context)
        self.diagnostics += UnknownKeys.diagnostics(for: loaded.document)
        if self.remotes.isEmpty && !self.diagnostics.hasErrors {
            let location = ConfigLocation(file: loaded.mainFile, line: 0)
            self.diagnostics.append(
                .warning(.noRemotes, at: location, "no remotes configured; nothing will be replicated")
            )
        }
        self.diagnostics.sort {
            ($0.location ?? ConfigLocation(file: "", line: 0)) < ($1.location ?? ConfigLocation(file: "", line: 0))
        }
    }

    private static func entries(_ entries: [GitConfigSectionID: [GitConfigEntry]], _ section: String)
        -> [GitConfigEntry]
    {
        entries[GitConfigSectionID(name: section, subsection: nil)] ?? []
    }

    private mutating func readRemotes(
        _ document: GitConfig,
        entries: [GitConfigSectionID: [GitConfigEntry]],
        context: RemoteParsingContext
    ) {
        let headers = Dictionary(
            document.sections.map { ($0.id, $0.location) },
            uniquingKeysWith: { first, _ in first }
        )
        for id in document.sectionIDs() where id.name == "remote" {
            guard let name = id.subsection, let location = headers[id] else {
                let message = "a [remote] section needs a name: [remote \"NAME\"]; section ignored"
                self.diagnostics.append(.warning(.skippedRemote, key: "remote", at: headers[id], message))
                continue
            }
            var reader = SectionReader(keyPrefix: "remote.\(name)", entries: entries[id] ?? [])
            if let remote = RemoteConfiguration(name: name, location: location, reader: &reader, context: context) {
                self.remotes.append(remote)
            } else {
                self.skippedRemotes.append(name)
            }
            self.diagnostics += reader.diagnostics
        }
    }

    package func remote(named name: String) -> RemoteConfiguration? {
        self.remotes.first { $0.name == name }
    }
}
