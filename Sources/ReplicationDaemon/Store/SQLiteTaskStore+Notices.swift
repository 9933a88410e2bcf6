import Foundation
import GRDB
package import ReplicationCore

/// The notice log: one row per notice, its JSON as Gerrit's fields; webhook cursors beside it.
extension SQLiteTaskStore: NoticeStore {
    package func appendNotices(_ notices: [ReplicationNotice]) async throws {
        guard !notices.isEmpty else { return }
        let rows = try notices.map { (Double($0.eventCreatedOn), try NoticeCoding.body(of: $0)) }
        try await self.database.write { db in
            let statement = try db.cachedStatement(sql: "INSERT INTO notices (created_at, body) VALUES (?, ?)")
            for (createdAt, body) in rows { try statement.execute(arguments: [createdAt, body]) }
        }
    }

    package func notices(after id: Int64, limit: Int) async throws -> NoticeBatch {
        try await self.database.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT id, body FROM notices WHERE id > ? ORDER BY id LIMIT ?",
                arguments: [id, limit]
            )
            return NoticeCoding.batch(rows.map { ($0["id"], $0["body"]) }, after: id)
        }
    }

    package func lastNoticeID() async throws -> Int64 {
        // AUTOINCREMENT's counter: pruning all notices does not lower it.
        try await self.database.read { db in
            try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'notices'") ?? 0
        }
    }

    package func pruneNotices(createdBefore seconds: Double) async throws -> Int {
        try await self.database.write { db in
            try db.execute(sql: "DELETE FROM notices WHERE created_at < ?", arguments: [seconds])
            return db.changesCount
        }
    }

    package func leaseNoticeCursor(_ subscriber: String, node: String, now: Double, until: Double) async throws
        -> Int64?
    {
        try await self.database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO notice_cursors (subscriber, last_id, node, lease_until)
                    VALUES (?, (SELECT COALESCE(MAX(id), 0) FROM notices), ?, ?)
                    ON CONFLICT (subscriber) DO NOTHING
                    """,
                arguments: [subscriber, node, until]
            )
            try db.execute(
                sql: """
                    UPDATE notice_cursors SET node = ?, lease_until = ?
                    WHERE subscriber = ? AND (node = ? OR lease_until < ?)
                    """,
                arguments: [node, until, subscriber, node, now]
            )
            guard db.changesCount == 1 else { return nil }
            return try Int64.fetchOne(
                db,
                sql: "SELECT last_id FROM notice_cursors WHERE subscriber = ?",
                arguments: [subscriber]
            )
        }
    }

    package func advanceNoticeCursor(_ subscriber: String, node: String, to id: Int64, until: Double) async throws
        -> Bool
    {
        try await self.database.write { db in
            try db.execute(
                sql: """
                    UPDATE notice_cursors SET last_id = MAX(last_id, ?), lease_until = ?
                    WHERE subscriber = ? AND node = ?
                    """,
                arguments: [id, until, subscriber, node]
            )
            return db.changesCount == 1
        }
    }

    package func releaseNoticeCursors(node: String) async throws {
        try await self.database.write { db in
            try db.execute(sql: "UPDATE notice_cursors SET lease_until = 0 WHERE node = ?", arguments: [node])
        }
    }
}

/// How the stores keep a notice: Gerrit's JSON fields as text.
enum NoticeCoding {
    static func body(of notice: ReplicationNotice) throws -> String {
        String(decoding: try JSONEncoder().encode(notice), as: UTF8.self)
    }

    /// Stored rows as a batch; a body this version cannot read is skipped (its id still counts).
    static func batch(_ rows: [(id: Int64, body: String)], after id: Int64) -> NoticeBatch {
        let notices = rows.compactMap { row in
            (try? JSONDecoder().decode(ReplicationNotice.self, from: Data(row.body.utf8))).map {
                StoredNotice(id: row.id, notice: $0)
            }
        }
        return NoticeBatch(notices: notices, lastID: rows.last?.id ?? id)
    }
}
