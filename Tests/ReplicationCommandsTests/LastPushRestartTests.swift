import Foundation
import ReplicationTestSupport
import Testing

/// Each URL's last push is kept in the store: after a restart, before anything is pushed again,
/// `/status` and the status page still say when each mirror was last pushed, how long it took, and
/// why a failing URL fails.
@Suite(.offThePool)
struct LastPushRestartTests {
    /// `/status` before and after the restart, and the status page after it.
    struct Seen: Sendable {
        var before: String
        var after: String
        var page: String
    }

    @Test func lastPushInfoSurvivesARestart() async throws {
        let seen = try await onOwnThread { try Self.restartAndLook() }
        let (before, after) = (try Self.targets(seen.before), try Self.targets(seen.after))
        let good = try #require(after["mirror"], "\(seen.after)")
        let broken = try #require(after["broken"], "\(seen.after)")
        #expect(good["lastSuccess"] as? String != nil)
        #expect(good["lastSuccess"] as? String == before["mirror"]?["lastSuccess"] as? String)
        #expect(good["lastPushSeconds"] as? Double == before["mirror"]?["lastPushSeconds"] as? Double)
        let error = try #require(broken["lastError"] as? [String: Any], "\(broken)")
        #expect((error["message"] as? String)?.isEmpty == false)
        #expect(broken["consecutiveFailures"] as? Int == before["broken"]?["consecutiveFailures"] as? Int)
        #expect((broken["consecutiveFailures"] as? Int ?? 0) >= 1)
        #expect(seen.page.contains("mirror/p.git"), "the status page lists the mirror after the restart")
    }

    private static func restartAndLook() throws -> Seen {
        let site = try LocalSite(extra: LocalSite.brokenRemote("  replicationMaxRetries = 1"))
        defer { site.stop() }
        try site.serve()
        let started = try HTTPClient.post("\(site.base)/start?wait=30s", #"{"all": true}"#)
        guard started.status == 200 else { throw Command.Failure(description: "start: \(started.body)") }
        let before = try HTTPClient.get("\(site.base)/status").body
        site.stop()
        try site.serve()
        let after = try HTTPClient.get("\(site.base)/status").body
        let page = try HTTPClient.get("\(site.base)/").body
        return Seen(before: before, after: after, page: page)
    }

    /// The one target of each remote in `/status`, by remote name.
    private static func targets(_ body: String) throws -> [String: [String: Any]] {
        let document = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        var result: [String: [String: Any]] = [:]
        for remote in document?["remotes"] as? [[String: Any]] ?? [] {
            result[remote["name"] as? String ?? ""] = (remote["targets"] as? [[String: Any]])?.first
        }
        return result
    }
}
