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
