/// git's `check-ref-format` rules, as applied to the two sides of a refspec.
package enum RefName {
    /// Why `name` is not a valid ref name (or ref pattern), or `nil` when it is.
    /// One-level names such as `HEAD` are allowed; with `allowsPattern`, one `*` is allowed.
    package static func problem(with name: String, allowsPattern: Bool = false) -> String? {
        if name.isEmpty { return "is empty" }
        if name == "@" { return "cannot be '@'" }
        if name.hasPrefix("/") || name.hasSuffix("/") { return "cannot begin or end with '/'" }
        if name.hasSuffix(".") { return "cannot end with '.'" }
        if name.contains("//") { return "cannot contain '//'" }
        if name.contains("..") { return "cannot contain '..'" }
        if name.contains("@{") { return "cannot contain '@{'" }
        if let character = name.unicodeScalars.first(where: Self.isForbidden) {
            return "cannot contain '\(character.escapedForMessage)'"
        }
        let stars = name.utf8.count { $0 == UInt8(ascii: "*") }
        if stars > (allowsPattern ? 1 : 0) {
            return allowsPattern ? "cannot contain more than one '*'" : "cannot contain '*'"
        }
        for component in name.split(separator: "/") {
            if component.hasPrefix(".") { return "has a component beginning with '.'" }
            if component.hasSuffix(".lock") { return "has a component ending with '.lock'" }
        }
        return nil
    }

    package static func isValid(_ name: String) -> Bool { self.problem(with: name) == nil }

    private static func isForbidden(_ character: Unicode.Scalar) -> Bool {
        character.value < 0x20 || character.value == 0x7F
            || [" ", "~", "^", ":", "?", "[", "\\"].contains(character)
    }
}
