/// The subset of OpenSSH's `ssh_config` that JGit honours for Gerrit: `Host`, `HostName`, `User`,
/// `Port`, `IdentityFile`, `UserKnownHostsFile`, `StrictHostKeyChecking`, plus `Include` (spliced
/// in place, as OpenSSH does). As in OpenSSH, the first value obtained for a key wins, and
/// `IdentityFile` accumulates. What Replicator cannot honour for a host (`ProxyJump`,
/// `ProxyCommand`, a `Match exec` that may apply) is a refusal for that host, never ignored.
package struct SSHClientConfig: Sendable {
    /// Which hosts a block's options apply to.
    private enum Condition: Sendable {
        /// `Host PATTERN…`, matched against the name written in the URL.
        case host([String])
        /// `Match host PATTERN,…` (after `HostName`), `Match originalhost PATTERN,…`, `Match all`.
        case match(hostPatterns: [String]?, originalHostPatterns: [String]?)
        /// A `Match` with a criterion Replicator cannot evaluate (`exec`, `user`, …): it may apply,
        /// so a host its evaluable criteria (`hostPatterns`) take is refused, with `reason`.
        case unevaluable(hostPatterns: [String]?, reason: String)
    }

    private struct Block: Sendable {
        var condition: Condition
        var options: [(key: String, value: String, place: String)]
    }

    /// Reads an `Include` argument (a path or glob, `~` and relative paths as OpenSSH resolves them)
    /// into the files it names, in order: (path, text).
    package typealias IncludeReader = @Sendable (String) -> [(path: String, text: String)]

    /// What applies to one host alias.
    package struct Settings: Hashable, Sendable {
        package var hostName: String?
        package var user: String?
        package var port: Int?
        package var identityFiles: [String] = []
        package var userKnownHostsFile: String?
        /// `yes`, `no`, `accept-new`, … as written (lower-cased).
        package var strictHostKeyChecking: String?
        /// Why Replicator must not connect to this host as configured (`ProxyJump` … at FILE:LINE).
        package var refusals: [String] = []
    }

    private var blocks: [Block] = []
    /// Lines Replicator cannot honour, with their line numbers (`Match` blocks it skips).
    package private(set) var warnings: [(line: Int, message: String)] = []

    package init(text: String, path: String = "~/.ssh/config", include: IncludeReader = { _ in [] }) {
        var current = Block(condition: .host(["*"]), options: [])
        self.read(text, path: path, depth: 0, current: &current, include: include)
        self.blocks.append(current)
    }

    /// OpenSSH's limit on nested `Include`s.
    private static let maximumIncludeDepth = 16

    private mutating func read(
        _ text: String,
        path: String,
        depth: Int,
        current: inout Block,
        include: IncludeReader
    ) {
        for (index, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = rawLine.trimmingConfigWhitespace()
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            let (key, value) = Self.split(line)
            let place = "\(path):\(index + 1)"
            switch key {
            case "host":
                self.blocks.append(current)
                current = Block(condition: .host(Self.words(value)), options: [])
            case "match":
                // Every option up to the next Host or Match belongs to this block, and to no other.
                self.blocks.append(current)
                current = Block(condition: Self.matchCondition(value, place: place), options: [])
            case "include":
                guard depth < Self.maximumIncludeDepth else {
                    self.warnings.append((index + 1, "\(place): Include nested too deeply; not read"))
                    continue
                }
                // The included lines apply where the Include stands; the block around it resumes after.
                let enclosing = current.condition
                for pattern in Self.words(value) {
                    for file in include(pattern) {
                        self.read(file.text, path: file.path, depth: depth + 1, current: &current, include: include)
                    }
                }
                self.blocks.append(current)
                current = Block(condition: enclosing, options: [])
            default:
                current.options.append((key, value, place))
            }
        }
    }

    private static func words(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    }

    private static func matchCondition(_ text: String, place: String) -> Condition {
        let words = Self.words(text)
        if words.map({ $0.lowercased() }) == ["all"] { return .match(hostPatterns: nil, originalHostPatterns: nil) }
        let reason =
            "'Match \(text)' (\(place)) cannot be evaluated by Replicator (only host, originalhost and all can), and its options may apply to this host"
        guard words.count.isMultiple(of: 2), !words.isEmpty else {
            return .unevaluable(hostPatterns: nil, reason: reason)
        }
        var hosts: [String]?
        var originals: [String]?
        var evaluable = true
        for pair in stride(from: 0, to: words.count, by: 2) {
            let patterns = words[pair + 1].split(separator: ",").map(String.init)
            switch words[pair].lowercased() {
            case "host": hosts = (hosts ?? []) + patterns
            case "originalhost": originals = (originals ?? []) + patterns
            default: evaluable = false
            }
        }
        guard evaluable else { return .unevaluable(hostPatterns: (hosts ?? []) + (originals ?? []), reason: reason) }
        return .match(hostPatterns: hosts, originalHostPatterns: originals)
    }

    /// The settings for `host` (the name written in the URL).
    package func settings(for host: String) -> Settings {
        var settings = Settings()
        var seen = Set<String>()
        for block in self.blocks {
            if case .unevaluable(let patterns, let reason) = block.condition,
                patterns.map({ $0.isEmpty || Self.matches(host, $0) }) ?? true
            {
                settings.refusals.append(reason)
                continue
            }
            guard Self.applies(block.condition, to: host, hostName: settings.hostName) else { continue }
            for (key, value, place) in block.options {
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
                case "proxyjump", "proxycommand":
                    guard value.lowercased() != "none" else { break }
                    settings.refusals.append(
                        "\(key == "proxyjump" ? "ProxyJump" : "ProxyCommand") \(value) (\(place)) is not supported: Replicator connects to the host directly"
                    )
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
        case .unevaluable:
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

    private static func matches(_ host: String, _ patterns: [String]) -> Bool {
        SSHHostPatterns.matches(host, patterns)
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
