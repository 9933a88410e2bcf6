/// An access section's ref pattern: exact (`refs/heads/master`), prefix (`refs/heads/*`) or
/// regular expression (`^refs/heads/[a-z]{1,8}`, matched against the whole name). Patterns with
/// `${username}` never match: the remote's user has no user name, as in Gerrit.
package struct RefAccessPattern: Sendable {
    private enum Kind {
        case exact(String)
        case prefix(String)
        case regex(CompiledRegex)
        case never
    }

    private let kind: Kind

    package init(_ pattern: String) {
        if pattern.contains("${") {
            self.kind = .never
        } else if pattern.hasPrefix("^") {
            // An invalid expression matches nothing (Gerrit refuses such a section).
            self.kind = (try? CompiledRegex(pattern)).map(Kind.regex) ?? .never
        } else if pattern.hasSuffix("/*") {
            self.kind = .prefix(String(pattern.dropLast()))
        } else {
            self.kind = .exact(pattern)
        }
    }

    package func matches(_ ref: String) -> Bool {
        switch self.kind {
        case .exact(let name): return ref == name
        case .prefix(let prefix): return ref.hasPrefix(prefix)
        case .regex(let regex): return regex.matchesWhole(ref)
        case .never: return false
        }
    }

    /// Gerrit's `MostSpecificComparator`, stable: the pattern closest to the ref by edit distance
    /// first, then finite patterns before open ones, then the longer pattern. For a regular
    /// expression, Gerrit measures its shortest example and its automaton's transitions; here its
    /// literal prefix and its length stand in (docs/visibility.md).
    static func mostSpecificFirst(_ candidates: [ReadAccess.Candidate], for ref: String) -> [ReadAccess.Candidate] {
        guard candidates.count > 1 else { return candidates }
        let target = Array(ref.utf8)
        let keys = candidates.map { Specificity(pattern: $0.pattern, ref: ref, target: target) }
        return candidates.indices.sorted { keys[$0] < keys[$1] || (!(keys[$1] < keys[$0]) && $0 < $1) }
            .map { candidates[$0] }
    }

    private struct Specificity: Comparable {
        var distance: Int
        var isOpen: Bool
        var negativeLength: Int

        init(pattern: String, ref: String, target: [UInt8]) {
            if pattern.hasPrefix("^") {
                self.distance = Self.levenshtein(Array(Self.literalPrefix(of: pattern).utf8), target)
                self.isOpen = true
            } else if pattern.hasSuffix("/*") {
                self.distance = Self.levenshtein(Array(pattern.utf8), target)
                self.isOpen = true
            } else {
                self.distance = pattern == ref ? 0 : max(pattern.utf8.count, target.count)
                self.isOpen = false
            }
            self.negativeLength = -pattern.utf8.count
        }

        static func < (left: Self, right: Self) -> Bool {
            (left.distance, left.isOpen ? 1 : 0, left.negativeLength)
                < (right.distance, right.isOpen ? 1 : 0, right.negativeLength)
        }

        /// The characters every match starts with: `^refs/heads/[a-z]+` gives `refs/heads/`.
        static func literalPrefix(of pattern: String) -> String {
            var prefix = ""
            var characters = pattern.dropFirst().makeIterator()
            while let character = characters.next() {
                if character == "\\" {
                    guard let escaped = characters.next(), !escaped.isLetter, !escaped.isNumber else { break }
                    prefix.append(escaped)
                } else if ".[]()*+?{}|$".contains(character) {
                    break
                } else {
                    prefix.append(character)
                }
            }
            return prefix
        }

        static func levenshtein(_ left: [UInt8], _ right: [UInt8]) -> Int {
            guard !left.isEmpty else { return right.count }
            guard !right.isEmpty else { return left.count }
            var previous = Array(0...right.count)
            var current = [Int](repeating: 0, count: right.count + 1)
            for (i, a) in left.enumerated() {
                current[0] = i + 1
                for (j, b) in right.enumerated() {
                    current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (a == b ? 0 : 1))
                }
                swap(&previous, &current)
            }
            return previous[right.count]
        }
    }
}
