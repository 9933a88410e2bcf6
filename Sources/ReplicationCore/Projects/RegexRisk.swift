/// Patterns whose backtracking can take exponential time: a quantified group that itself holds a
/// quantifier, such as `(a+)+`, `(a*)*` or `(x|y+){2,}`. Swift's regex engine (like Java's) tries
/// every split of the input for those, and a match cannot be interrupted.
package enum RegexRisk {
    /// The first nested quantifier in `pattern`, as written (`(a+)+`), or `nil`.
    package static func nestedQuantifier(in pattern: String) -> String? {
        let characters = Array(pattern)
        // For each open group: where it starts and whether it holds a quantifier.
        var groups: [(start: Int, quantified: Bool)] = []
        var index = 0
        var inClass = false
        while index < characters.count {
            let character = characters[index]
            if character == "\\" {
                index += 2
                continue
            }
            if inClass {
                if character == "]" { inClass = false }
                index += 1
                continue
            }
            switch character {
            case "[":
                inClass = true
            case "(":
                groups.append((index, false))
            case ")":
                guard let group = groups.popLast() else { break }
                if group.quantified, Self.isRepeating(characters, after: index) {
                    return String(characters[group.start...min(index + 1, characters.count - 1)])
                }
                // A group that holds a quantifier makes its enclosing group hold one too.
                if group.quantified || Self.isRepeating(characters, after: index), !groups.isEmpty {
                    groups[groups.count - 1].quantified = true
                }
            case "+", "*":
                if !groups.isEmpty { groups[groups.count - 1].quantified = true }
            case "{":
                if !groups.isEmpty, Self.isOpenEndedOrLarge(characters, at: index) {
                    groups[groups.count - 1].quantified = true
                }
            default:
                break
            }
            index += 1
        }
        return nil
    }

    /// Whether the group closing at `index` is repeated: `+`, `*` or a `{n,}` / `{n,m}` with m > 1.
    private static func isRepeating(_ characters: [Character], after index: Int) -> Bool {
        guard index + 1 < characters.count else { return false }
        switch characters[index + 1] {
        case "+", "*": return true
        case "{": return Self.isOpenEndedOrLarge(characters, at: index + 1)
        default: return false
        }
    }

    private static func isOpenEndedOrLarge(_ characters: [Character], at index: Int) -> Bool {
        guard let close = characters[index...].firstIndex(of: "}") else { return false }
        let bounds = String(characters[(index + 1)..<close]).split(separator: ",", omittingEmptySubsequences: false)
        guard let upper = bounds.last else { return false }
        return bounds.count == 2 && (upper.isEmpty || (Int(upper) ?? 0) > 1)
    }
}
