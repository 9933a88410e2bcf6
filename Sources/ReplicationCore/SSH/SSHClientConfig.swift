/// The subset of OpenSSH's `ssh_config` that JGit honours for Gerrit: `Host`, `HostName`, `User`,
/// `Port`, `IdentityFile`, `UserKnownHostsFile`, `StrictHostKeyChecking`. As in OpenSSH, the first
/// value obtained for a key wins, and `IdentityFile` accumulates.
package struct SSHClientConfig: Sendable {
    /// Which hosts a block's options apply to.
    private enum Condition: Sendable {
        /// `Host PATTERN…`, matched against the name written in the URL.
        case host([String])
        /// `Match host PATTERN,…` (after `HostName`), `Match originalhost PATTERN,…`, `Match all`.
        case match(hostPatterns: [String]?, originalHostPatterns: [String]?)
        /// A `Match` with a criterion Replicator cannot evaluate (`exec`, `user`, …): never applies.
        case never
    }

    private struct Block: Sendable {
        var condition: Condition
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
    /// Lines Replicator cannot honour, with their line numbers (`Match` blocks it skips).
    package private(set) var warnings: [(line: Int, message: String)] = []

    package init(text: String) {
        var current = Block(condition: .host(["*"]), options: [])
        for (index, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = rawLine.trimmingConfigWhitespace()
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            let (key, value) = Self.split(line)
            switch key {
            case "host":
                self.blocks.append(current)
                current = Block(condition: .host(Self.words(value)), options: [])
            case "match":
                // Every option up to the next Host or Match belongs to this block, and to no other.
                self.blocks.append(current)
                let condition = Self.matchCondition(value)
                if case .never = condition {
                    self.warnings.append(
                        (
                            index + 1,
                            "'Match \(value)' is not supported (only host, originalhost, all); its block is skipped"
                        )
                    )
                }
                current = Block(condition: condition, options: [])
            default:
                current.options.append((key, value))
            }
        }
        self.blocks.append(current)
    }

    private static func words(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    }

    private static func matchCondition(_ text: String) -> Condition {
        let words = Self.words(text)
        if words.map({ $0.lowercased() }) == ["all"] { return .match(hostPatterns: nil, originalHostPatterns: nil) }
        guard words.count.isMultiple(of: 2), !words.isEmpty else { return .never }
        var hosts: [String]?
        var originals: [String]?
        for pair in stride(from: 0, to: words.count, by: 2) {
            let patterns = words[pair + 1].split(separator: ",").map(String.init)
            switch words[pair].lowercased() {
            case "host": hosts = (hosts ?? []) + patterns
            case "originalhost": originals = (originals ?? []) + patterns
            default: return .never
            }
        }
        return .match(hostPatterns: hosts, originalHostPatterns: originals)
    }

    /// The settings for `host` (the name written in the URL).
    package func settings(for host: String) -> Settings {
        var settings = Settings()
        var seen = Set<String>()
        for block in self.blocks where Self.applies(block.condition, to: host, hostName: settings.hostName) {
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

    private static func applies(_ condition: Condition, to host: String, hostName: String?) -> Bool {
        switch condition {
        case .host(let patterns):
            return Self.matches(host, patterns)
        case .match(let hostPatterns, let originalHostPatterns):
            let target = hostName ?? host
            return (hostPatterns.map { Self.matches(target, $0) } ?? true)
                && (originalHostPatterns.map { Self.matches(host, $0) } ?? true)
        case .never:
            return false
        }
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
