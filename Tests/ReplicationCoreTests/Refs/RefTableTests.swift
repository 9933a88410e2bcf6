import PropertyBased
import ReplicationCore
import Testing

struct RefTableTests {
    static let names = [
        "HEAD", "refs/heads/main", "refs/heads/main2", "refs/heads/ma", "refs/heads/m/x", "refs/tags/v1",
        "refs/changes/01/1/1", "refs/changes/01/1/meta", "refs/changes/01/10/1", "refs/heads/ü", "refs/heads/z",
        "refs/heads/main-", "refs/heads/mainline/long/name/past/eight/bytes",
    ]

    @Test func sortsBytewiseAndKeepsTheLastIdOfADuplicate() {
        var builder = RefTable.Builder()
        let first = ObjectID(hex: String(repeating: "1", count: 40))!
        let second = ObjectID(hex: String(repeating: "2", count: 40))!
        builder.append("refs/heads/b", first)
        builder.append("refs/heads/a", first)
        builder.append("refs/heads/b", second)
        builder.append("HEAD", first)
        let table = builder.build()
        #expect(Array(table.names) == ["HEAD", "refs/heads/a", "refs/heads/b"])
        #expect(table["refs/heads/b"] == second)
        #expect(table["refs/heads/c"] == nil)
    }

    /// Every lookup, through the table and through a cursor asked in any order, agrees with a
    /// dictionary of the same refs; the names come out in git's (bytewise) order.
    @Test func agreesWithADictionary() async {
        let entries = zip(Gen.element(of: Self.names), Gen.int(in: 0...9)).array(of: 0...12)
        let probes = Gen.element(of: Self.names + ["refs", "refs/heads/", "zzz", ""]).array(of: 1...20)
        await propertyCheck(input: entries, probes) { entries, probes in
            var dictionary: [String: ObjectID] = [:]
            var builder = RefTable.Builder()
            for (name, number) in entries {
                let id = ObjectID(hex: String(repeating: "\(number)", count: 40))!
                dictionary[name!] = id
                builder.append(name!, id)
            }
            let table = builder.build()
            #expect(table.count == dictionary.count)
            #expect(Array(table.names) == dictionary.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
            #expect(table.dictionary == dictionary)
            var cursor = RefTable.Cursor(table)
            for probe in probes.map({ $0! }) {
                #expect(table[probe] == dictionary[probe])
                #expect(cursor.id(of: probe) == dictionary[probe], "cursor lookup of \(probe)")
            }
            for probe in probes.map({ $0! }) {
                let id = ObjectID(hex: String(repeating: "f", count: 40))!
                var expected = dictionary
                expected[probe] = id
                #expect(table.setting(probe, to: id).dictionary == expected)
                #expect(
                    Array(table.setting(probe, to: id).names)
                        == expected.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
                )
                expected = dictionary
                expected[probe] = nil
                #expect(table.removing(probe).dictionary == expected)
            }
        }
    }

    @Test func comparesNamesLongerThanAWordByte() {
        let table: RefTable = [
            "refs/heads/mainline/long/b": ObjectID(hex: String(repeating: "1", count: 40))!,
            "refs/heads/mainline/long/a": ObjectID(hex: String(repeating: "2", count: 40))!,
            "refs/heads/mainline/lonf": ObjectID(hex: String(repeating: "3", count: 40))!,
        ]
        #expect(
            Array(table.names) == [
                "refs/heads/mainline/lonf", "refs/heads/mainline/long/a", "refs/heads/mainline/long/b",
            ]
        )
    }
}
