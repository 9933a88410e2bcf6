import Foundation

/// `fake_receive_pack.py` beside this file: a receive-pack that answers with a host's own refusal
/// texts over git's real protocol, run in place of git-receive-pack (`remote.NAME.receivepack`).
package struct FakeReceivePack {
    /// What the host refuses: see the script's documentation.
    package struct Refusal: Encodable {
        package var reason: String
        package var said: String

        package init(reason: String, said: String) {
            self.reason = reason
            self.said = said
        }
    }

    private struct Scenario: Encodable {
        var limit: Int?
        var refuse: [String: Refusal]
        var log: String
    }

    /// Lines the fake logged, one per push: `accepted N` or `refused N`.
    package let log: String
    /// The command to run as receive-pack (the repository's path follows it).
    package let command: String

    /// A host that refuses pushes of more than `limit` refs (GitHub's GH013 push limit) and
    /// `refuse`'s refs with their texts; files go into `directory`.
    package init(limit: Int? = nil, refuse: [String: Refusal] = [:], in directory: TemporaryDirectory) throws {
        let scenario = directory.path("fake-receive-pack-\(UUID().uuidString.prefix(8)).json")
        self.log = scenario + ".log"
        let data = try JSONEncoder().encode(Scenario(limit: limit, refuse: refuse, log: self.log))
        try data.write(to: URL(fileURLWithPath: scenario))
        self.command = "python3 \(Self.script) \(scenario)"
    }

    package func lines() throws -> [String] {
        guard FileManager.default.fileExists(atPath: self.log) else { return [] }
        return try String(contentsOfFile: self.log, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("fake_receive_pack.py").path
}
