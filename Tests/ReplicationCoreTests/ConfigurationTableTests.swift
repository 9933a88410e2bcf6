import Foundation
import ReplicationCore
import Testing

/// docs/configuration.md's key tables are a promise: every key Replicator knows has a row, and a key
/// warns that it has no effect exactly when its row's **Acts** cell says `no effect`.
struct ConfigurationTableTests {
    struct Row: CustomTestStringConvertible, Sendable {
        var section: String
        var key: String
        var type: String
        var acts: String

        var testDescription: String { "\(self.section).\(self.key): \(self.acts)" }
    }

    static let documentation = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("docs/configuration.md")

    static let rows: [Row] = {
        let text = (try? String(contentsOf: Self.documentation, encoding: .utf8)) ?? ""
        var rows: [Row] = []
        var section: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("## ") {
                section = line.firstMatch(of: /^## `\[(\w+)/).map { String($0.1) }
                continue
            }
            guard let section, line.hasPrefix("| `") else { continue }
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 5 else { continue }
            for key in cells[0].matches(of: /`(\w+)`/).map({ String($0.1) }) {
                rows.append(Row(section: section, key: key, type: cells[1], acts: cells[3]))
            }
        }
        return rows
    }()

    @Test func theTablesListEveryKeyReplicatorKnowsAndNoOther() {
        for section in ["gerrit", "replication", "replicator", "remote"] {
            let documented = Set(Self.rows.filter { $0.section == section }.map(\.key))
            let known = Set(ConfigSchema.sections[section] ?? [])
            #expect(
                documented == known,
                "[\(section)]: undocumented \(known.subtracting(documented).sorted()), unknown \(documented.subtracting(known).sorted())"
            )
        }
        #expect(Self.rows.count > 60, "the tables were read")
        #expect(Set(Self.rows.map(\.acts)).isSubset(of: ["acts", "differs", "extension", "no effect"]))
    }

    @Test(arguments: Self.rows)
    func aKeyWarnsThatItHasNoEffectExactlyWhenTheTableSaysSo(_ row: Row) {
        let assignment = "  \(row.key) = \(Self.sample(for: row))\n"
        let remote = "[remote \"m\"]\n  url = /m/${name}.git\n"
        let text =
            row.section == "remote"
            ? remote + assignment
            : "[\(row.section)]\n" + assignment + remote
        let configuration = ReplicationConfiguration.parse(text)
        let warned = configuration.diagnostics.contains {
            $0.code == .ignoredKey && ($0.key?.lowercased().hasSuffix(row.key.lowercased()) ?? false)
        }
        #expect(warned == (row.acts == "no effect"), "\(configuration.diagnostics.map(\.description))")
    }

    /// A value the key accepts.
    static func sample(for row: Row) -> String {
        let special = [
            "url": "/n/${name}.git", "adminUrl": "/m/${name}.git", "push": "+refs/heads/*:refs/heads/*",
            "fetch": "+refs/heads/*:refs/remotes/m/*", "remoteNameStyle": "dash", "store": "/tmp/replicator.sqlite",
            "listen": "127.0.0.1:8418", "gitPath": "/usr/bin/git", "leaseTimeout": "10", "storeTimeout": "5",
            "requestTimeout": "5", "excludedRefsPattern": "refs/x/.*", "projects": "p*", "excludeProjects": "q*",
            "tagopt": "--no-tags", "pushurl": "/x", "rescheduleDelay": "5", "threads": "2",
        ]
        if let value = special[row.key] { return value }
        if row.type.hasPrefix("bool") { return "true" }
        if row.type.hasPrefix("int") || row.type.hasPrefix("time") { return "3" }
        if row.type.hasPrefix("path") || row.type.hasPrefix("absolute path") { return "/tmp/replicator-x" }
        return "x"
    }
}
