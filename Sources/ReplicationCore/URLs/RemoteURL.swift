/// A remote location as git accepts it: `scheme://[user@]host[:port]/path`, scp-like
/// `[user@]host:path`, `file:///path`, or a plain filesystem path.
package struct RemoteURL: Hashable, Sendable, CustomStringConvertible {
    package enum Transport: String, Hashable, Sendable, Codable {
        case ssh
        case local
        case http
        case https
        case git
        case other
    }

    package let transport: Transport
    /// Lower-cased scheme, or `nil` for scp-like URLs and plain paths.
    package let scheme: String?
    /// The user name, percent-decoded (JGit's URIish): `ssh://user:secret@host/…` has user `user`.
    package let user: String?
    /// The password after `user:`, percent-decoded; for http(s) a token. Never printed (``Credentials``).
    package let password: String?
    package let host: String?
    package let port: Int?
    package let path: String
    /// Everything before ``path`` as written, so that the path can be rewritten in place.
    package let prefix: String

    package var description: String { self.prefix + self.path }

    /// Whether `${name}` in the path gets URL-escaped (Gerrit: http, https, amazon-s3).
    /// A Gerrit server administered through its ssh commands (`gerrit+ssh://` admin URLs).
    package var isGerritSSH: Bool { self.scheme == "gerrit+ssh" }
    /// A Gerrit server administered through its REST API (`gerrit+http(s)://` admin URLs).
    package var isGerritHTTP: Bool { self.scheme == "gerrit+http" || self.scheme == "gerrit+https" }
    /// A Gerrit server, which is told the project's name rather than a path.
    package var isGerrit: Bool { self.isGerritSSH || self.isGerritHTTP }

    package var escapesPath: Bool { ["http", "https", "amazon-s3"].contains(self.scheme ?? "") }

    package init(parsing text: String) throws(RemoteURLError) {
        if text.lowercased().hasPrefix("file:/"), !text.lowercased().hasPrefix("file://") {
            // JGit's `file:/path` (one slash): a local path, not the ssh host "file".
            let path = String(text.dropFirst("file:".count))
            self.init(transport: .local, scheme: "file", path: path, prefix: String(text.prefix("file:".count)))
        } else if let separator = Self.schemeSeparator(in: text), Self.isScheme(text[..<separator.lowerBound]) {
            self = try Self.parseStandard(text, scheme: text[..<separator.lowerBound].lowercased(), rest: separator)
        } else if let colon = Self.scpColon(in: text) {
            self = try Self.parseSCP(text, colon: colon)
        } else {
            guard !text.isEmpty else { throw RemoteURLError(url: text, "is empty") }
            self.init(transport: .local, scheme: nil, path: text, prefix: "")
        }
    }

    private init(
        transport: Transport,
        scheme: String?,
        user: String? = nil,
        password: String? = nil,
        host: String? = nil,
        port: Int? = nil,
        path: String,
        prefix: String
    ) {
        self.transport = transport
        self.scheme = scheme
        self.user = user
        self.password = password
        self.host = host
        self.port = port
        self.path = path
        self.prefix = prefix
    }

    /// The same location with another user, host and port, written as `ssh://` when a port is
    /// needed and the URL was scp-like (which cannot carry one).
    package func replacingEndpoint(user: String?, host: String, port: Int?) -> RemoteURL {
        let userPart = user.map { "\($0)@" } ?? ""
        let hostPart = host.contains(":") ? "[\(host)]" : host
        let prefix: String
        var path = self.path
        if self.scheme == nil && port == nil {
            prefix = "\(userPart)\(hostPart):"
        } else {
            prefix = "\(self.scheme ?? "ssh")://\(userPart)\(hostPart)\(port.map { ":\($0)" } ?? "")"
            if !path.hasPrefix("/") { path = "/~/" + path }  // scp-like paths are relative to the home directory
        }
        return RemoteURL(
            transport: self.transport,
            scheme: self.scheme ?? (port == nil ? nil : "ssh"),
            user: user,
            password: user == self.user ? self.password : nil,
            host: host,
            port: port,
            path: path,
            prefix: prefix
        )
    }

    /// The same URL with another path.
    package func replacingPath(_ path: String) -> RemoteURL {
        RemoteURL(
            transport: self.transport,
            scheme: self.scheme,
            user: self.user,
            password: self.password,
            host: self.host,
            port: self.port,
            path: path,
            prefix: self.prefix
        )
    }

    /// The first `://`, found byte-wise (the generic string search is slow on hot config paths).
    private static func schemeSeparator(in text: String) -> Range<String.Index>? {
        let utf8 = text.utf8
        var index = utf8.startIndex
        while let colon = utf8[index...].firstIndex(of: UInt8(ascii: ":")) {
            let rest = utf8[colon...]
            if rest.starts(with: "://".utf8) { return colon..<utf8.index(colon, offsetBy: 3) }
            index = utf8.index(after: colon)
        }
        return nil
    }

    private static func isScheme(_ text: Substring) -> Bool {
        guard let first = text.unicodeScalars.first, first.isASCIILetter else { return false }
        return text.unicodeScalars.allSatisfy {
            $0.isASCIILetter || $0.isASCIIDigit || "+-.".unicodeScalars.contains($0)
        }
    }

    /// git's rule: a colon before any slash makes `host:path` an ssh location; `[host:port]:path`
    /// brackets the host part.
    private static func scpColon(in text: String) -> String.Index? {
        if text.hasPrefix("[") {
            guard let close = text.firstRange(of: "]:") else { return nil }
            return text.index(after: close.lowerBound)
        }
        guard let colon = text.firstIndex(of: ":") else { return nil }
        if let slash = text.firstIndex(of: "/"), slash < colon { return nil }
        return colon
    }

    private static func parseStandard(
        _ text: String,
        scheme: String,
        rest separator: Range<String.Index>
    ) throws(RemoteURLError) -> RemoteURL {
        let rest = text[separator.upperBound...]
        if scheme == "file" {
            // As git does: everything after "file://" is the path.
            guard rest.hasPrefix("/") else { throw RemoteURLError(url: text, "a file:// URL needs an absolute path") }
            let prefix = String(text[..<separator.upperBound])
            return RemoteURL(transport: .local, scheme: scheme, path: String(rest), prefix: prefix)
        }
        let prefixEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        let path = String(text[prefixEnd...])
        guard !path.isEmpty else { throw RemoteURLError(url: text, "has no path") }
        let authority = try Authority(parsing: rest[..<prefixEnd], url: text)
        return RemoteURL(
            transport: Self.transport(forScheme: scheme),
            scheme: scheme,
            user: authority.user,
            password: authority.password,
            host: authority.host,
            port: authority.port,
            path: path,
            prefix: String(text[..<prefixEnd])
        )
    }

    private static func parseSCP(_ text: String, colon: String.Index) throws(RemoteURLError) -> RemoteURL {
        var hostPart = text[..<colon]
        if hostPart.hasPrefix("[") && hostPart.hasSuffix("]") { hostPart = hostPart.dropFirst().dropLast() }
        let path = String(text[text.index(after: colon)...])
        guard !path.isEmpty else { throw RemoteURLError(url: text, "has no path after ':'") }
        let authority = try Authority(parsing: hostPart, url: text)
        return RemoteURL(
            transport: .ssh,
            scheme: nil,
            user: authority.user,
            password: authority.password,
            host: authority.host,
            port: authority.port,
            path: path,
            prefix: String(text[...colon])
        )
    }

    private static func transport(forScheme scheme: String) -> Transport {
        switch scheme {
        case "ssh", "git+ssh", "ssh+git": .ssh
        case "http": .http
        case "https": .https
        case "git": .git
        default: .other
        }
    }
}

