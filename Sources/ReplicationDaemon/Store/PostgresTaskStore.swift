import Foundation
package import Logging
import NIOCore
import PostgresNIO
package import ReplicationCore

/// The shared store: any number of `replicator serve` nodes push from one PostgreSQL database.
/// A node claims a project with a lease (`project_leases`, renewed while it works, taken over by
/// another node once it expires) and then every stored event of that project, so the pushes to a
/// project's URLs run on one node at a time. Appends `NOTIFY replicator_events`; idle nodes `LISTEN`.
package final class PostgresTaskStore: EventIntakeStore, EventQueueStore, StoreLifecycle {
    package static let channel = "replicator_events"

    let client: PostgresClient
    let logger: Logger
    let leaseSeconds: Double
    /// Projects a node takes per claim, so that idle nodes get a share of a burst.
    let projectsPerClaim: Int
    private let appends: GroupCommit<PendingAppend, Int64>

    /// - Parameters:
    ///   - url: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=require]`.
    ///   - leaseTimeout: how long a node's claims outlive its last renewal.
    package init(
        url: String,
        leaseTimeout: Duration,
        connectTimeout: Duration = .seconds(10),
        projectsPerClaim: Int = 8,
        logger: Logger
    ) throws {
        guard let components = URLComponents(string: url),
            components.scheme == "postgres" || components.scheme == "postgresql",
            let host = components.host
        else {
            throw TaskStoreError(
                code: "url",
                message:
                    "invalid PostgreSQL URL '\(Credentials.redact(url))': expected postgres://USER@HOST[:PORT]/DATABASE"
            )
        }
        let requireTLS = components.queryItems?.contains { $0.name == "sslmode" && $0.value == "require" } == true
        let database = components.path.drop { $0 == "/" }
        var configuration = PostgresClient.Configuration(
            host: host,
            port: components.port ?? 5432,
            username: components.user ?? "postgres",
            password: components.password,
            database: database.isEmpty ? nil : String(database),
            tls: requireTLS ? .require(.makeClientConfiguration()) : .disable
        )
        configuration.options.maximumConnections = 8
        configuration.options.connectTimeout = connectTimeout
        configuration.options.additionalStartupParameters = Self.sessionSettings(
            leaseTimeout: leaseTimeout,
            storeTimeout: connectTimeout
        )
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        self.appends = GroupCommit { items in try await Self.insert(items, client: client, logger: logger) }
        self.logger = logger
        self.leaseSeconds = Double(leaseTimeout.components.seconds)
        self.projectsPerClaim = projectsPerClaim
    }

    /// Every session's limits: a node cut off in the middle of a transaction (a partition) must not
    /// hold its row locks until TCP gives up hours later, or no other node could take its projects
    /// over: the server ends a transaction left idle for a third of the lease, and a statement
    /// never waits for a lock longer than the store timeout.
    static func sessionSettings(leaseTimeout: Duration, storeTimeout: Duration) -> [(String, String)] {
        let milliseconds = { (duration: Duration) in
            String(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
        }
        return [
            ("idle_in_transaction_session_timeout", milliseconds(max(.seconds(1), leaseTimeout / 3))),
            ("lock_timeout", milliseconds(storeTimeout)),
        ]
    }

    /// A setting as this store's sessions have it: what tests check (the effect, not the call).
    package func sessionSetting(_ name: String) async throws -> String {
        let rows = try await self.client.query("SELECT current_setting(\(name))", logger: self.logger)
        var value = ""
        for try await setting in rows.decode(String.self) { value = setting }
        return value
    }

    package func run() async {
        await self.client.run()
    }

    package func prepare() async throws {
        try await PostgresSchema.migrate(self.client, logger: self.logger)
    }

    package func append(_ events: [ReplicationEvent], source: EventSource, wantsOutcomes: Bool) async throws -> [Int64]
    {
        let now = Date().timeIntervalSince1970
        let items = try events.map { event in
            PendingAppend(
                event: String(decoding: try JSONEncoder().encode(event), as: UTF8.self),
                project: event.project,
                source: source.rawValue,
                wantsOutcomes: wantsOutcomes,
                storedAt: now
            )
        }
        return try await self.appends.submit(items)
    }

    struct PendingAppend: Sendable {
        var event: String
        var project: String
        var source: String
        var wantsOutcomes: Bool
        var storedAt: Double
    }

    /// One transaction (one commit, one WAL flush with `synchronous_commit = on`) for a group of appends.
    private static func insert(_ items: [PendingAppend], client: PostgresClient, logger: Logger) async throws
        -> [Int64]
    {
        try await client.withTransaction(logger: logger) { connection in
            // A server or role default of `off` would acknowledge before the WAL is flushed.
            try await connection.query("SET LOCAL synchronous_commit = on", logger: logger)
            var ids: [Int64] = []
            for item in items {
                let rows = try await connection.query(
                    """
                    INSERT INTO events (event, project, source, stored_at, wants_outcomes)
                    VALUES (\(item.event), \(item.project), \(item.source), \(item.storedAt), \(item.wantsOutcomes))
                    RETURNING id
                    """,
                    logger: logger
                )
                for try await id in rows.decode(Int64.self) { ids.append(id) }
            }
            try await connection.query("NOTIFY replicator_events", logger: logger)
            return ids
        }
    }

    package func claimEvents(node: String, only: Set<Int64>?, limit: Int) async throws -> [StoredEvent] {
        let onlyIDs = only.map { Array($0) }
        let lease = self.leaseSeconds
        let perClaim = self.projectsPerClaim
        return try await self.client.withTransaction(logger: self.logger) { connection in
            // Take projects that have events and no live lease (new ones, or a dead node's).
            try await connection.query(
                """
                INSERT INTO project_leases (project, node, expires_at, epoch)
                SELECT project, \(node), now() + make_interval(secs => \(lease)), nextval('lease_epochs') FROM (
                    SELECT DISTINCT e.project FROM events e
                    WHERE (\(onlyIDs)::bigint[] IS NULL OR e.id = ANY(\(onlyIDs)::bigint[]))
                      AND NOT EXISTS (
                        SELECT 1 FROM project_leases l WHERE l.project = e.project AND l.expires_at > now())
                    LIMIT \(perClaim)
                ) free
                ON CONFLICT (project) DO UPDATE SET node = EXCLUDED.node, expires_at = EXCLUDED.expires_at,
                    epoch = EXCLUDED.epoch
                WHERE project_leases.expires_at <= now()
                """,
                logger: self.logger
            )
            let rows = try await connection.query(
                """
                UPDATE events SET claimed_by = \(node) WHERE id IN (
                    SELECT e.id FROM events e JOIN project_leases l ON l.project = e.project
                    WHERE l.node = \(node) AND l.expires_at > now() AND e.claimed_by IS DISTINCT FROM \(node)
                      AND (\(onlyIDs)::bigint[] IS NULL OR e.id = ANY(\(onlyIDs)::bigint[]))
                    ORDER BY e.id LIMIT \(limit) FOR UPDATE OF e SKIP LOCKED)
                RETURNING id, event, stored_at, wants_outcomes
                """,
                logger: self.logger
            )
            return try await Self.storedEvents(rows, connection: connection, logger: self.logger)
        }
    }

    package func heldEvents(node: String) async throws -> [StoredEvent] {
        try await self.client.withConnection { connection in
            let rows = try await connection.query(
                "SELECT id, event, stored_at, wants_outcomes FROM events WHERE claimed_by = \(node) ORDER BY id",
                logger: self.logger
            )
            return try await Self.storedEvents(rows, connection: connection, logger: self.logger)
        }
    }

    private static func storedEvents(
        _ rows: PostgresRowSequence,
        connection: PostgresConnection,
        logger: Logger
    ) async throws -> [StoredEvent] {
        var events: [StoredEvent] = []
        for try await (id, text, storedAt, wantsOutcomes) in rows.decode((Int64, String, Double, Bool).self) {
            // An event that cannot be decoded must not stop the others: left where it is, and said.
            guard let event = try? JSONDecoder().decode(ReplicationEvent.self, from: Data(text.utf8)) else {
                logger.error("A stored event cannot be read; it is left in the store", metadata: ["event.id": "\(id)"])
                continue
            }
            events.append(StoredEvent(id: id, event: event, storedAt: storedAt, wantsOutcomes: wantsOutcomes))
        }
        guard !events.isEmpty else { return [] }
        let ids = events.map(\.id)
        var delivered: [Int64: Set<PushTarget>] = [:]
        let projects = Dictionary(uniqueKeysWithValues: events.map { ($0.id, $0.event.project) })
        let deliveries = try await connection.query(
            "SELECT event_id, remote, url FROM deliveries WHERE event_id = ANY(\(ids))",
            logger: logger
        )
        for try await (id, remote, url) in deliveries.decode((Int64, String, String).self) {
            delivered[id, default: []].insert(PushTarget(remote: remote, url: url, project: projects[id] ?? ""))
        }
        return events.map { event in
            var event = event
            event.delivered = delivered[event.id] ?? []
            return event
        }.sorted { $0.id < $1.id }
    }

    package func heldPushes() async throws -> [HeldPush] {
        let rows = try await self.client.query(
            "SELECT remote, url, project, deletions, reason, held_at FROM held ORDER BY project, remote, url",
            logger: self.logger
        )
        var held: [HeldPush] = []
        for try await (remote, url, project, deletions, reason, heldAt) in rows.decode(
            (String, String, String, Int, String, Double).self
        ) {
            held.append(
                HeldPush(
                    target: PushTarget(remote: remote, url: url, project: project),
                    deletions: deletions,
                    reason: reason,
                    heldAt: heldAt
                )
            )
        }
        return held
    }

    package func summary() async throws -> StoreSummary {
        let rows = try await self.client.query("SELECT count(*), min(stored_at) FROM events", logger: self.logger)
        for try await (count, oldest) in rows.decode((Int, Double?).self) {
            return StoreSummary(pendingEvents: count, oldestStoredAt: oldest)
        }
        return StoreSummary(pendingEvents: 0, oldestStoredAt: nil)
    }

    package func listenForChanges(_ onChange: @escaping @Sendable () -> Void) async {
        while !Task.isCancelled {
            do {
                try await self.client.withConnection { connection in
                    try await connection.listen(on: Self.channel) { notifications in
                        for try await _ in notifications { onChange() }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                self.logger.warning("Lost the change notifications; listening again", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}
