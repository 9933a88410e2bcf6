import Foundation
import Hummingbird
import HummingbirdTesting
import ReplicationCore
import ReplicationDaemon
import ReplicationTestSupport
import Testing

/// The HTTP routes of a daemon built by `buildDaemon`, called in-process through HummingbirdTesting's
/// router client (the server itself is exercised end to end by the command tests), with the
/// in-memory store and a scripted executor behind them.
@Suite(.offThePool)
struct DaemonRoutesTests {
    @Test func eventsInStatusAndMetricsOut() async throws {
        let harness = EngineHarness(EngineTests.configuration)
        let application = Application(router: harness.daemon.router)
        // The client's closure is @Sendable: it gets the harness's parts, which are.
        let (executor, store, clock) = (harness.executor, harness.store, harness.clock)
        try await harness.run {
            try await application.test(.router) { client in
                let event = #"{"type":"ref-updated","refUpdate":{"project":"p","refName":"refs/heads/main"}}"#
                let accepted = try await client.execute(uri: "/events", method: .post, body: ByteBuffer(string: event))
                #expect(accepted.status == .accepted && String(buffer: accepted.body).contains(#""accepted":1"#))
                #expect(await eventually(every: .milliseconds(5)) { executor.calls.count == 1 }, "pushed")
                #expect(executor.calls.first?.work.refs == ["refs/heads/main"])

                let batch = """
                    {"type":"batch-ref-updated","refUpdates":[{"refName":"refs/changes/01/1/1","project":"p"},\
                    {"refName":"refs/changes/01/1/meta","project":"p"}]}
                    """
                let batched = try await client.execute(uri: "/events", method: .post, body: ByteBuffer(string: batch))
                #expect(batched.status == .accepted)
                #expect(
                    await eventually(every: .milliseconds(5)) { executor.calls.count == 2 },
                    "one push for the batch"
                )
                #expect(executor.calls.last?.work.refs == ["refs/changes/01/1/1", "refs/changes/01/1/meta"])

                let malformed = try await client.execute(uri: "/events", method: .post, body: ByteBuffer(string: "{"))
                #expect(malformed.status == .badRequest)
                let hostile = #"{"type":"ref-updated","refUpdate":{"project":"~p","refName":"refs/heads/main"}}"#
                let refused = try await client.execute(uri: "/events", method: .post, body: ByteBuffer(string: hostile))
                #expect(refused.status == .badRequest && String(buffer: refused.body).contains("~p"))

                let delivered = try await eventually(every: .milliseconds(5)) {
                    try await store.summary().pendingEvents == 0
                }
                #expect(delivered)
                // A tick, once the engine sleeps on the clock, publishes the status.
                #expect(await eventually(every: .milliseconds(5)) { clock.sleepers > 0 })
                clock.advance(by: .seconds(1))
                #expect(await eventually(every: .milliseconds(5)) { clock.sleepers > 0 })
                let status = try await client.execute(uri: "/status", method: .get)
                let decoded = try JSONDecoder().decode(DaemonStatus.self, from: Data(String(buffer: status.body).utf8))
                #expect(decoded.remotes.first?.targets.first?.state == .idle)
                #expect(decoded.remotes.first?.targets.first?.lastSuccess != nil)
                #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
                let metrics = try await client.execute(uri: "/metrics", method: .get)
                #expect(String(buffer: metrics.body).contains(#"replication_pushes_total{remote="a",result="ok"} 2"#))
            }
        }
    }
}
