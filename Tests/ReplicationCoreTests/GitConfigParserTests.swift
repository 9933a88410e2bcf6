import ReplicationCore
import Testing

struct GitConfigParserTests {
    /// One flattened entry: `section.subsection.key=value` (`value` absent for a bare key).
    private static func flatten(_ text: String) throws -> [String] {
        let config = try GitConfigParser.parse(text, file: "f")
        return config.entries.map { entry in
            let subsection = entry.section.subsection.map { ".\($0)" } ?? ""
            let value = entry.value.map { "=\($0)" } ?? ""
            return "\(entry.section.name)\(subsection).\(entry.name)\(value)"
        }
    }

    @Test(arguments: [
        ("[core]\nkey = value", ["core.key=value"]),
        ("[Core]\n  KeY=value  ", ["core.key=value"]),
        ("[remote \"GitHub\"]\nurl = x", ["remote.GitHub.url=x"]),
        ("[remote.GitHub]\nurl = x", ["remote.github.url=x"]),
        ("[remote \"a\\\"b\\\\c\"]\nurl = x", ["remote.a\"b\\c.url=x"]),
        ("[s]\nmirror", ["s.mirror"]),
        ("[s]\nmirror # a comment", ["s.mirror"]),
        ("[s]\nk =", ["s.k="]),
        ("[s]\nk = a   b", ["s.k=a   b"]),
        ("[s]\nk = a\tb", ["s.k=a b"]),
        ("[s]\nk = \"  padded  \"", ["s.k=  padded  "]),
        ("[s]\nk = a\"#not comment\"b # comment", ["s.k=a#not commentb"]),
        ("[s]\nk = one ; comment", ["s.k=one"]),
        ("[s]\nk = \"q\\\"\\\\\\n\\t\"", ["s.k=q\"\\\n\t"]),
        ("[s]\nk = first \\\n  second", ["s.k=first   second"]),  // as `git config` reads it
        ("[s]\nk = x\nk = y", ["s.k=x", "s.k=y"]),
        ("[s] k = same line", ["s.k=same line"]),
        ("# comment\n; another\n[s]\n\n  k=v\r\n", ["s.k=v"]),
        ("\u{FEFF}[s]\nk=v", ["s.k=v"]),
        ("[s]\nk-2 = v", ["s.k-2=v"]),
    ])
    func parsesValidText(text: String, expected: [String]) throws {
        #expect(try Self.flatten(text) == expected)
    }

    @Test(arguments: [
        ("k = v", 1, 1, "outside of any section"),
        ("[s\nk=v", 1, 3, "invalid character"),
        ("[s", 1, 1, "unterminated section header"),
        ("[s \"sub]\nk=v", 1, 9, "unterminated subsection"),
        ("[s \"sub\" x]", 1, 9, "expected ']'"),
        ("[s sub]", 1, 4, "expected '\"'"),
        ("[]", 1, 1, "empty section name"),
        ("[s]\nk = \"open", 2, 10, "unterminated quoted value"),
        ("[s]\nk = a\\qb", 2, 6, "invalid escape sequence"),
        ("[s]\n1k = v", 2, 1, "must start with a letter"),
        ("[s]\nk@ = v", 2, 2, "invalid character '@' in key name"),
        ("[s]\n  = v", 2, 3, "unexpected character '='"),
    ])
    func reportsSyntaxErrorsWithPosition(text: String, line: Int, column: Int, message: String) {
        let error = #expect(throws: ConfigParseError.self) { try GitConfigParser.parse(text, file: "f.config") }
        #expect(error?.location == ConfigLocation(file: "f.config", line: line, column: column))
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
    }

    @Test func recordsEntryLocations() throws {
        let config = try GitConfigParser.parse("[a]\n\n  x = 1 \\\n 2\ny = 3", file: "f")
        #expect(config.entries.map(\.location.line) == [3, 5])
        #expect(config.entries.map(\.location.column) == [3, 1])
        #expect(config.sections.map(\.location.line) == [1])
    }

    @Test func keepsKeySpellingForMessages() throws {
        let config = try GitConfigParser.parse("[remote \"r\"]\nReplicationDelay = 1", file: "f")
        #expect(config.entries.first?.qualifiedKey == "remote.r.ReplicationDelay")
        #expect(config.entries.first?.name == "replicationdelay")
    }
}
