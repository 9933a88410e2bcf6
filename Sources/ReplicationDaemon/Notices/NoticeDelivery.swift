import AsyncHTTPClient
import Foundation
package import Logging
import NIOCore
import NIOHTTP1
package import ReplicationCore
import ServiceLifecycle

/// Sends Gerrit's replication events to every `replicator.webhook`: each event POSTed as JSON,
/// retried with backoff until the webhook answers 2xx, in order, with the webhook's position kept
/// in the store (a restart resumes there; one node of a cluster delivers each webhook at a time).
/// Also removes notices older than `replicator.eventRetention`.
package struct NoticeDelivery: Service {
    let store: any NoticeStore
    let signal: NoticeSignal
    let configuration: @Sendable () -> ReplicationConfiguration
    let node: String
    let metrics: ReplicationMetrics
    let board: WebhookBoard
    let logger: Logger

    /// How often the set of webhooks is compared with the configuration, and notices pruned.
    static let superviseInterval = Duration.seconds(5)
    static let pruneInterval: Double = 600
    /// Webhook retries wait 1 s, 2 s, 4 s … up to this.
    static let longestBackoff = Duration.seconds(60)
    static let postTimeout = TimeAmount.seconds(10)

    package init(
        store: any NoticeStore,
        signal: NoticeSignal,
        configuration: @escaping @Sendable () -> ReplicationConfiguration,
        node: String,
        metrics: ReplicationMetrics,
        board: WebhookBoard,
        logger: Logger
    ) {
        self.board = board
        self.store = store
        self.signal = signal
        self.configuration = configuration
        self.node = node
        self.metrics = metrics
        self.logger = logger
    }

    package func run() async throws {
        await cancelWhenGracefulShutdown { await self.supervise() }
    }

    /// Keeps one delivery loop per configured webhook (reloads add and remove them) and prunes.
    private func supervise() async {
        var deliveries: [String: Task<Void, Never>] = [:]
        var prunedAt = 0.0
        while !Task.isCancelled {
            let daemon = self.configuration().daemon
            let wanted = Set(daemon.webhooks)
            for (url, task) in deliveries where !wanted.contains(url) {
                task.cancel()
                deliveries[url] = nil
            }
            for url in wanted where deliveries[url] == nil {
                deliveries[url] = Task { await self.deliver(to: url) }
            }
            self.board.keep(only: wanted)
            let now = Date().timeIntervalSince1970
            if now - prunedAt >= Self.pruneInterval {
                prunedAt = now
                await self.prune(retention: daemon.eventRetention, now: now)
            }
            try? await Task.sleep(for: Self.superviseInterval)
        }
        for task in deliveries.values { task.cancel() }
        for task in deliveries.values { await task.value }
        // Outside the cancelled task: a store may refuse calls from one.
        let store = self.store
        let node = self.node
        do {
            try await withDeadline(shutdownCourtesy, orThrow: CourtesyTimeout()) {
                try await store.releaseNoticeCursors(node: node)
            }
        } catch {
            self.logger.warning(
                "Cannot release the webhooks' leases; they expire by themselves",
                metadata: ["error": "\(error)"]
            )
        }
    }

    private func prune(retention: Duration, now: Double) async {
        do {
            let removed = try await self.store.pruneNotices(createdBefore: now - retention.seconds)
            if removed > 0 { self.logger.debug("Old replication events removed", metadata: ["count": "\(removed)"]) }
        } catch {
            self.logger.warning("Cannot remove old replication events", metadata: ["error": "\(error)"])
        }
    }

    /// One webhook's loop: lease its cursor, POST what follows it one event at a time.
    private func deliver(to url: String) async {
        let webhook = WebhookClient(url: url, logger: self.logger)
        while !Task.isCancelled {
            let generation = self.signal.generation
            let cursor = await self.lease(url)
            self.board.update(url) { $0.delivering = cursor != nil }
            guard let cursor, let batch = try? await self.store.notices(after: cursor, limit: 50) else {
                // Another node delivers it, or the store cannot answer: look again later.
                try? await Task.sleep(for: .seconds(2))
                continue
            }
            for notice in batch.notices {
                guard await self.post(notice, to: webhook), !Task.isCancelled else { break }
                // Renewed with each acknowledgement: a long batch keeps the lease.
                let advanced = try? await self.store.advanceNoticeCursor(
                    url,
                    node: self.node,
                    to: notice.id,
                    until: self.leaseEnd()
                )
                guard advanced == true else { break }
                self.board.accepted(url, through: notice.id)
            }
            if batch.notices.isEmpty, batch.lastID > cursor {
                _ = try? await self.store.advanceNoticeCursor(
                    url,
                    node: self.node,
                    to: batch.lastID,
                    until: self.leaseEnd()
                )
            }
            if batch.notices.isEmpty { await self.signal.wait(since: generation, timeout: .seconds(2)) }
        }
    }

    private func lease(_ url: String) async -> Int64? {
        try? await self.store.leaseNoticeCursor(
            url,
            node: self.node,
            now: Date().timeIntervalSince1970,
            until: self.leaseEnd()
        )
    }

    /// When a lease taken or renewed now ends (`replicator.leaseTimeout`).
    private func leaseEnd() -> Double {
        Date().timeIntervalSince1970 + self.configuration().daemon.leaseTimeout.seconds
    }

    /// POSTs until a 2xx (`true`), renewing the lease between attempts; `false` when cancelled or
    /// the lease went to another node.
    private func post(_ notice: StoredNotice, to webhook: WebhookClient) async -> Bool {
        var attempt = 0
        while !Task.isCancelled {
            let failure = await webhook.post(notice, token: self.configuration().daemon.webhookToken)
            self.metrics.webhookPosted(webhook: webhook.url, accepted: failure == nil)
            guard let failure else { return true }
            self.board.failed(webhook.url, error: failure, at: Date().timeIntervalSince1970)
            attempt += 1
            let wait = min(Self.longestBackoff, .seconds(1 << min(attempt - 1, 6)))
            self.logger.warning(
                "Webhook did not accept a replication event; will retry",
                metadata: [
                    "replication.webhook": "\(Credentials.redact(webhook.url))", "replication.notice": "\(notice.id)",
                    "replication.attempt": "\(attempt)", "replication.retry.in": "\(wait)", "error": "\(failure)",
                ]
            )
            try? await Task.sleep(for: wait)
            guard await self.lease(webhook.url) != nil else { return false }
        }
        return false
    }
}

/// One webhook URL, POSTed to through AsyncHTTPClient's shared client.
struct WebhookClient: Sendable {
    let url: String
    let logger: Logger

    /// `nil` when the webhook answered 2xx, else what went wrong (credentials redacted).
    func post(_ notice: StoredNotice, token: String?) async -> String? {
        do {
            var request = HTTPClientRequest(url: self.url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "User-Agent", value: "replicator")
            request.headers.add(name: "X-Replicator-Event-Id", value: "\(notice.id)")
            request.headers.add(name: "X-Gerrit-Event", value: notice.notice.type.rawValue)
            if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
            request.body = .bytes(ByteBuffer(bytes: try DaemonHTTP.jsonEncoder().encode(notice)))
            let response = try await HTTPClient.shared.execute(
                request,
                timeout: NoticeDelivery.postTimeout,
                logger: self.logger
            )
            _ = try? await response.body.collect(upTo: 1 << 16)
            guard (200..<300).contains(response.status.code) else { return "HTTP \(response.status.code)" }
            return nil
        } catch {
            return Credentials.redact("\(error)")
        }
    }
}
