/// Lexical path arithmetic for configuration paths (no filesystem access).
package enum PathText {
    package static func isAbsolute(_ path: String) -> Bool { path.hasPrefix("/") }

    /// The directory part of `path` (`.` when there is none).
    package static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// The last component of `path`.
    package static func lastComponent(of path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    /// `path` resolved against `base` unless absolute or `~`-relative, with `.` and `..` folded.
    package static func resolve(_ path: String, against base: String) -> String {
        if self.isAbsolute(path) || path.hasPrefix("~") { return self.normalize(path) }
        return self.normalize(base + "/" + path)
    }

    package static func normalize(_ path: String) -> String {
        var components: [Substring] = []
        for component in path.split(separator: "/") {
            switch component {
            case ".": continue
            case "..":
                if let last = components.last, last != ".." {
                    components.removeLast()
                } else if !self.isAbsolute(path) {
                    components.append(component)
                }
            default: components.append(component)
            }
        }
        let joined = components.joined(separator: "/")
        if self.isAbsolute(path) { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }
}
