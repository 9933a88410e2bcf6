/// git's `check-ref-format` rules, as applied to the two sides of a refspec.
package enum RefName {
    /// Why `name` is not a valid ref name (or ref pattern), or `nil` when it is.
    /// One-level names such as `HEAD` are allowed; with `allowsPattern`, one `*` is allowed.
    package static func problem(with name: String, allowsPattern: Bool = false) -> String? {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, let last = bytes.last else { return "is empty" }
        if name == "@" { return "cannot be '@'" }
        if first == .slash || last == .slash { return "cannot begin or end with '/'" }
        if last == .dot { return "cannot end with '.'" }
        var stars = 0
        var previous = UInt8.slash
        var componentStart = 0
        for (index, byte) in bytes.enumerated() {
            if let problem = Self.problem(at: byte, after: previous) { return problem }
            if byte == .star { stars += 1 }
            if byte == .slash {
                if Self.endsWithLock(bytes[componentStart..<index]) { return "has a component ending with '.lock'" }
                componentStart = index + 1
            }
            previous = byte
        }
        if Self.endsWithLock(bytes[componentStart...]) { return "has a component ending with '.lock'" }
        if stars > (allowsPattern ? 1 : 0) {
            return allowsPattern ? "cannot contain more than one '*'" : "cannot contain '*'"
        }
        return nil
    }

    private static func problem(at byte: UInt8, after previous: UInt8) -> String? {
        switch byte {
        case 0..<0x20, 0x7F, UInt8(ascii: " "), UInt8(ascii: "~"), UInt8(ascii: "^"), UInt8(ascii: ":"),
            UInt8(ascii: "?"), UInt8(ascii: "["), UInt8(ascii: "\\"):
            return "cannot contain '\(Unicode.Scalar(byte).escapedForMessage)'"
        case .slash where previous == .slash:
            return "cannot contain '//'"
        case .dot where previous == .dot:
            return "cannot contain '..'"
        case .dot where previous == .slash:
            return "has a component beginning with '.'"
        case UInt8(ascii: "{") where previous == UInt8(ascii: "@"):
            return "cannot contain '@{'"
        default:
            return nil
        }
    }

    private static func endsWithLock(_ component: ArraySlice<UInt8>) -> Bool {
        component.count >= 5 && component.suffix(5).elementsEqual(".lock".utf8)
    }
}

extension UInt8 {
    fileprivate static let slash = UInt8(ascii: "/")
    fileprivate static let dot = UInt8(ascii: ".")
    fileprivate static let star = UInt8(ascii: "*")
}
