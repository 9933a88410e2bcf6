/// One pkt-line of git's wire protocol (`gitprotocol-common`): a payload, or one of the special
/// lengths (`0000` flush, `0001` delimiter, `0002` response end).
package enum PktLine: Hashable, Sendable {
    case data([UInt8])
    case flush
    case delimiter
    case responseEnd

    /// The largest payload a pkt-line may carry (65520 bytes in all, 4 of them the length).
    package static let maximumPayload = 65_516

    /// The payload as text, without the trailing newline git puts on text lines.
    package var text: String? {
        guard case .data(let bytes) = self else { return nil }
        let trimmed = bytes.last == UInt8(ascii: "\n") ? bytes.dropLast() : bytes[...]
        return String(decoding: trimmed, as: UTF8.self)
    }

    /// The bytes on the wire: four hex digits of length, then the payload.
    package var encoded: [UInt8] {
        switch self {
        case .flush: return Array("0000".utf8)
        case .delimiter: return Array("0001".utf8)
        case .responseEnd: return Array("0002".utf8)
        case .data(let payload):
            precondition(payload.count <= Self.maximumPayload, "a pkt-line holds at most 65516 bytes")
            var bytes: [UInt8] = []
            bytes.reserveCapacity(payload.count + 4)
            Self.appendLength(of: payload.count, to: &bytes)
            return bytes + payload
        }
    }

    /// A text line, newline-terminated as git writes them.
    package static func text(_ line: String) -> PktLine { .data(Array((line + "\n").utf8)) }

    /// Appends the length digits of a data line whose payload has `payload` bytes.
    package static func appendLength(of payload: Int, to bytes: inout [UInt8]) {
        let length = payload + 4
        for shift in [12, 8, 4, 0] { bytes.append(ObjectID.hexDigit(UInt8((length >> shift) & 0xF))) }
    }
}

/// What went wrong on the wire: the server's answer does not follow the protocol, or it said why.
package struct WireError: Error, Hashable, Sendable, CustomStringConvertible {
    package enum Code: String, Sendable {
        /// Bytes that are not the protocol (a bad length, a missing field, an unknown band).
        case malformed
        /// The server sent `ERR <message>` or a fatal side-band message.
        case serverError
        /// The server closed the connection before it finished.
        case truncated
    }

    package var code: Code
    package var message: String

    package init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    package var description: String { self.message }
}

/// Splits a byte stream into pkt-lines as the bytes arrive; holds at most one incomplete line.
package struct PktLineDecoder: Sendable {
    private var buffer: [UInt8] = []
    private var start = 0

    package init() {}

    /// Bytes that were received but not yet returned as lines.
    package var pendingByteCount: Int { self.buffer.count - self.start }

    package mutating func append<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        if self.start > 0, self.start == self.buffer.count {
            self.buffer.removeAll(keepingCapacity: true)
            self.start = 0
        } else if self.start > 65_536 {
            self.buffer.removeFirst(self.start)
            self.start = 0
        }
        self.buffer.append(contentsOf: bytes)
    }

    /// The next complete line, or `nil` until more bytes arrive.
    package mutating func next() throws(WireError) -> PktLine? {
        guard self.pendingByteCount >= 4 else { return nil }
        var length = 0
        for byte in self.buffer[self.start..<self.start + 4] {
            guard let nibble = Self.nibble(byte) else {
                throw WireError(
                    .malformed,
                    "not a pkt-line length: \(Self.show(self.buffer[self.start..<self.start + 4]))"
                )
            }
            length = length << 4 | nibble
        }
        switch length {
        case 0, 1, 2:
            self.start += 4
            return [PktLine.flush, .delimiter, .responseEnd][length]
        case 3:
            throw WireError(.malformed, "pkt-line length 3 is reserved")
        case 65_521...:
            throw WireError(.malformed, "pkt-line length \(length) is longer than 65520")
        default:
            guard self.pendingByteCount >= length else { return nil }
            let payload = Array(self.buffer[self.start + 4..<self.start + length])
            self.start += length
            return .data(payload)
        }
    }

    private static func nibble(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(byte - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(byte - UInt8(ascii: "A")) + 10
        default: nil
        }
    }

    /// Bytes shown for an error message: printable ones as they are, others escaped.
    static func show<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var text = ""
        for byte in bytes.prefix(64) {
            text += (32..<127).contains(byte) ? String(UnicodeScalar(byte)) : "\\x" + String(byte, radix: 16)
        }
        return "'\(text)'"
    }
}
