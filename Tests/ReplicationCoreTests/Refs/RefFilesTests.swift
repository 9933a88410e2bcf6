import PropertyBased
import ReplicationCore
import Testing

struct RefFilesTests {
    static let one = String(repeating: "1", count: 40)
    static let two = String(repeating: "2", count: 40)
    static let three = String(repeating: "a", count: 40)

    static func packed(_ text: String) -> RefTable? {
        Array(text.utf8).withUnsafeBufferPointer { RefFiles.packedRefs($0) }
    }

    static func loose(_ text: String) -> RefFiles.Loose? {
        Array(text.utf8).withUnsafeBufferPointer { RefFiles.loose($0) }
    }

    static func id(_ hex: String) -> ObjectID { ObjectID(hex: hex)! }

    @Test func readsPackedRefsWithTheirHeaderAndPeeledLines() throws {
        let table = try #require(
            Self.packed(
                "# pack-refs with: peeled fully-peeled sorted \n\(Self.one) refs/heads/main\n"
                    + "\(Self.two) refs/tags/v1\n^\(Self.three)\n\(Self.three) refs/tags/v2\n"
            )
        )
        #expect(
            table.dictionary == [
                "refs/heads/main": Self.id(Self.one), "refs/tags/v1": Self.id(Self.two),
                "refs/tags/v2": Self.id(Self.three),
            ]
        )
    }

    @Test func sortsAPackedRefsFileThatIsNotSorted() throws {
        let table = try #require(Self.packed("\(Self.one) refs/tags/v1\n\(Self.two) refs/heads/main\n"))
        #expect(Array(table.names) == ["refs/heads/main", "refs/tags/v1"])
    }

    @Test(arguments: [
        "\(String(repeating: "1", count: 39)) refs/heads/x\n", "garbage\n",
        "\(String(repeating: "g", count: 40)) refs/x\n", "\(String(repeating: "1", count: 40))refs/x\n",
    ])
    func refusesALineNotInGitsFormat(text: String) {
        #expect(Self.packed(text) == nil)
    }

    @Test func readsLooseFiles() {
        #expect(Self.loose("\(Self.one)\n") == .direct(Self.id(Self.one)))
        #expect(Self.loose("ref: refs/heads/main\n") == .symbolic("refs/heads/main"))
        #expect(Self.loose("ref:refs/heads/main") == .symbolic("refs/heads/main"))
        #expect(Self.loose("ref: \n") == nil)
        #expect(Self.loose("\(Self.one.dropLast())\n") == nil)
        #expect(Self.loose("") == nil)
    }

    @Test func looseFilesWinAndSymbolicRefsResolve() throws {
        let packed = try #require(
            Self.packed(
                "\(Self.one) refs/heads/a\n\(Self.one) refs/heads/b\n\(Self.one) refs/heads/c\n\(Self.one) refs/heads/z\n"
            )
        )
        let loose: [String: RefFiles.Loose?] = [
            "refs/heads/b": .direct(Self.id(Self.two)),
            "refs/heads/c": nil,  // broken: hides the packed value, as in git
            "refs/heads/d": .symbolic("refs/heads/b"),
            "refs/heads/e": .symbolic("refs/heads/z"),
            "refs/heads/f": .symbolic("refs/heads/missing"),
            "refs/heads/g": .symbolic("refs/heads/g"),
            "refs/heads/y": .direct(Self.id(Self.three)),
        ]
        let table = RefFiles.merge(packed: packed, loose: loose)
        #expect(
            Array(table.names) == [
                "refs/heads/a", "refs/heads/b", "refs/heads/d", "refs/heads/e", "refs/heads/y", "refs/heads/z",
            ]
        )
        #expect(table["refs/heads/b"] == Self.id(Self.two))
        #expect(table["refs/heads/d"] == Self.id(Self.two))
        #expect(table["refs/heads/e"] == Self.id(Self.one))
        #expect(table["refs/heads/y"] == Self.id(Self.three))
    }
}

/// One ref looked up in `packed-refs` by binary search must say what the whole file says.
struct PackedLookupTests {
    static let names = [
        "refs/heads/a", "refs/heads/main", "refs/heads/main/x", "refs/heads/mainline", "refs/tags/v1",
        "refs/tags/v2", "refs/changes/01/1/1", "refs/changes/01/1/meta", "refs/changes/01/10/1", "refs/z",
    ]

    static func file(_ entries: [String: Int], header: String, peeled: Set<String>) -> String {
        var text = header
        for name in entries.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            text += String(repeating: "\(entries[name]!)", count: 40) + " \(name)\n"
            if peeled.contains(name) { text += "^" + String(repeating: "f", count: 40) + "\n" }
        }
        return text
    }

    @Test func findsWhatTheWholeFileSays() async {
        let entries = zip(Gen.element(of: Self.names), Gen.int(in: 1...9)).array(of: 0...10)
        let peeled = Gen.element(of: Self.names).array(of: 0...4)
        let headers = Gen.element(of: [
            "# pack-refs with: peeled fully-peeled sorted \n", "# pack-refs with: peeled \n",
        ])
        await propertyCheck(input: entries, peeled, headers) { entries, peeled, header in
            var refs: [String: Int] = [:]
            for (name, value) in entries { refs[name!] = value }
            let text = Self.file(refs, header: header!, peeled: Set(peeled.map { $0! }))
            let bytes = Array(text.utf8)
            let table = bytes.withUnsafeBufferPointer { RefFiles.packedRefs($0) }
            for name in Self.names + ["refs", "refs/heads/", "refs/zz", "a"] {
                let expected = table?[name].map { RefFiles.PackedLookup.found($0) } ?? .absent
                #expect(
                    bytes.withUnsafeBufferPointer { RefFiles.lookUp(name, inPacked: $0) } == expected,
                    "\(name) in \(text)"
                )
            }
        }
    }

    @Test func saysWhenALineIsNotGitsFormat() {
        let text =
            "# pack-refs with: peeled fully-peeled sorted \n\(String(repeating: "1", count: 40)) refs/heads/a\ngarbage\n"
        let bytes = Array(text.utf8)
        #expect(bytes.withUnsafeBufferPointer { RefFiles.lookUp("refs/heads/b", inPacked: $0) } == .malformed)
        #expect(Array("".utf8).withUnsafeBufferPointer { RefFiles.lookUp("refs/heads/b", inPacked: $0) } == .absent)
    }
}
