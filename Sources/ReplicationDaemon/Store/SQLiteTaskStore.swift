import Foundation
import GRDB
package import ReplicationCore

/// The embedded store: one SQLite file in WAL mode, `synchronous = FULL`, so an event is on disk
/// (the WAL fsync'd) when ``append(_:source:wantsOutcomes:)`` returns. Concurrent appends share one
/// transaction and one fsync (``GroupCommit``). Several processes may write (`notify`, hooks,
/// `start`); one at a time runs pushes, by holding an exclusive `flock` on `PATH.lock`.
package final class SQLiteTaskStore: EventIntakeStore, EventQueueStore, StoreLifecycle {
    package let path: String
    let database: DatabasePool
    private let appends: GroupCommit<PendingAppend, Int64>

    private struct PendingAppend: Sendable {
        var event: String
        var source: EventSource
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

    package func append(_ events: [ReplicationEvent], source: EventSource, wantsOutcomes: Bool) async throws -> [Int64]
    {
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
        // An acknowledged event is an fsync'd one, whatever ran before on this connection.
        try await Self.write(in: database, synced: true) { db in
            try items.map { item in
                try db.execute(
                    sql: "INSERT INTO events (event, source, stored_at, wants_outcomes) VALUES (?, ?, ?, ?)",
                    arguments: [item.event, item.source.rawValue, item.storedAt, item.wantsOutcomes]
                )
                return db.lastInsertedRowID
            }
        }
    }

    /// Runs `body` in one transaction on the writer, its commit fsync'd (`synchronous = FULL`) or
    /// not (`NORMAL` for that commit, FULL again after). Unsynced is for the engine's bookkeeping
    /// (a push's start, an end without notices), whose loss repeats a push and nothing worse, since
    /// the events stay stored until a delivery says otherwise. The WAL is written in order, so the
    /// next synced commit (any event append) makes them durable too; only an operating-system crash
    /// or power loss can lose the last of them, never a process crash. Fsyncs one after the other
    /// on the engine's loop were most of a 600-project no-op sync's time over git's on a disk.
    static func write<T: Sendable>(
        in database: DatabasePool,
        synced: Bool,
        _ body: @escaping @Sendable (Database) throws -> T
    ) async throws -> T {
        try await database.writeWithoutTransaction { db in
            try db.run(cached: synced ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL")
            defer { if !synced { try? db.run(cached: "PRAGMA synchronous = FULL") } }
            var result: T?
            try db.inTransaction {
                result = try body(db)
                return .commit
            }
            return result!  // set: the transaction committed
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

    static func delete(_ events: [Int64], _ db: Database) throws {
        for id in events {
            try db.run(cached: "DELETE FROM deliveries WHERE event_id = ?", [id])
            try db.run(cached: "DELETE FROM events WHERE id = ?", [id])
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

    /// Other processes' events are found by polling.
    package func listenForChanges(_ onChange: @escaping @Sendable () -> Void) async {}

    package func run() async {
        while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
    }

    /// Opening the file already migrated it.
    package func prepare() async throws {}
}
