import Foundation
import ReplicationCore
import Synchronization

/// Each webhook's delivery as `/status` and the status page show it; written by ``NoticeDelivery``.
package final class WebhookBoard: Sendable {
    private let entries = Mutex<[String: DaemonStatus.Webhook]>([:])

    package init() {}

    /// Every configured webhook, by URL (credentials redacted).
    package var webhooks: [DaemonStatus.Webhook] {
        self.entries.withLock { Array($0.values) }.sorted { $0.url < $1.url }
    }

    func update(_ url: String, _ change: (inout DaemonStatus.Webhook) -> Void) {
        self.entries.withLock { entries in
            var entry = entries[url] ?? DaemonStatus.Webhook(url: Credentials.redact(url))
            change(&entry)
            entries[url] = entry
        }
    }

    func accepted(_ url: String, through id: Int64) {
        self.update(url) { entry in
            entry.deliveredThrough = id
            entry.delivered += 1
            entry.failures = 0
            entry.lastError = nil
            entry.failingSince = nil
        }
    }

    func failed(_ url: String, error: String, at seconds: Double) {
        self.update(url) { entry in
            entry.failures += 1
            entry.lastError = error
            if entry.failingSince == nil {
                entry.failingSince = ISO8601Time.text(secondsSince1970: seconds)
            }
        }
    }

    func keep(only urls: Set<String>) {
        self.entries.withLock { entries in entries = entries.filter { urls.contains($0.key) } }
    }
}

extension DaemonStatus {
    /// One `replicator.webhook` as this node delivers it (`/status` → `webhooks`).
    package struct Webhook: Hashable, Sendable, Codable {
        package var url: String
        /// This node holds its lease; `false` while another node of the cluster delivers it.
        package var delivering = false
        /// The last event it acknowledged (`id`).
        package var deliveredThrough: Int64?
        /// Events it acknowledged since this daemon started.
        package var delivered = 0
        /// Consecutive failed POSTs of the event it is on, and the last one's error.
        package var failures = 0
        package var lastError: String?
        package var failingSince: String?

        package init(url: String) {
            self.url = url
        }
    }
}
