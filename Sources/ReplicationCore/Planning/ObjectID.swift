/// A git object id (SHA-1), stored as its 20 bytes inline: a repository with 100,000 refs holds
/// 100,000 of these, so they must not be heap-allocated strings.
package struct ObjectID: Hashable, Sendable, Comparable, CustomStringConvertible {
    private let high: UInt64
    private let middle: UInt64
    private let low: UInt32

    /// `nil` unless `hex` is 40 hex digits (either case).
    package init?(hex: String) {
        var hex = hex
        guard let id = hex.withUTF8({ ObjectID(hexDigits: $0) }) else { return nil }
        self = id
    }

    /// `nil` unless `digits` are 40 hex digits (either case); allocates nothing, as `packed-refs`
    /// and advertisements of a million refs parse one per line.
    package init?(hexDigits digits: UnsafeBufferPointer<UInt8>) {
        guard digits.count == 40 else { return nil }
        var words: (UInt64, UInt64, UInt64) = (0, 0, 0)
        for (position, character) in digits.enumerated() {
            guard let nibble = Self.nibble(character) else { return nil }
            switch position {
            case 0..<16: words.0 = words.0 << 4 | UInt64(nibble)
            case 16..<32: words.1 = words.1 << 4 | UInt64(nibble)
            default: words.2 = words.2 << 4 | UInt64(nibble)
            }
        }
        self.high = words.0
        self.middle = words.1
        self.low = UInt32(truncatingIfNeeded: words.2)
    }

    /// The id made of the 20 bytes `bytes` (as stored in a `git_oid`).
    package init<Bytes: Collection>(bytes: Bytes) where Bytes.Element == UInt8 {
        precondition(bytes.count == 20, "an object id has 20 bytes")
        self = Array(bytes).withUnsafeBytes { ObjectID(rawBytes: $0) }
    }

    /// The id made of the first 20 bytes at `rawBytes`, read as big-endian words.
    package init(rawBytes: UnsafeRawBufferPointer) {
        precondition(rawBytes.count >= 20, "an object id has 20 bytes")
        self.high = UInt64(bigEndian: rawBytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        self.middle = UInt64(bigEndian: rawBytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        self.low = UInt32(bigEndian: rawBytes.loadUnaligned(fromByteOffset: 16, as: UInt32.self))
    }

    /// All zeros: what git's protocol writes for "no object" (a new ref's old id, a deletion's new one).
    package static let zero = [UInt8](repeating: 0, count: 20).withUnsafeBytes { ObjectID(rawBytes: $0) }

    /// 40 lower-case hex digits.
    package var hex: String {
        String(unsafeUninitializedCapacity: 40) { buffer in
            self.writeHex(into: buffer)
            return 40
        }
    }

    /// Appends the 40 lower-case hex digits to `bytes` (a push's command list, without a `String`).
    package func appendHex(to bytes: inout [UInt8]) {
        self.withHex { bytes.append(contentsOf: $0) }
    }

    /// Calls `body` with the 40 lower-case hex digits in a temporary buffer (a store's row, without
    /// a `String` for each).
    package func withHex<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 40) { buffer in
            self.writeHex(into: buffer)
            return try body(UnsafeBufferPointer(buffer))
        }
    }

    /// The 20 bytes, most significant first.
    package var bytes: [UInt8] {
        [UInt8](unsafeUninitializedCapacity: 20) { buffer, count in
            for index in 0..<20 { buffer[index] = self.byte(at: index) }
            count = 20
        }
    }

    private func byte(at index: Int) -> UInt8 {
        switch index {
        case 0..<8: UInt8(truncatingIfNeeded: self.high >> (8 * UInt64(7 - index)))
        case 8..<16: UInt8(truncatingIfNeeded: self.middle >> (8 * UInt64(15 - index)))
        default: UInt8(truncatingIfNeeded: self.low >> (8 * UInt32(19 - index)))
        }
    }

    private func writeHex(into buffer: UnsafeMutableBufferPointer<UInt8>) {
        for index in 0..<20 {
            let byte = self.byte(at: index)
            buffer[2 * index] = Self.hexDigit(byte >> 4)
            buffer[2 * index + 1] = Self.hexDigit(byte & 0x0F)
        }
    }

    /// The lower-case hex digit of `nibble` (0-15), as git writes ids and pkt-line lengths.
    static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    package var description: String { self.hex }

    /// The first `length` digits, as `git` abbreviates ids.
    package func abbreviated(_ length: Int = 7) -> String { String(self.hex.prefix(length)) }

    package var isZero: Bool { self.high == 0 && self.middle == 0 && self.low == 0 }

    package static func < (lhs: ObjectID, rhs: ObjectID) -> Bool {
        (lhs.high, lhs.middle, lhs.low) < (rhs.high, rhs.middle, rhs.low)
    }

    private static func nibble(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
