/// The subset of OpenSSH's `ssh_config` that JGit honours for Gerrit: `Host`, `HostName`, `User`,
/// `Port`, `IdentityFile`, `UserKnownHostsFile`, `StrictHostKeyChecking`. As in OpenSSH, the first
/// value obtained for a key wins, and `IdentityFile` accumulates.
package struct SSHClientConfig: Sendable {
    private struct Block: Sendable {
        var patterns: [String]
        var options: [(key: String, value: String)]
    }

    /// What applies to one host alias.
    package struct Settings: Hashable, Sendable {
        package var hostName: String?
        package var user: String?
        package var port: Int?
        package var identityFiles: [String] = []
        package var userKnownHostsFile: String?
        /// `yes`, `no`, `accept-new`, … as written (lower-cased).
        package var strictHostKeyChecking: String?
    }

    private var blocks: [Block] = []

    package init(text: String) {
        var current = Block(patterns: ["*"], options: [])
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingConfigWhitespace()
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            let (key, value) = Self.split(line)
            if key == "host" {
                self.blocks.append(current)
                current = Block(
                    patterns: value.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init),
                    options: []
                )
            } else {
                current.options.append((key, value))
            }
        }
        self.blocks.append(current)
    }

    /// The settings for `host` (the name written in the URL).
    package func settings(for host: String) -> Settings {
        var settings = Settings()
        var seen = Set<String>()
        for block in self.blocks where Self.matches(host, block.patterns) {
            for (key, value) in block.options {
                if key == "identityfile" {
                    settings.identityFiles.append(value.replacing("%h", with: host))
                    continue
                }
                guard seen.insert(key).inserted else { continue }
                switch key {
                case "hostname": settings.hostName = value.replacing("%h", with: host)
                case "user": settings.user = value
                case "port": settings.port = Int(value)
                case "userknownhostsfile":
                    settings.userKnownHostsFile = value.split(separator: " ").first.map(String.init)
                case "stricthostkeychecking": settings.strictHostKeyChecking = value.lowercased()
                default: break
                }
            }
        }
        return settings
    }

    /// `Key value`, `Key=value` and `Key = "value"`.
    private static func split(_ line: String) -> (String, String) {
        let separator = line.firstIndex { $0 == " " || $0 == "\t" || $0 == "=" } ?? line.endIndex
        let key = line[..<separator].lowercased()
        var value = line[separator...].drop { $0 == " " || $0 == "\t" || $0 == "=" }.trimmingConfigWhitespace()
        if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
            value = String(value.dropFirst().dropLast())
        }
        return (key, value)
    }

    /// OpenSSH's rule: some positive pattern matches and no negated (`!`) pattern does.
    private static func matches(_ host: String, _ patterns: [String]) -> Bool {
        var matched = false
        for pattern in patterns {
            if pattern.hasPrefix("!") {
                if Self.glob(Array(pattern.dropFirst()), Array(host)) { return false }
            } else if Self.glob(Array(pattern), Array(host)) {
                matched = true
            }
        }
        return matched
    }

    /// `*` and `?` wildcards, case-insensitive as OpenSSH matches host names.
    private static func glob(_ pattern: [Character], _ text: [Character]) -> Bool {
        guard let first = pattern.first else { return text.isEmpty }
        if first == "*" {
            return (0...text.count).contains { Self.glob(Array(pattern.dropFirst()), Array(text.dropFirst($0))) }
        }
        guard let character = text.first else { return false }
        guard first == "?" || first.lowercased() == character.lowercased() else { return false }
        return Self.glob(Array(pattern.dropFirst()), Array(text.dropFirst()))
    }
}

extension SSHClientConfig.Settings {
    /// `url` as ssh would reach it: the alias replaced by `HostName`; `User` and `Port` filled in when
    /// the URL names none.
    package func apply(to url: RemoteURL) -> RemoteURL {
        guard url.transport == .ssh, let host = url.host else { return url }
        return url.replacingEndpoint(
            user: url.user ?? self.user,
            host: self.hostName ?? host,
            port: url.port ?? self.port
        )
    }
}
