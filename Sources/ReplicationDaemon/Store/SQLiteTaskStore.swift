import Foundation
import GRDB
package import ReplicationCore

/// The embedded store: one SQLite file in WAL mode, `synchronous = FULL`, so an event is on disk
/// (the WAL fsync'd) when ``append(_:source:wantsOutcomes:)`` returns. Concurrent appends share one
/// transaction and one fsync (``GroupCommit``). Several processes may write (`notify`, hooks,
/// `start`); one at a time runs pushes, by holding an exclusive `flock` on `PATH.lock`.
package final class SQLiteTaskStore: TaskStore {
    package let path: String
    private let database: DatabasePool
    private let appends: GroupCommit<PendingAppend, Int64>

    private struct PendingAppend: Sendable {
        var event: String
        var source: String
        var wantsOutcomes: Bool
        var storedAt: Double
    }

    /// Opens (creating and migrating when needed) the store at `path`.
    package init(path: String) throws {
        self.path = path
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        do {
            let database = try DatabasePool(path: path, configuration: configuration)
            self.database = database
            // GRDB's WAL set-up runs `synchronous = NORMAL` on the writer after `prepareDatabase`
            // (no fsync per commit); set FULL on the one writing connection once it is open.
            try database.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            self.appends = GroupCommit { items in try await Self.insert(items, into: database) }
            try Self.migrator.migrate(self.database)
            // Outcomes a `start --wait` never read (it was interrupted) go after a day.
            try self.database.write { db in
                try db.execute(
                    sql: "DELETE FROM outcomes WHERE recorded_at < ?",
                    arguments: [Date().timeIntervalSince1970 - 86_400]
                )
            }
        } catch {
            throw TaskStoreError(code: "open", message: "cannot open the task store \(path): \(error)")
        }
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE events (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        event TEXT NOT NULL,
                        source TEXT NOT NULL,
                        stored_at REAL NOT NULL,
                        wants_outcomes INTEGER NOT NULL,
                        planned INTEGER
                    );
                    CREATE TABLE deliveries (
                        event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
                        remote TEXT NOT NULL,
                        url TEXT NOT NULL,
                        PRIMARY KEY (event_id, remote, url)
                    );
                    CREATE TABLE outcomes (
                        event_id INTEGER NOT NULL,
                        remote TEXT NOT NULL,
                        url TEXT NOT NULL,
                        outcome TEXT NOT NULL,
                        recorded_at REAL NOT NULL,
                        PRIMARY KEY (event_id, remote, url)
                    );
                    """
            )
        }
        migrator.registerMigration("v2: claims and running pushes") { db in
            try db.execute(
                sql: """
                    ALTER TABLE events ADD COLUMN claimed_by TEXT;
                    CREATE TABLE running (
                        remote TEXT NOT NULL,
                        url TEXT NOT NULL,
                        project TEXT NOT NULL,
                        node TEXT NOT NULL,
                        started_at REAL NOT NULL,
                        PRIMARY KEY (remote, url)
                    );
                    """
            )
        }
        migrator.registerMigration("v3: held pushes") { db in
            try db.execute(
                sql: """
                    CREATE TABLE held (
                        remote TEXT NOT NULL,
                        url TEXT NOT NULL,
                        project TEXT NOT NULL,
                        deletions INTEGER NOT NULL,
                        reason TEXT NOT NULL,
                        held_at REAL NOT NULL,
                        PRIMARY KEY (remote, url)
                    );
                    """
            )
        }
        migrator.registerMigration("v4: unclaimed events index") { db in
            // Claims read the unclaimed events only; a backlog of claimed ones costs them nothing.
            try db.execute(sql: "CREATE INDEX events_unclaimed ON events (id) WHERE claimed_by IS NULL")
        }
        return migrator
    }

    package func append(_ events: [ReplicationEvent], source: String, wantsOutcomes: Bool) async throws -> [Int64] {
        let now = Date().timeIntervalSince1970
        let items = try events.map { event in
            PendingAppend(
                event: String(decoding: try JSONEncoder().encode(event), as: UTF8.self),
                source: source,
                wantsOutcomes: wantsOutcomes,
                storedAt: now
            )
        }
        return try await self.appends.submit(items)
    }

    private static func insert(_ items: [PendingAppend], into database: DatabasePool) async throws -> [Int64] {
        try await database.write { db in
            try items.map { item in
                try db.execute(
                    sql: "INSERT INTO events (event, source, stored_at, wants_outcomes) VALUES (?, ?, ?, ?)",
                    arguments: [item.event, item.source, item.storedAt, item.wantsOutcomes]
                )
                return db.lastInsertedRowID
            }
        }
    }

    /// `PRAGMA synchronous` as the writing connection has it (2 = FULL): what durability rests on.
    package func writerSynchronousMode() async throws -> Int {
        try await self.database.writeWithoutTransaction { db in
            try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1
        }
    }

    package func claimEvents(node: String, only: Set<Int64>?, limit: Int) async throws -> [StoredEvent] {
        let filter = only.map { ids in " AND id IN (\(ids.map(String.init).joined(separator: ",")))" } ?? ""
        return try await self.database.write { db in
            // Claims of processes that pushed before are released when the lock is taken, so what
            // another node does not hold is exactly what no node holds.
            let ids = try Int64.fetchAll(
                db,
                sql: "SELECT id FROM events WHERE claimed_by IS NULL\(filter) ORDER BY id LIMIT ?",
                arguments: [limit]
            )
            guard !ids.isEmpty else { return [] }
            let list = ids.map(String.init).joined(separator: ",")
            try db.execute(sql: "UPDATE events SET claimed_by = ? WHERE id IN (\(list))", arguments: [node])
            let events = try Self.storedEvents(db, where: "id IN (\(list))", [])
            // A row no event decodes from (written by another version, damaged) must not stop every
            // claim after it: it is set aside, kept for a person, and counted in the summary.
            let unreadable = Set(ids).subtracting(events.map(\.id))
            if !unreadable.isEmpty {
                let list = unreadable.map(String.init).joined(separator: ",")
                try db.execute(
                    sql: "UPDATE events SET claimed_by = ? WHERE id IN (\(list))",
                    arguments: [Self.unreadableMark]
                )
            }
            return events
        }
    }

    /// `claimed_by` of events that cannot be decoded: never claimed again.
    static let unreadableMark = "!unreadable"

    package func heldEvents(node: String) async throws -> [StoredEvent] {
        try await self.database.read { db in
            try Self.storedEvents(db, where: "claimed_by = ?", [node])
        }
    }

    /// One process pushes from an SQLite store (the lock): its claims need no renewal.
    package func renewLeases(node: String) async throws {}

    package func releaseLeases(node: String) async throws {
        try await self.database.write { db in
            try db.execute(sql: "UPDATE events SET claimed_by = NULL WHERE claimed_by = ?", arguments: [node])
            try db.execute(sql: "DELETE FROM running WHERE node = ?", arguments: [node])
        }
    }

    private static func storedEvents(_ db: Database, where condition: String, _ arguments: StatementArguments) throws
        -> [StoredEvent]
    {
        let rows = try Row.fetchAll(
            db,
            sql: "SELECT id, event, stored_at, wants_outcomes FROM events WHERE \(condition) ORDER BY id",
            arguments: arguments
        )
        let events = rows.compactMap { row -> StoredEvent? in
            let text: String = row["event"]
            guard let event = try? JSONDecoder().decode(ReplicationEvent.self, from: Data(text.utf8)) else {
                return nil
            }
            return StoredEvent(
                id: row["id"],
                event: event,
                storedAt: row["stored_at"],
                wantsOutcomes: row["wants_outcomes"]
            )
        }
        guard let first = events.first?.id, let last = events.last?.id else { return [] }
        var delivered: [Int64: Set<PushTarget>] = [:]
        let projects = Dictionary(uniqueKeysWithValues: events.map { ($0.id, $0.event.project) })
        let deliveries = try Row.fetchAll(
            db,
            sql: "SELECT event_id, remote, url FROM deliveries WHERE event_id BETWEEN ? AND ?",
            arguments: [first, last]
        )
        for row in deliveries {
            let id: Int64 = row["event_id"]
            guard let project = projects[id] else { continue }
            delivered[id, default: []].insert(PushTarget(remote: row["remote"], url: row["url"], project: project))
        }
        return events.map { event in
            var event = event
            event.delivered = delivered[event.id] ?? []
            return event
        }
    }

    package func recordPlanned(_ counts: [Int64: Int]) async throws {
        try await self.database.write { db in
            for (id, count) in counts {
                try db.execute(sql: "UPDATE events SET planned = ? WHERE id = ?", arguments: [count, id])
            }
        }
    }

    package func recordDelivery(of events: [Int64], to target: PushTarget, completed: [Int64]) async throws {
        try await self.database.write { db in
            for id in events {
                try db.execute(
                    sql:
                        "INSERT OR IGNORE INTO deliveries (event_id, remote, url) SELECT id, ?, ? FROM events WHERE id = ?",
                    arguments: [target.remote, target.url, id]
                )
            }
            for id in completed {
                try db.execute(sql: "DELETE FROM deliveries WHERE event_id = ?", arguments: [id])
                try db.execute(sql: "DELETE FROM events WHERE id = ?", arguments: [id])
            }
        }
    }

    package func recordOutcome(_ outcome: PushOutcomeRecord, for events: [Int64]) async throws {
        let encoded = String(decoding: try JSONEncoder().encode(outcome), as: UTF8.self)
        let now = Date().timeIntervalSince1970
        try await self.database.write { db in
            for id in events {
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO outcomes (event_id, remote, url, outcome, recorded_at)
                        SELECT id, ?, ?, ?, ? FROM events WHERE id = ? AND wants_outcomes
                        """,
                    arguments: [outcome.target.remote, outcome.target.url, encoded, now, id]
                )
            }
        }
    }

    package func recordHeld(_ target: PushTarget, deletions: Int, reason: String?) async throws {
        let now = Date().timeIntervalSince1970
        try await self.database.write { db in
            if let reason {
                try db.execute(
                    sql: """
                        INSERT OR REPLACE INTO held (remote, url, project, deletions, reason, held_at)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [target.remote, target.url, target.project, deletions, reason, now]
                )
            } else {
                try db.execute(
                    sql: "DELETE FROM held WHERE remote = ? AND url = ?",
                    arguments: [target.remote, target.url]
                )
            }
        }
    }

    package func heldPushes() async throws -> [HeldPush] {
        try await self.database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM held ORDER BY project, remote, url").map { row in
                HeldPush(
                    target: PushTarget(remote: row["remote"], url: row["url"], project: row["project"]),
                    deletions: row["deletions"],
                    reason: row["reason"],
                    heldAt: row["held_at"]
                )
            }
        }
    }

    package func progress(of events: [Int64]) async throws -> [EventProgress] {
        let list = events.map(String.init).joined(separator: ",")
        return try await self.database.read { db in
            var planned: [Int64: Int?] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, planned FROM events WHERE id IN (\(list))") {
                planned[row["id"]] = .some(row["planned"])
            }
            var outcomes: [Int64: [PushOutcomeRecord]] = [:]
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT event_id, outcome FROM outcomes WHERE event_id IN (\(list)) ORDER BY event_id, remote, url"
            )
            for row in rows {
                let text: String = row["outcome"]
                outcomes[row["event_id"], default: []].append(
                    try JSONDecoder().decode(PushOutcomeRecord.self, from: Data(text.utf8))
                )
            }
            return events.map { EventProgress(id: $0, stored: planned[$0], outcomes: outcomes[$0] ?? []) }
        }
    }

    package func outcomeCount(of events: [Int64]) async throws -> Int {
        let list = events.map(String.init).joined(separator: ",")
        return try await self.database.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM outcomes WHERE event_id IN (\(list))") ?? 0
        }
    }

    package func removeOutcomes(of events: [Int64]) async throws {
        try await self.database.write { db in
            for id in events { try db.execute(sql: "DELETE FROM outcomes WHERE event_id = ?", arguments: [id]) }
        }
    }

    package func summary() async throws -> StoreSummary {
        try await self.database.read { db in
            let row = try Row.fetchOne(
                db,
                sql: "SELECT count(*) AS n, min(stored_at) AS oldest, sum(claimed_by = ?) AS unreadable FROM events",
                arguments: [Self.unreadableMark]
            )
            var summary = StoreSummary(pendingEvents: row?["n"] ?? 0, oldestStoredAt: row?["oldest"])
            let unreadable: Int = row?["unreadable"] ?? 0
            summary.unreadableEvents = unreadable > 0 ? unreadable : nil
            return summary
        }
    }

    package func acquireExecutorLease(wait: Bool) async throws -> (any ExecutorLease)? {
        guard let lock = try await FileLock.acquire(path: self.path + ".lock", wait: wait) else { return nil }
        // Whoever pushed before is gone: what it ran is not running any more, what it claimed is free.
        try await self.database.write { db in
            try db.execute(sql: "DELETE FROM running")
            try db.execute(sql: "UPDATE events SET claimed_by = NULL WHERE claimed_by IS NOT NULL")
        }
        return lock
    }

    @discardableResult
    package func recordPush(_ target: PushTarget, node: String, running: Bool) async throws -> Bool {
        let now = Date().timeIntervalSince1970
        try await self.database.write { db in
            if running {
                try db.execute(
                    sql:
                        "INSERT OR REPLACE INTO running (remote, url, project, node, started_at) VALUES (?, ?, ?, ?, ?)",
                    arguments: [target.remote, target.url, target.project, node, now]
                )
            } else {
                try db.execute(
                    sql: "DELETE FROM running WHERE remote = ? AND url = ? AND node = ?",
                    arguments: [target.remote, target.url, node]
                )
            }
        }
        return true
    }

    package func cluster() async throws -> [ClusterNode] {
        try await self.database.read { db in
            var nodes: [String: ClusterNode] = [:]
            let held = try Row.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT claimed_by, json_extract(event, '$.project') AS project FROM events
                    WHERE claimed_by IS NOT NULL ORDER BY project
                    """
            )
            for row in held {
                let node: String = row["claimed_by"]
                nodes[node, default: ClusterNode(name: node, projects: [], pushing: [])].projects.append(row["project"])
            }
            for row in try Row.fetchAll(db, sql: "SELECT node, url FROM running ORDER BY url") {
                let node: String = row["node"]
                nodes[node, default: ClusterNode(name: node, projects: [], pushing: [])].pushing.append(row["url"])
            }
            return nodes.values.sorted { $0.name < $1.name }
        }
    }

    /// Other processes' events are found by polling.
    package func listenForChanges(_ onChange: @escaping @Sendable () -> Void) async {}

    package func run() async {
        while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
    }

    /// Opening the file already migrated it.
    package func prepare() async throws {}
}
