import Foundation
import ReplicationCore
import ReplicationDaemon
import ReplicationTestSupport
import ServiceLifecycle
import Synchronization
import Testing

/// The HTTP routes of a daemon built by `buildDaemon`, served on loopback as `serve` serves them,
/// with the in-memory store and a scripted executor behind them.
// Three minutes, not one: in a parallel run the blocking end-to-end tests can hold the cooperative
// pool's threads for a minute, and these wait their turn; a hang still fails.
@Suite(.offThePool)
struct DaemonRoutesTests {
    @Test func eventsInStatusAndMetricsOut() async throws {
        let harness = EngineHarness(EngineTests.configuration)
        let address = Mutex<String?>(nil)
        let application = harness.daemon.application(host: "127.0.0.1", port: 0) { listening in
            address.withLock { $0 = listening }
        }
        try await harness.run {
            let server = Task { try await application.run() }
            defer { server.cancel() }
            try await harness.until("listening") { address.withLock { $0 } != nil }
            let port = try #require(address.withLock { $0 }?.split(separator: ":").last)
            let base = "http://127.0.0.1:\(port)"

            let event = #"{"type":"ref-updated","refUpdate":{"project":"p","refName":"refs/heads/main"}}"#
            let accepted = try await Self.http { try HTTPClient.post("\(base)/events", event) }
            #expect(accepted.status == 202 && accepted.body.contains(#""accepted":1"#))
            try await harness.until("pushed") { harness.executor.calls.count == 1 }
            #expect(harness.executor.calls.first?.work.refs == ["refs/heads/main"])

            let batch = """
                {"type":"batch-ref-updated","refUpdates":[{"refName":"refs/changes/01/1/1","project":"p"},\
                {"refName":"refs/changes/01/1/meta","project":"p"}]}
                """
            let batched = try await Self.http { try HTTPClient.post("\(base)/events", batch) }
            #expect(batched.status == 202)
            try await harness.until("one push for the batch") { harness.executor.calls.count == 2 }
            #expect(harness.executor.calls.last?.work.refs == ["refs/changes/01/1/1", "refs/changes/01/1/meta"])

            let malformed = try await Self.http { try HTTPClient.post("\(base)/events", "{") }
            #expect(malformed.status == 400)
            let hostile = #"{"type":"ref-updated","refUpdate":{"project":"~p","refName":"refs/heads/main"}}"#
            #expect(try await Self.http { try HTTPClient.post("\(base)/events", hostile) }.status == 400)

            try await harness.until("delivered") { try await harness.store.summary().pendingEvents == 0 }
            try await harness.advance(by: .seconds(1))
            let status = try await Self.http { try HTTPClient.get("\(base)/status") }
            let decoded = try JSONDecoder().decode(DaemonStatus.self, from: Data(status.body.utf8))
            #expect(decoded.remotes.first?.targets.first?.state == .idle)
            #expect(decoded.remotes.first?.targets.first?.lastSuccess != nil)
            #expect(try await Self.http { try HTTPClient.get("\(base)/healthz") }.status == 200)
            let metrics = try await Self.http { try HTTPClient.get("\(base)/metrics") }
            #expect(metrics.body.contains(#"replication_pushes_total{remote="a",result="ok"} 2"#))
        }
    }

    /// The test client blocks: keep it off the cooperative pool the daemon runs on.
    private static func http(_ call: @escaping @Sendable () throws -> HTTPClient.Response) async throws
        -> HTTPClient.Response
    {
        try await onOwnThread(call)
    }
}
