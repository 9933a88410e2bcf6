/// Keeps secrets in URLs out of everything a person or a log reads: `scheme://user:PASSWORD@host`
/// shows `user:***`, an http(s) user part (a token, as GitHub and GitLab take them) shows `***`, and
/// every query value (`?token=…`, a webhook's secret) shows `***`. The real URL is still what
/// pushes and deliveries use.
package enum Credentials {
    /// `text` with the credentials of every URL in it replaced; text without URLs is returned as is.
    package static func redact(_ text: String) -> String {
        let bytes = text.utf8
        guard Self.schemeSeparator(in: Substring(text)) != nil,
            bytes.contains(UInt8(ascii: "@")) || bytes.contains(UInt8(ascii: "?"))
        else { return text }
        var result = ""
        var rest = Substring(text)
        while let separator = Self.schemeSeparator(in: rest) {
            let scheme = rest[..<separator.lowerBound].reversed().prefix {
                $0.isLetter || $0.isNumber || "+-.".contains($0)
            }
            result += rest[..<separator.upperBound]
            rest = rest[separator.upperBound...]
            let authorityEnd = rest.firstIndex { "/?# \t\n\"'<>,;)]".contains($0) } ?? rest.endIndex
            let isHTTP = ["http", "https"].contains(String(scheme.reversed()).lowercased())
            result += Self.redactAuthority(rest[..<authorityEnd], isHTTP: isHTTP)
            rest = rest[authorityEnd...]
            let urlEnd = rest.firstIndex { " \t\n\"'<>".contains($0) } ?? rest.endIndex
            result += Self.redactQuery(rest[..<urlEnd])
            rest = rest[urlEnd...]
        }
        return result + rest
    }

    /// Where the next `://` is, found byte by byte: `start --wait` prints its report of 100,000 refs
    /// through here, and a search by `Character` took 7 % of that push's CPU.
    private static func schemeSeparator(in text: Substring) -> Range<String.Index>? {
        let utf8 = text.utf8
        let offset = utf8.withContiguousStorageIfAvailable { bytes -> Int? in
            guard bytes.count >= 3 else { return nil }
            for index in 0..<(bytes.count - 2)
            where bytes[index] == UInt8(ascii: ":") && bytes[index + 1] == UInt8(ascii: "/")
                && bytes[index + 2] == UInt8(ascii: "/")
            {
                return index
            }
            return nil
        }
        guard let found = offset ?? Array(utf8).firstRange(of: Array("://".utf8))?.lowerBound else { return nil }
        let lower = utf8.index(utf8.startIndex, offsetBy: found)
        return lower..<utf8.index(lower, offsetBy: 3)
    }

    private static func redactAuthority(_ authority: Substring, isHTTP: Bool) -> String {
        guard let at = authority.lastIndex(of: "@") else { return String(authority) }
        let user = authority[..<at]
        if let colon = user.firstIndex(of: ":") { return user[...colon] + "***" + authority[at...] }
        return (isHTTP ? "***" : String(user)) + authority[at...]
    }

    /// A path and query with every query value replaced; the path and the names are kept.
    private static func redactQuery(_ tail: Substring) -> String {
        guard let question = tail.firstIndex(of: "?") else { return String(tail) }
        var result = String(tail[...question])
        var inValue = false
        for character in tail[tail.index(after: question)...] {
            switch character {
            case "=" where !inValue:
                result.append("=***")
                inValue = true
            case "&", "#", ";":
                result.append(character)
                inValue = false
            default:
                if !inValue { result.append(character) }
            }
        }
        return result
    }
}
