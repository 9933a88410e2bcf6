import Foundation
import ReplicationTestSupport
import Testing

/// `--log-format`: every line a collector reads parses, in both machine formats, and a daemon
/// whose standard error is no terminal writes logfmt by default.
/// The daemons run on threads of their own (`onOwnThread`): a full parallel run holds the
/// cooperative pool for minutes.
@Suite(.offThePool)
struct LogFormatTests {
    /// What one daemon run left: its log's lines, and whether it came up, pushed and stopped cleanly.
    struct Run: Sendable {
        var lines: [String] = []
        var healthy = false
        var accepted = false
        var finished = false
        var exit: Int32 = -1
    }

    /// Runs a daemon with `arguments`, pushes one event, stops it.
    static func logLines(_ arguments: [String]) async throws -> Run {
        try await onOwnThread {
            var run = Run()
            let site = try LocalSite()
            let daemon = try ServedReplicator(
                config: site.config,
                port: site.port,
                log: site.directory.path("serve.log"),
                arguments: arguments
            )
            run.healthy = daemon.isHealthy()
            run.accepted = (try? site.post(GerritEvent.refUpdated("refs/heads/main")))?.status == 202
            run.finished = eventually { daemon.log.contains("Replication finished") }
            run.exit = daemon.stop()
            run.lines = daemon.log.split(separator: "\n").map(String.init)
            return run
        }
    }

    static func check(_ run: Run) {
        #expect(run.healthy && run.accepted && run.finished && run.exit == 0, "\(run.lines.joined(separator: "\n"))")
        #expect(!run.lines.isEmpty)
    }

    @Test func jsonLinesAreObjectsWithTimeLevelMessageAndMetadata() async throws {
        let run = try await Self.logLines(["--log-format", "json"])
        Self.check(run)
        let lines = run.lines
        var finished: [String: Any]?
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object != nil, "not a JSON object: \(line)")
            guard let object else { continue }
            for key in ["time", "level", "msg", "source"] { #expect(object[key] is String, "\(key) in \(line)") }
            if object["msg"] as? String == "Replication finished" { finished = object }
        }
        #expect(finished?["replication.project"] as? String == "p")
        #expect((finished?["time"] as? String)?.hasSuffix("Z") == true)
    }

    @Test func logfmtIsTheDefaultWithoutATerminalAndEveryLineParses() async throws {
        for arguments in [["--log-format", "logfmt"], []] {
            let run = try await Self.logLines(arguments)
            Self.check(run)
            let lines = run.lines
            var finished: [String: String]?
            for line in lines {
                let pairs = Self.parseLogfmt(line)
                #expect(pairs != nil, "not logfmt: \(line)")
                guard let pairs else { continue }
                #expect(line.hasPrefix("time="), "\(line)")
                for key in ["time", "level", "msg", "source"] { #expect(pairs[key] != nil, "\(key) in \(line)") }
                if pairs["msg"] == "Replication finished" { finished = pairs }
            }
            #expect(finished?["replication.project"] == "p", "\(arguments)")
            #expect(lines.contains { $0.contains(#"msg="Replication finished""#) }, "quoted: a value with a space")
        }
    }

    /// `key=value` pairs separated by one space; a value is bare (no space, `=` or `"`) or quoted
    /// with `\"`, `\\`, `\n`, `\r`, `\t` and `\uXXXX` escapes. `nil` when the line is not that.
    static func parseLogfmt(_ line: String) -> [String: String]? {
        var pairs: [String: String] = [:]
        var rest = Substring(line)
        while !rest.isEmpty {
            guard let equals = rest.firstIndex(of: "="), equals > rest.startIndex else { return nil }
            let key = String(rest[..<equals])
            guard !key.contains(" "), !key.contains("\"") else { return nil }
            rest = rest[rest.index(after: equals)...]
            var value = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                var closed = false
                while let character = rest.first {
                    rest = rest.dropFirst()
                    if character == "\"" {
                        closed = true
                        break
                    }
                    guard character == "\\" else {
                        value.append(character)
                        continue
                    }
                    guard let escaped = rest.first else { return nil }
                    rest = rest.dropFirst()
                    switch escaped {
                    case "\"", "\\": value.append(escaped)
                    case "n": value.append("\n")
                    case "r": value.append("\r")
                    case "t": value.append("\t")
                    case "u":
                        guard let code = UInt32(rest.prefix(4), radix: 16), let scalar = Unicode.Scalar(code) else {
                            return nil
                        }
                        value.unicodeScalars.append(scalar)
                        rest = rest.dropFirst(4)
                    default: return nil
                    }
                }
                guard closed else { return nil }
            } else {
                let end = rest.firstIndex(of: " ") ?? rest.endIndex
                value = String(rest[..<end])
                guard !value.isEmpty, !value.contains("="), !value.contains("\"") else { return nil }
                rest = rest[end...]
            }
            pairs[key] = value
            guard !rest.isEmpty else { break }
            guard rest.first == " " else { return nil }
            rest = rest.dropFirst()
        }
        return pairs
    }
}
