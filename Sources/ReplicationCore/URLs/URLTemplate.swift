/// A `url` or `adminUrl` value with `${name}` placeholders in its path.
package struct URLTemplate: Hashable, Sendable, CustomStringConvertible {
    package static let namePlaceholder = "${name}"

    /// The template as written in the configuration.
    package let text: String
    /// The template after `insteadOf` rewriting and resolution of relative paths.
    package let url: RemoteURL

    package init(text: String, url: RemoteURL) {
        self.text = text
        self.url = url
    }

    package var description: String { self.url.description }

    package var hasNamePlaceholder: Bool { self.url.path.contains(Self.namePlaceholder) }

    /// The location of `project` on this remote. Every `${name}` in the path is replaced (Gerrit
    /// replaces only the first); http(s) paths are escaped as Gerrit does, keeping `/`.
    package func expand(project: String, style: RemoteNameStyle) -> RemoteURL {
        let escaped = self.url.escapesPath ? PathSegmentEscaping.escape(project) : project
        let name = style.apply(to: escaped)
        return self.url.replacingPath(self.url.path.replacing(Self.namePlaceholder, with: name))
    }
}

extension URLTemplate {
    /// The directory every expansion lies in: the path up to the first `${name}`, cut after its
    /// last `/`. A template without `${name}` names one repository for every project: its whole
    /// path is fixed.
    package var fixedPrefix: String {
        let path = self.url.path
        guard let placeholder = path.firstRange(of: Self.namePlaceholder) else { return path }
        let head = path[..<placeholder.lowerBound]
        guard let slash = head.lastIndex(of: "/") else { return "" }
        return String(head[...slash])
    }

    /// Why the mirror at `path` (an expansion of this template) must not be deleted, or `nil`:
    /// it has to lie strictly below ``fixedPrefix``, with no `.`/`..` steps and a last component
    /// that is not empty.
    package func deletionProblem(at path: String) -> String? {
        let prefix = self.fixedPrefix
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        if components.contains(where: { $0 == ".." || $0 == "." }) { return "'\(path)' has '.' or '..' steps" }
        guard path.hasPrefix(prefix), path.count > prefix.count else {
            return "'\(path)' is not strictly below '\(prefix)', the fixed part of the URL \(self.url)"
        }
        guard let last = components.last, !last.isEmpty, last != ".git" else {
            return "'\(path)' has an empty last component"
        }
        return nil
    }
}

/// Guava's `urlPathSegmentEscaper` with `%2F` turned back into `/`, as Gerrit does.
package enum PathSegmentEscaping {
    private static let safe = Set(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@/".utf8
    )

    package static func escape(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            if Self.safe.contains(byte) {
                result.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                result += "%" + Self.hex(byte >> 4) + Self.hex(byte & 0x0F)
            }
        }
        return result
    }

    private static func hex(_ nibble: UInt8) -> String {
        String(nibble, radix: 16, uppercase: true)
    }
}
