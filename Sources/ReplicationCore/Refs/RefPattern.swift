/// One side of a refspec: a ref name, or a pattern with a single `*` that matches one or more
/// characters and may span `/` (JGit's `RefSpec.match`).
package struct RefPattern: Hashable, Sendable, CustomStringConvertible {
    package let text: String
    private let prefix: String
    /// `nil` when the pattern has no `*`.
    private let suffix: String?

    package init(_ text: String) {
        self.text = text
        if let star = text.firstIndex(of: "*") {
            self.prefix = String(text[..<star])
            self.suffix = String(text[text.index(after: star)...])
        } else {
            self.prefix = text
            self.suffix = nil
        }
    }

    package var isWildcard: Bool { self.suffix != nil }
    package var description: String { self.text }

    package func matches(_ name: String) -> Bool {
        self.wildcardCapture(in: name) != nil
    }

    /// The text `*` stands for in `name` (the whole name for a plain pattern), or `nil` on no match.
    package func wildcardCapture(in name: String) -> Substring? {
        guard let suffix = self.suffix else { return name == self.prefix ? Substring(name) : nil }
        guard name.utf8.count > self.prefix.utf8.count + suffix.utf8.count,
            name.hasPrefix(self.prefix), name.hasSuffix(suffix)
        else { return nil }
        let start = name.utf8.index(name.startIndex, offsetBy: self.prefix.utf8.count)
        let end = name.utf8.index(name.endIndex, offsetBy: -suffix.utf8.count)
        return name[start..<end]
    }

    /// This pattern with `*` replaced; a plain pattern returns itself.
    package func substituting(_ capture: Substring) -> String {
        guard let suffix = self.suffix else { return self.text }
        return self.prefix + capture + suffix
    }

    /// Whether some ref name matches both patterns.
    package func overlaps(_ other: RefPattern) -> Bool {
        switch (self.suffix, other.suffix) {
        case (nil, nil): return self.text == other.text
        case (nil, _): return other.matches(self.text)
        case (_, nil): return self.matches(other.text)
        case (let mine?, let theirs?):
            let prefixesAgree = self.prefix.hasPrefix(other.prefix) || other.prefix.hasPrefix(self.prefix)
            let suffixesAgree = mine.hasSuffix(theirs) || theirs.hasSuffix(mine)
            return prefixesAgree && suffixesAgree
        }
    }

    /// Whether every name this pattern matches is also matched by `other`.
    package func isCovered(by other: RefPattern) -> Bool {
        switch (self.suffix, other.suffix) {
        case (nil, _): return other.matches(self.text)
        case (_, nil): return false
        case (let mine?, let theirs?): return self.prefix.hasPrefix(other.prefix) && mine.hasSuffix(theirs)
        }
    }
}
