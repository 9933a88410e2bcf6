/// A git object id as 40 lower-case hex digits (SHA-1 repositories).
package struct ObjectID: Hashable, Sendable, Comparable, CustomStringConvertible {
    package let hex: String

    /// `nil` unless `hex` is 40 hex digits; upper case is folded.
    package init?(hex: String) {
        guard hex.utf8.count == 40, hex.utf8.allSatisfy(Self.isHexDigit) else { return nil }
        self.hex = hex.lowercased()
    }

    package var description: String { self.hex }

    /// The first `length` digits, as `git` abbreviates ids.
    package func abbreviated(_ length: Int = 7) -> String { String(self.hex.prefix(length)) }

    package var isZero: Bool { self.hex.utf8.allSatisfy { $0 == UInt8(ascii: "0") } }

    package static func < (lhs: ObjectID, rhs: ObjectID) -> Bool { lhs.hex < rhs.hex }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
    }
}