/// `[user[:password]@]host[:port]`, with `[v6:address]` brackets, as JGit's URIish reads it: the
/// user part ends at the last `@`, the password starts after its first `:`, both percent-decoded;
/// an empty port (`host:`) is the default port.
private struct Authority {
    var user: String?
    var password: String?
    var host: String
    var port: Int?

    init(parsing text: Substring, url: String) throws(RemoteURLError) {
        var hostPort = text
        if let at = text.lastIndex(of: "@") {
            let userInfo = text[..<at]
            if let colon = userInfo.firstIndex(of: ":") {
                self.user = PercentDecoding.decode(userInfo[..<colon])
                self.password = PercentDecoding.decode(userInfo[userInfo.index(after: colon)...])
            } else {
                self.user = PercentDecoding.decode(userInfo)
            }
            hostPort = text[text.index(after: at)...]
        }
        var portText: Substring?
        if hostPort.hasPrefix("["), let close = hostPort.firstIndex(of: "]") {
            self.host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
            let afterClose = hostPort[hostPort.index(after: close)...]
            if afterClose.hasPrefix(":") { portText = afterClose.dropFirst() }
        } else if let colon = hostPort.lastIndex(of: ":") {
            self.host = String(hostPort[..<colon])
            portText = hostPort[hostPort.index(after: colon)...]
        } else {
            self.host = String(hostPort)
        }
        guard !self.host.isEmpty else { throw RemoteURLError(url: url, "has no host") }
        if let portText, !portText.isEmpty {
            guard let port = Int(portText), (1...65_535).contains(port) else {
                throw RemoteURLError(url: url, "has an invalid port '\(portText)'")
            }
            self.port = port
        }
    }
}

/// Why a URL could not be understood.
package struct RemoteURLError: Error, Hashable, Sendable, CustomStringConvertible {
    package var url: String
    package var message: String

    package init(url: String, _ message: String) {
        self.url = url
        self.message = message
    }

    package var description: String { "invalid URL '\(self.url)': \(self.message)" }
}

/// `%XX` escapes turned back into bytes (UTF-8); text with a broken escape stays as written.
enum PercentDecoding {
    static func decode(_ text: Substring) -> String {
        guard text.contains("%") else { return String(text) }
        var bytes: [UInt8] = []
        var utf8 = text.utf8[...]
        while let byte = utf8.popFirst() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            let digits = utf8.prefix(2)
            guard digits.count == 2, let value = UInt8(String(decoding: digits, as: UTF8.self), radix: 16) else {
                return String(text)
            }
            bytes.append(value)
            utf8 = utf8.dropFirst(2)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
