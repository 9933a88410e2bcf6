/// Walks config text one Unicode scalar at a time, tracking line and column; `\r\n` reads as `\n`.
struct ConfigScanner {
    private let scalars: [Unicode.Scalar]
    private var index = 0
    private(set) var line = 1
    private(set) var column = 1
    let file: String

    init(_ text: String, file: String) {
        self.scalars = Array(text.unicodeScalars)
        self.file = file
    }

    var location: ConfigLocation { ConfigLocation(file: self.file, line: self.line, column: self.column) }

    func peek() -> Unicode.Scalar? {
        guard self.index < self.scalars.count else { return nil }
        let character = self.scalars[self.index]
        if character == "\r", self.index + 1 < self.scalars.count, self.scalars[self.index + 1] == "\n" {
            return "\n"
        }
        return character
    }

    mutating func next() -> Unicode.Scalar? {
        guard let character = self.peek() else { return nil }
        self.advance()
        return character
    }

    mutating func advance() {
        guard self.index < self.scalars.count else { return }
        if self.scalars[self.index] == "\r", self.peek() == "\n" { self.index += 1 }
        if self.scalars[self.index] == "\n" {
            self.line += 1
            self.column = 1
        } else {
            self.column += 1
        }
        self.index += 1
    }

    mutating func skipToEndOfLine() {
        while let character = self.peek(), character != "\n" { self.advance() }
    }

    mutating func skipByteOrderMark() {
        if self.peek() == "\u{FEFF}" { self.index += 1 }
    }

    func error(_ message: String) -> ConfigParseError {
        ConfigParseError(at: self.location, message)
    }
}

extension Unicode.Scalar {
    var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
    var isConfigKeyCharacter: Bool { self.isASCIILetter || self.isASCIIDigit || self == "-" }
    var isConfigWhitespace: Bool { self == " " || self == "\t" || self == "\r" || self == "\u{0B}" || self == "\u{0C}" }

    /// Control characters written as escapes so that messages stay on one line.
    var escapedForMessage: String {
        switch self {
        case "\t": return "\\t"
        case "\r": return "\\r"
        default: return self.value < 0x20 ? "\\u{\(String(self.value, radix: 16))}" : String(self)
        }
    }
}
