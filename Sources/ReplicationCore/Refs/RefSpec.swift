/// A push refspec with git's syntax: `[+]src:dst`, `src` (meaning `src:src`), `:dst` (delete),
/// `:` (Gerrit/JGit: `refs/heads/*:refs/heads/*`) and negative `^src` (git ≥ 2.29).
package struct RefSpec: Hashable, Sendable, CustomStringConvertible {
    /// `nil` for a delete spec (`:dst`).
    package let source: RefPattern?
    /// `nil` for a negative spec.
    package let destination: RefPattern?
    package let isForced: Bool
    package let isNegative: Bool
    /// The `:` spec.
    package let isMatching: Bool

    package init(parsing text: String) throws(RefSpecError) {
        var rest = Substring(text)
        guard !rest.isEmpty else { throw RefSpecError(.empty, refSpec: text, "is empty") }
        self.isForced = rest.first == "+"
        if self.isForced { rest = rest.dropFirst() }
        self.isNegative = rest.first == "^"
        if self.isNegative { rest = rest.dropFirst() }
        if self.isNegative && (self.isForced || rest.first == "+") {
            throw RefSpecError(.negativeAndForced, refSpec: text, "a negative refspec cannot be forced")
        }
        let sides = try Self.sides(of: rest, negative: self.isNegative, text: text)
        self.isMatching = rest == ":"
        self.source = sides.source.map(RefPattern.init)
        self.destination = sides.destination.map(RefPattern.init)
    }

    private static func sides(
        of rest: Substring,
        negative: Bool,
        text: String
    ) throws(RefSpecError) -> (source: String?, destination: String?) {
        if negative {
            guard !rest.contains(":") else {
                throw RefSpecError(.negativeWithDestination, refSpec: text, "a negative refspec has no destination")
            }
            try Self.validate(String(rest), side: "source", text: text)
            return (String(rest), nil)
        }
        if rest == ":" { return ("refs/heads/*", "refs/heads/*") }
        guard let colon = rest.lastIndex(of: ":") else {
            try Self.validate(String(rest), side: "source", text: text)
            return (String(rest), String(rest))
        }
        let source = String(rest[..<colon])
        let destination = String(rest[rest.index(after: colon)...])
        guard !destination.isEmpty else { throw RefSpecError(.emptyDestination, refSpec: text, "empty destination") }
        try Self.validate(destination, side: "destination", text: text)
        if source.isEmpty {
            guard !destination.contains("*") else {
                throw RefSpecError(.invalidWildcards, refSpec: text, "a delete refspec cannot have a wildcard")
            }
            return (nil, destination)
        }
        try Self.validate(source, side: "source", text: text)
        guard source.contains("*") == destination.contains("*") else {
            throw RefSpecError(.invalidWildcards, refSpec: text, "'*' must appear on both sides or on neither")
        }
        return (source, destination)
    }

    private static func validate(_ name: String, side: String, text: String) throws(RefSpecError) {
        if let problem = RefName.problem(with: name, allowsPattern: true) {
            throw RefSpecError(.invalidRefName, refSpec: text, "\(side) '\(name)' \(problem)")
        }
    }

    package var isWildcard: Bool { (self.source ?? self.destination)?.isWildcard ?? false }
    package var isDelete: Bool { self.source == nil }

    /// Canonical text: `+src:dst`, `^src` or `:dst`.
    package var description: String {
        if self.isNegative { return "^\(self.source?.text ?? "")" }
        let force = self.isForced ? "+" : ""
        return "\(force)\(self.source?.text ?? ""):\(self.destination?.text ?? "")"
    }
}
