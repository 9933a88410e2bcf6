/// One `projects` / `excludeProjects` value: `^regex` (must match the whole name), `prefix*`, or
/// an exact name. Case-sensitive, as in Gerrit.
package struct ProjectPattern: Sendable, CustomStringConvertible {
    package enum Kind: String, Hashable, Sendable {
        case regex
        case prefix
        case exact
    }

    package let text: String
    package let kind: Kind
    private let regex: CompiledRegex?

    /// Throws ``RegexSyntaxError`` when a `^` pattern is not a valid regular expression.
    package init(_ text: String, cache: RegexCache = RegexCache()) throws(RegexSyntaxError) {
        self.text = text
        if text.hasPrefix("^") {
            self.kind = .regex
            self.regex = try cache.regex(text)
        } else {
            self.kind = text.hasSuffix("*") ? .prefix : .exact
            self.regex = nil
        }
    }

    package var description: String { self.text }

    /// How long the daemon lets one `^regex` match run before it treats the name as not matching.
    package static let matchTimeLimit = Duration.milliseconds(200)
    package static let matchTimeLimitText = "200 ms"

    package func matches(_ project: String) -> Bool {
        switch self.kind {
        case .regex: self.regex?.matchesWhole(project) ?? false
        case .prefix: project.hasPrefix(self.text.dropLast())
        case .exact: project == self.text
        }
    }
}
