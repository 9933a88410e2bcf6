import Foundation
import ReplicationTestSupport
import Testing

/// Every command's `--json` and every HTTP route's JSON, produced for real (a source, a
/// local-path mirror, a held push, a URL that fails, a running daemon) and validated against
/// its documented schema in `docs/schemas/` (JSON Schema 2020-12, undocumented keys refused) by
/// `scripts/validate-json`. Every schema there must be exercised here.
@Suite(.offThePool)
struct JSONOutputSchemaTests {
    static let schemas = ReplicatorProcess.packageRoot.appendingPathComponent("docs/schemas")
    static let validator = ReplicatorProcess.packageRoot.appendingPathComponent("scripts/validate-json").path

    /// Validates `document` against `docs/schemas/NAME.schema.json`; returns what the validator said.
    @discardableResult
    static func validate(_ document: String, _ name: String, lines: Bool = false, expectValid: Bool = true)
        throws -> Command.Output
    {
        try Command.requireInstalled("/usr/bin/python3", package: "python3-jsonschema")
        let schema = Self.schemas.appendingPathComponent("\(name).schema.json").path
        let result = try Command.run(
            "/usr/bin/python3",
            [Self.validator, schema] + (lines ? ["--lines"] : []),
            input: document
        )
        #expect((result.status == 0) == expectValid, "\(name): \(result.standardError)\n\(document)")
        return result
    }

    static func site() throws -> LocalSite {
        let site = try LocalSite(
            projects: ["p", "q"],
            remote: """
                push = +refs/heads/*:refs/heads/*
                  push = +refs/tags/*:refs/tags/*
                  mirror = true
                  maxDeletions = 1
                  replicationDelay = 0
                """,
            extra: LocalSite.brokenRemote()
        )
        // q's mirror has two refs the source lacks: a mirror push would delete both, over maxDeletions.
        try GitFixtures.makeRepository(
            at: site.mirror("q"),
            refs: [("refs/heads/main", "one"), ("refs/heads/old-1", "x"), ("refs/heads/old-2", "y")]
        )
        return site
    }

    @Test func everyCommandsJSONMatchesItsDocumentedSchema() async throws {
        // Blocking work (processes, HTTP) on a thread of its own, asserted after.
        let used = try await onOwnThread { try Self.produceAndValidateEveryDocument() }
        let documented = try FileManager.default.contentsOfDirectory(atPath: Self.schemas.path)
            .filter { $0.hasSuffix(".schema.json") }.map { String($0.dropLast(".schema.json".count)) }
        #expect(Set(documented) == used, "schemas without a test, or tests without a schema")
    }

