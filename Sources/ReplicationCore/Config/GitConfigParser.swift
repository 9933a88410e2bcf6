/// Parses git-config text the way git's `config.c` does (with JGit's leniency for a comment after
/// a bare key): sections, quoted subsections, legacy `[section.sub]`, quoted values with escapes,
/// comments and backslash line continuation. `[include]` is resolved by ``ConfigDocumentLoader``.
package enum GitConfigParser {
    package static func parse(_ text: String, file: String) throws(ConfigParseError) -> GitConfig {
        var parser = Parser(scanner: ConfigScanner(text, file: file))
        return try parser.parseDocument()
    }
}

private struct Parser {
    var scanner: ConfigScanner
    var config = GitConfig()
    var currentSection: GitConfigSectionID?

    init(scanner: ConfigScanner) {
        self.scanner = scanner
    }

    mutating func parseDocument() throws(ConfigParseError) -> GitConfig {
        self.scanner.skipByteOrderMark()
        while let character = self.scanner.peek() {
            switch character {
            case "\n", " ", "\t", "\r", "\u{0B}", "\u{0C}":
                self.scanner.advance()
            case "#", ";":
                self.scanner.skipToEndOfLine()
            case "[":
                let section = try self.parseSectionHeader()
                self.config.append(section)
                self.currentSection = section.id
            default:
                guard character.isASCIILetter else {
                    guard character.isConfigKeyCharacter else {
                        throw self.scanner.error("unexpected character '\(character.escapedForMessage)'")
                    }
                    throw self.scanner.error("a key name must start with a letter")
                }
                try self.parseEntry()
            }
        }
        return self.config
    }

    private mutating func parseSectionHeader() throws(ConfigParseError) -> GitConfigSection {
        let location = self.scanner.location
        self.scanner.advance()  // "["
        var name = ""
        while true {
            let here = self.scanner.location
            guard let character = self.scanner.next() else {
                throw ConfigParseError(at: location, "unterminated section header (missing ']')")
            }
            if character == "]" { break }
            if character == " " || character == "\t" {
                let subsection = try self.parseQuotedSubsection()
                return try self.makeSection(name: name, subsection: subsection, at: location)
            }
            guard character.isConfigKeyCharacter || character == "." else {
                throw ConfigParseError(at: here, "invalid character '\(character.escapedForMessage)' in section name")
            }
            name.unicodeScalars.append(character)
        }
        return try self.makeLegacySection(name: name, at: location)
    }

    private mutating func parseQuotedSubsection() throws(ConfigParseError) -> String {
        while self.scanner.peek() == " " || self.scanner.peek() == "\t" { self.scanner.advance() }
        guard self.scanner.peek() == "\"" else {
            throw self.scanner.error("expected '\"' to start the subsection name")
        }
        self.scanner.advance()
        var subsection = ""
        while true {
            guard var character = self.scanner.peek(), character != "\n" else {
                throw self.scanner.error("unterminated subsection name (missing '\"')")
            }
            self.scanner.advance()
            if character == "\"" { break }
            if character == "\\" {
                guard let escaped = self.scanner.next(), escaped != "\n" else {
                    throw self.scanner.error("unterminated subsection name (missing '\"')")
                }
                character = escaped
            }
            subsection.unicodeScalars.append(character)
        }
        guard self.scanner.peek() == "]" else {
            throw self.scanner.error("expected ']' after the subsection name")
        }
        self.scanner.advance()
        return subsection
    }

    private func makeSection(
        name: String,
        subsection: String?,
        at location: ConfigLocation
    ) throws(ConfigParseError) -> GitConfigSection {
        guard !name.isEmpty else { throw ConfigParseError(at: location, "empty section name") }
        return GitConfigSection(name: name.lowercased(), subsection: subsection, location: location)
    }

    /// `[remote.github]`: git's deprecated form, in which the subsection is lower-cased.
    private func makeLegacySection(name: String, at location: ConfigLocation) throws(ConfigParseError)
        -> GitConfigSection
    {
        guard let dot = name.firstIndex(of: ".") else {
            return try self.makeSection(name: name, subsection: nil, at: location)
        }
        let section = String(name[..<dot])
        let subsection = String(name[name.index(after: dot)...])
        guard !section.isEmpty, !subsection.isEmpty else {
            throw ConfigParseError(at: location, "invalid section name '\(name)'")
        }
        return try self.makeSection(name: section, subsection: subsection.lowercased(), at: location)
    }

    private mutating func parseEntry() throws(ConfigParseError) {
        let location = self.scanner.location
        guard let section = self.currentSection else {
            throw ConfigParseError(at: location, "key outside of any section")
        }
        var spelling = ""
        while let character = self.scanner.peek(), character.isConfigKeyCharacter {
            spelling.unicodeScalars.append(character)
            self.scanner.advance()
        }
        while self.scanner.peek() == " " || self.scanner.peek() == "\t" { self.scanner.advance() }
        let value: String?
        switch self.scanner.peek() {
        case nil, "\n", "\r":
            value = nil
        case "#", ";":
            self.scanner.skipToEndOfLine()
            value = nil
        case "=":
            self.scanner.advance()
            value = try ValueParser.parse(&self.scanner)
        case let character?:
            throw self.scanner.error("invalid character '\(character.escapedForMessage)' in key name '\(spelling)'")
        }
        let entry = GitConfigEntry(
            section: section,
            name: spelling.lowercased(),
            spelling: spelling,
            value: value,
            location: location
        )
        self.config.append(entry)
    }
}

/// git's `parse_value`: whitespace runs outside quotes are kept as that many spaces between words
/// and dropped at both ends; `"` toggles quoting; `#`/`;` start a comment outside quotes.
private enum ValueParser {
    static func parse(_ scanner: inout ConfigScanner) throws(ConfigParseError) -> String {
        var value = ""
        var isQuoted = false
        var isComment = false
        var pendingSpaces = 0
        while true {
            let start = scanner.location
            guard let character = scanner.next(), character != "\n" else {
                if isQuoted { throw ConfigParseError(at: start, "unterminated quoted value (missing '\"')") }
                return value
            }
            if isComment { continue }
            if !isQuoted, character.isConfigWhitespace {
                if !value.isEmpty { pendingSpaces += 1 }
                continue
            }
            if !isQuoted, character == "#" || character == ";" {
                isComment = true
                continue
            }
            value.append(String(repeating: " ", count: pendingSpaces))
            pendingSpaces = 0
            switch character {
            case "\\":
                guard let escaped = try Self.escape(&scanner, at: start) else { continue }
                value.unicodeScalars.append(escaped)
            case "\"":
                isQuoted.toggle()
            default:
                value.unicodeScalars.append(character)
            }
        }
    }

    /// The character a backslash sequence stands for, or `nil` for a line continuation.
    private static func escape(
        _ scanner: inout ConfigScanner,
        at start: ConfigLocation
    ) throws(ConfigParseError) -> Unicode.Scalar? {
        switch scanner.next() {
        case "\n": return nil
        case "t": return "\t"
        case "n": return "\n"
        case "b": return "\u{08}"
        case "\\": return "\\"
        case "\"": return "\""
        case nil: throw ConfigParseError(at: start, "backslash at end of file")
        case let other?:
            throw ConfigParseError(
                at: start,
                "invalid escape sequence '\\\(other.escapedForMessage)' (valid: \\\" \\\\ \\n \\t \\b)"
            )
        }
    }
}
