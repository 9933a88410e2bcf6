/// Gerrit's `etc/secure.config` beside `replication.config`: `remote.NAME.username` and
/// `remote.NAME.password` for HTTP mirrors (the plain file, as `gerrit.useLegacyCredentials` and
/// Gerrit's default secure store read it), and Replicator's `replicator.webhookToken`. Values there
/// win over the same keys in replication.config; a URL's own `user:token@` wins over both.
extension ReplicationConfiguration {
    package static let secureConfigName = "secure.config"

    mutating func readSecureConfig(fileSystem: any ConfigFileSystem) {
        let path = PathText.directory(of: self.mainFile) + "/" + Self.secureConfigName
        let text: String?
        do {
            text = try fileSystem.readFile(atPath: path)
        } catch {
            let location = ConfigLocation(file: path, line: 0)
            self.diagnostics.append(.error(.unreadableFile, at: location, "cannot read: \(error.message)"))
            return
        }
        guard let text else { return }
        let config: GitConfig
        do {
            config = try GitConfigParser.parse(text, file: path)
        } catch {
            // The parser's message quotes no value, so no secret reaches the report.
            self.diagnostics.append(.error(.syntax, at: error.location, error.message))
            return
        }
        for entry in config.entries where entry.section.name == "replicator" && entry.name == "webhooktoken" {
            if let token = entry.value, !token.isEmpty { self.daemon.webhookToken = token }
        }
        for entry in config.entries where entry.section.name == "remote" {
            guard let name = entry.section.subsection,
                let index = self.remotes.firstIndex(where: { $0.name == name })
            else { continue }
            switch entry.name {
            case "username": self.remotes[index].username = entry.value
            case "password": self.remotes[index].password = entry.value
            default: continue
            }
        }
        self.files.append(path)
    }
}
