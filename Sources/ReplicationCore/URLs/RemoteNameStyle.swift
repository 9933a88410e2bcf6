/// How `${name}` is rewritten in a remote URL (`remote.NAME.remoteNameStyle`).
package enum RemoteNameStyle: String, CaseIterable, Hashable, Sendable, Codable {
    case slash
    case dash
    case underscore
    case basenameOnly

    package func apply(to name: String) -> String {
        switch self {
        case .slash: name
        case .dash: name.replacing("/", with: "-")
        case .underscore: name.replacing("/", with: "_")
        case .basenameOnly: Self.basenameWithoutExtension(name)
        }
    }

    /// Guava's `Files.getNameWithoutExtension`, which Gerrit uses: `a/b/c.d` → `c`.
    private static func basenameWithoutExtension(_ name: String) -> String {
        let base = name.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? name
        guard let dot = base.lastIndex(of: ".") else { return base }
        return String(base[..<dot])
    }
}
