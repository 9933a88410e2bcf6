/// OpenSSH's host patterns (`ssh_config` `Host`, known_hosts host fields): `*` and `?` wildcards,
/// case-insensitive, `!` negation; a list matches when some positive pattern does and no negated one.
package enum SSHHostPatterns {
    package static func matches(_ name: String, _ patterns: [String]) -> Bool {
        var matched = false
        for pattern in patterns {
            if pattern.hasPrefix("!") {
                if Self.glob(Array(pattern.dropFirst()), Array(name)) { return false }
            } else if Self.glob(Array(pattern), Array(name)) {
                matched = true
            }
        }
        return matched
    }

    /// A known_hosts host field (comma-separated patterns) against a host as ssh names it there:
    /// `host` on port 22, `[host]:port` elsewhere.
    package static func knownHostsFieldMatches(_ field: String, host: String, port: Int) -> Bool {
        let name = port == 22 ? host : "[\(host)]:\(port)"
        return Self.matches(name, field.split(separator: ",").map(String.init))
    }

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