    /// Returns the schemas it validated against.
    private static func produceAndValidateEveryDocument() throws -> Set<String> {
        let site = try Self.site()
        defer { site.stop() }
        var used: Set<String> = []
        func check(_ output: String, _ name: String, lines: Bool = false) throws {
            used.insert(name)
            try Self.validate(output, name, lines: lines)
        }

        try check(try site.replicator(["config", "check", "--json"]).standardOutput, "config-check")
        try site.directory.write(
            "[remote \"m\"]\n  url = /x/${name}.git\n  push = refs/heads/*\n  bogus = 1\n",
            to: "bad.config"
        )
        let bad = try ReplicatorProcess.run([
            "config", "check", "--json", "--config", site.directory.path("bad.config"),
        ])
        #expect(bad.standardOutput.contains("\"unknownKey\""), "\(bad.standardOutput)")
        try check(bad.standardOutput, "config-check")

        let dryRun = try site.replicator(["start", "--dry-run", "--all", "--json"])
        #expect(dryRun.standardOutput.contains("\"remoteMissing\" : true"), "\(dryRun.standardOutput)")
        try check(dryRun.standardOutput, "start-plan")
        let offline = try site.replicator(["status", "--json"])
        #expect(offline.standardOutput.contains("\"not running\""))
        try check(offline.standardOutput, "status")
        try check(try site.replicator(["list", "--json", "--detail"]).standardOutput, "list-gerrit", lines: true)
        let verify = try site.replicator(["verify", "--all", "--json"])
        #expect(verify.standardOutput.contains("\"mirrorId\""), "\(verify.standardOutput)")
        try check(verify.standardOutput, "verify")
        try check(try site.replicator(["explain", "q", "refs/heads/main", "--json"]).standardOutput, "explain")

        try site.serve()
        // Every field of a start request is optional.
        let started = try HTTPClient.post("\(site.base)/start?wait=30s", #"{"all": true}"#)
        #expect(started.status == 200, "\(started.body)")
        try check(started.body, "start-daemon")
        // q's push is held: the new sync joins it and hears so at once (it once waited for a release).
        let remoteStart = try site.replicator(["start", "--daemon", site.base, "--all", "--now", "--wait", "--json"])
        #expect(remoteStart.standardOutput.contains(#""result" : "blocked""#), "\(remoteStart.standardOutput)")
        #expect(remoteStart.standardOutput.contains(#""complete" : true"#), "\(remoteStart.standardOutput)")
        try check(remoteStart.standardOutput, "start-daemon")
        let waited = try site.replicator(["wait", "p", "refs/heads/main", "--remote", "mirror", "--json"])
        #expect(waited.status == 0, "\(waited.standardOutput)\(waited.standardError)")
        try check(waited.standardOutput, "wait")
        try check(try HTTPClient.get("\(site.base)/wait?project=p&ref=refs/heads/main&timeout=3s").body, "wait")

        let running = try site.replicator(["status", "--json", "--listen", "127.0.0.1:\(site.port)"])
        for expected in ["\"held\"", "\"lastError\"", "\"lastSuccess\"", "\"running\""] {
            #expect(running.standardOutput.contains(expected), "\(expected): \(running.standardOutput)")
        }
        try check(running.standardOutput, "status")
        try check(try HTTPClient.get("\(site.base)/status").body, "status")
        try check(
            try site.replicator(["list", "--json", "--detail", "--listen", "127.0.0.1:\(site.port)"]).standardOutput,
            "list-gerrit",
            lines: true
        )
        let explained = try site.replicator(["explain", "p", "refs/heads/main", "--json"])
        #expect(explained.standardOutput.contains("\"lastOutcome\""), "\(explained.standardOutput)")
        try check(explained.standardOutput, "explain")

        let allowed = try HTTPClient.post("\(site.base)/allow-deletions", #"{"project": "q"}"#)
        #expect(allowed.status == 200, "\(allowed.body)")
        try check(allowed.body, "allow-deletions")
        let badWait = try HTTPClient.get("\(site.base)/wait?project=p")
        #expect(badWait.status == 400)
        try check(badWait.body, "http-error")
        let badStart = try HTTPClient.post("\(site.base)/start", "[1]")
        #expect(badStart.status == 400)
        try check(badStart.body, "http-error")
        site.stop()
        // A stopped daemon is said so at once (a refused connection is not retried for the
        // hour a --wait may take).
        let down = try site.replicator(["start", "--daemon", site.base, "--all", "--wait", "--json"])
        #expect(down.status == 1 && down.standardError.contains("cannot reach the daemon"), "\(down.standardError)")

        // Pushed here, not by a daemon: the plan report with each ref's result.
        let main = try #require(try GitFixtures.refs(of: site.source("p"))["refs/heads/main"])
        try Command.git(["update-ref", "refs/heads/new", main], in: site.source("p"))
        let pushed = try site.replicator(["start", "--all", "--wait", "--json"])
        #expect(pushed.standardOutput.contains("\"status\""), "\(pushed.standardOutput)\(pushed.standardError)")
        try check(pushed.standardOutput, "start-plan")
        return used
    }

    /// The schemas refuse what they do not document: a key nobody wrote down, a wrong version, a
    /// timestamp as a number.
    @Test func theSchemasRefuseUndocumentedShapes() throws {
        let surprise = #"{"schemaVersion": 1, "verifications": [], "errors": [], "surprise": 1}"#
        #expect(try Self.validate(surprise, "verify", expectValid: false).standardError.contains("surprise"))
        try Self.validate(#"{"schemaVersion": 2, "verifications": [], "errors": []}"#, "verify", expectValid: false)
        let numericTime = """
            {"schemaVersion": 1, "ready": true, "caughtUp": true, "pendingEvents": 0, "remotes": [], "cluster": [],
             "held": [], "verifications": [], "webhooks": [], "configurationLoadedAt": 1796294303.6}
            """
        try Self.validate(numericTime, "status", expectValid: false)
        let upperCaseId = """
            {"schemaVersion": 1, "project": "p", "ref": "refs/heads/main", "status": "replicated", "outOfScope": [],
             "targets": [{"remote": "m", "url": "/m", "status": "replicated", "mirrorID": "\(String(repeating: "a", count: 40))"}]}
            """
        try Self.validate(upperCaseId, "wait", expectValid: false)
    }
}
