import Foundation
import ReplicationCore

/// What the status page shows, from one `/status` snapshot and the reconcile's last verifies:
/// every value already worded, so the template only lays it out.
package struct StatusPageModel: Sendable {
    struct Remote: Sendable {
        var name: String
        var urls: String
        var queueDepth: Int
        var inFlight: Int
        var oldest: String
    }

    struct Push: Sendable {
        var remote: String
        var project: String
        var url: String
        var state: String
        var work: String
        var age: String
    }

    struct Failing: Sendable {
        var remote: String
        var project: String
        var url: String
        var kind: String
        var error: String
        var since: String
        var nextRetry: String
    }

    /// A URL whose last push had refs refused (a policy of the host, not a failure of the URL).
    struct Refused: Sendable {
        var remote: String
        var project: String
        var url: String
        var refused: String
    }

    struct Held: Sendable {
        var remote: String
        var project: String
        var url: String
        var deletions: Int
        var reason: String
        var release: String
    }

    struct Webhook: Sendable {
        var url: String
        var state: String
        var isFailing: Bool
        var detail: String
    }

    struct Drift: Sendable {
        var remote: String
        var project: String
        var url: String
        var result: String
        var at: String
        var differences: String
        var isDrift: Bool
    }

    struct Latency: Sendable {
        var remote: String
        var project: String
        var url: String
        var lastPush: String
        var lastSuccess: String
    }

    var ready: Bool
    var health: String
    var pendingEvents: Int
    var oldestPending: String
    var storeError: String?
    var configurationError: String?
    var remotes: [Remote]
    var pushes: [Push]
    var failing: [Failing]
    var held: [Held]
    var refused: [Refused]
    /// Verifies that found differences (or could not run); the in-sync ones are collapsed.
    var drift: [Drift]
    var inSync: [Drift]
    var inSyncCount: Int
    var hasVerifies: Bool
    /// Rows not shown (`nil`: none; a section over a number would render for 0 too).
    var moreInSync: Int?
    var latencies: [Latency]
    var moreLatencies: Int?
    /// Ready, caught up, nothing failing or held: the badge is green only then.
    var isHealthy: Bool
    var webhooks: [Webhook]
    /// Stored: the template reads fields by reflection.
    var hasWebhooks: Bool
    var generatedAt: String

    package init(status: DaemonStatus, verifications: [DaemonStatus.Verification], now: Double) {
        self.ready = status.ready
        self.pendingEvents = status.pendingEvents
        self.oldestPending = Self.age(status.oldestPendingSeconds)
        self.storeError = status.storeError
        self.configurationError = status.configurationError
        self.remotes = status.remotes.map {
            Remote(
                name: $0.name,
                urls: $0.urls.joined(separator: " "),
                queueDepth: $0.queueDepth,
                inFlight: $0.inFlight,
                oldest: Self.age($0.oldestPendingSeconds)
            )
        }
        var pushes: [Push] = []
        var failing: [Failing] = []
        var latencies: [Latency] = []
        var refused: [Refused] = []
        for remote in status.remotes {
            for target in remote.targets {
                if let words = target.refused {
                    refused.append(
                        Refused(remote: remote.name, project: target.project, url: target.url, refused: words)
                    )
                }
                for (task, state) in [(target.inFlight, "running"), (target.pending, target.state.rawValue)] {
                    guard let task else { continue }
                    pushes.append(
                        Push(
                            remote: remote.name,
                            project: target.project,
                            url: target.url,
                            state: state,
                            work: task.work,
                            age: Self.age(task.ageSeconds)
                        )
                    )
                }
                if let error = target.lastError, target.state == .failed || target.state == .retrying {
                    failing.append(
                        Failing(
                            remote: remote.name,
                            project: target.project,
                            url: target.url,
                            kind: error.class.rawValue,
                            error: error.message,
                            since: error.at,
                            nextRetry: target.pending?.startsInSeconds.map { "in \(Self.age($0))" }
                                ?? (target.state == .failed ? "probed until it works" : "soon")
                        )
                    )
                }
                if target.lastPushSeconds != nil || target.lastSuccess != nil {
                    latencies.append(
                        Latency(
                            remote: remote.name,
                            project: target.project,
                            url: target.url,
                            lastPush: target.lastPushSeconds.map { String(format: "%.2f s", $0) } ?? "-",
                            lastSuccess: target.lastSuccess ?? "never"
                        )
                    )
                }
            }
        }
        self.pushes = pushes
        self.failing = failing
        self.latencies = Array(latencies.prefix(Self.shownHealthyRows))
        self.moreLatencies = latencies.count > Self.shownHealthyRows ? latencies.count - Self.shownHealthyRows : nil
        self.refused = refused
        self.held = status.held.map {
            Held(
                remote: $0.remote,
                project: $0.project,
                url: $0.url,
                deletions: $0.deletions,
                reason: $0.reason,
                release: $0.release
            )
        }
        self.webhooks = status.webhooks.map(Self.webhook)
        self.hasWebhooks = !status.webhooks.isEmpty
        let drift = verifications.map { verification in
            let differences = verification.differences.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
            return Drift(
                remote: verification.remote,
                project: verification.project,
                url: verification.url,
                result: verification.result.rawValue,
                at: verification.at,
                differences: differences.isEmpty ? (verification.message ?? "-") : differences.joined(separator: ", "),
                isDrift: verification.result != .inSync && verification.result != .skipped
            )
        }
        self.drift = drift.filter(\.isDrift)
        let inSync = drift.filter { !$0.isDrift }
        self.inSync = Array(inSync.prefix(Self.shownHealthyRows))
        self.inSyncCount = inSync.count
        self.hasVerifies = !drift.isEmpty
        self.moreInSync = inSync.count > Self.shownHealthyRows ? inSync.count - Self.shownHealthyRows : nil
        self.health = Self.badge(status, failing: failing.count, held: self.held.count)
        self.isHealthy = status.ready && status.caughtUp && failing.isEmpty && self.held.isEmpty
        self.generatedAt = ISO8601Time.text(secondsSince1970: now)
    }

    /// Healthy rows (in-sync verifies, last pushes) shown on the page; the rest are counted (all of
    /// them are in `GET /status`): 600 in-sync projects made a 94 KB page, fetched every 5 s.
    static let shownHealthyRows = 50

    /// What is wrong first: not ready, failing URLs, held pushes, behind; else caught up.
    static func badge(_ status: DaemonStatus, failing: Int, held: Int) -> String {
        guard status.ready else { return status.storeError == nil ? "not ready" : "task store failing" }
        var problems: [String] = []
        if failing > 0 { problems.append(failing == 1 ? "1 URL failing" : "\(failing) URLs failing") }
        if held > 0 { problems.append(held == 1 ? "1 push held" : "\(held) pushes held") }
        if !status.caughtUp { problems.append("behind") }
        return problems.isEmpty ? "caught up" : problems.joined(separator: ", ")
    }

    /// `42 s`, `3 min`, `2.5 h`, or `-`.
    static func age(_ seconds: Double?) -> String {
        guard let seconds else { return "-" }
        if seconds < 90 { return "\(Int(seconds.rounded())) s" }
        if seconds < 5400 { return "\(Int((seconds / 60).rounded())) min" }
        return String(format: "%.1f h", seconds / 3600)
    }
}

extension StatusPageModel {
    static func webhook(_ webhook: DaemonStatus.Webhook) -> Webhook {
        let through = webhook.deliveredThrough.map { "through event \($0)" } ?? "nothing yet"
        guard let error = webhook.lastError else {
            return Webhook(
                url: webhook.url,
                state: webhook.delivering ? "delivering" : "another node delivers it",
                isFailing: false,
                detail: "\(webhook.delivered) delivered, \(through)"
            )
        }
        return Webhook(
            url: webhook.url,
            state: "failing",
            isFailing: true,
            detail: "\(webhook.failures) failed POSTs since \(webhook.failingSince ?? "-"): \(error); \(through)"
        )
    }
}
