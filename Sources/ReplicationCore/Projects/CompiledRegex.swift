/// A malformed regular expression in a project or ref pattern.
package struct RegexSyntaxError: Error, Hashable, Sendable, CustomStringConvertible {
    package var pattern: String
    package var message: String

    package var description: String { "invalid regular expression '\(self.pattern)': \(self.message)" }
}

/// A regular expression compiled once and matched against whole strings (Java's `matches()`).
package struct CompiledRegex: @unchecked Sendable {
    // Regex values are immutable once built; `AnyRegexOutput` is what keeps the type from being
    // Sendable, and no output is ever shared across threads here.
    private let regex: Regex<AnyRegexOutput>

    package init(_ pattern: String) throws(RegexSyntaxError) {
        do {
            self.regex = try Regex(pattern)
        } catch {
            throw RegexSyntaxError(pattern: pattern, message: "\(error)")
        }
    }

    package func matchesWhole(_ text: String) -> Bool {
        (try? self.regex.wholeMatch(in: text)) != nil
    }
}

/// Compiles each distinct pattern once per configuration load: remotes often share filters, and
/// building a `Regex` costs tens of microseconds.
package final class RegexCache {
    private var compiled: [String: CompiledRegex] = [:]

    package init() {}

    package func regex(_ pattern: String) throws(RegexSyntaxError) -> CompiledRegex {
        if let regex = self.compiled[pattern] { return regex }
        let regex = try CompiledRegex(pattern)
        self.compiled[pattern] = regex
        return regex
    }
}
