/// Keeps secrets in URLs out of everything a person or a log reads: `scheme://user:PASSWORD@host`
/// shows `user:***`, and an http(s) user part (a token, as GitHub and GitLab take them) shows `***`.
/// The real URL is still what pushes use.
package enum Credentials {
    /// `text` with the credentials of every URL in it replaced; text without URLs is returned as is.
    package static func redact(_ text: String) -> String {
        guard text.contains("://"), text.contains("@") else { return text }
        var result = ""
        var rest = Substring(text)
        while let separator = rest.firstRange(of: "://") {
            let scheme = rest[..<separator.lowerBound].reversed().prefix {
                $0.isLetter || $0.isNumber || "+-.".contains($0)
            }
            result += rest[..<separator.upperBound]
            rest = rest[separator.upperBound...]
            let authorityEnd = rest.firstIndex { "/ \t\n\"'<>,;)]".contains($0) } ?? rest.endIndex
            let authority = rest[..<authorityEnd]
            guard let at = authority.lastIndex(of: "@") else { continue }
            let user = authority[..<at]
            let isHTTP = ["http", "https"].contains(String(scheme.reversed()).lowercased())
            if let colon = user.firstIndex(of: ":") {
                result += user[...colon] + "***"
            } else if isHTTP {
                result += "***"
            } else {
                result += user
            }
            rest = rest[at...]
        }
        return result + rest
    }
}
