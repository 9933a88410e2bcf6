import Foundation
import GRDB
package import ReplicationCore

/// The notice log: one row per notice, a column per Gerrit field (no encoding on the engine's
/// path: a full sync of 100k refs stores 100k `ref-replicated`); webhook cursors beside it.
extension SQLiteTaskStore: NoticeStore {
    /// Stores `notices` in the transaction `db` is in (``StoreWrite/notices(_:)``).
    static func append(_ notices: [ReplicationNotice], _ db: Database) throws {
        guard !notices.isEmpty else { return }
        var rows = try SQLiteRows(
            """
            INSERT INTO notices (created_at, type, project, ref, target_uri, target_node, status, ref_status,
                nodes_count)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            in: db
        )
        for notice in notices {
            rows.bind(notice.eventCreatedOn)
            rows.bind(notice.type.rawValue)
            rows.bind(notice.project)
            rows.bind(notice.ref)
            rows.bind(notice.targetUri)
            rows.bind(notice.targetNode)
            rows.bind(notice.status?.rawValue)
            rows.bind(notice.refStatus?.rawValue)
            rows.bind(notice.nodesCount)
            try rows.insert()
        }
    }

    package func notices(after id: Int64, limit: Int) async throws -> NoticeBatch {
        try await self.database.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT * FROM notices WHERE id > ? ORDER BY id LIMIT ?",
                arguments: [id, limit]
            )
            let notices = rows.compactMap { row in
                StoredNotice.decoded(
                    id: row["id"],
                    createdAt: row["created_at"],
                    type: row["type"],
                    project: row["project"],
                    ref: row["ref"],
                    targetUri: row["target_uri"],
                    targetNode: row["target_node"],
                    status: row["status"],
                    refStatus: row["ref_status"],
                    nodesCount: row["nodes_count"]
                )
            }
            return NoticeBatch(notices: notices, lastID: rows.last?["id"] ?? id)
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

extension StoredNotice {
    /// A stored row; `nil` for a type or status this version does not know.
    static func decoded(
        id: Int64,
        createdAt: Int,
        type: String,
        project: String,
        ref: String?,
        targetUri: String?,
        targetNode: String?,
        status: String?,
        refStatus: String?,
        nodesCount: Int?
    ) -> StoredNotice? {
        guard let kind = ReplicationNotice.Kind(rawValue: type) else { return nil }
        let pushResult = status.map(ReplicationNotice.PushResult.init(rawValue:))
        let remoteStatus = refStatus.map(ReplicationNotice.RemoteRefStatus.init(rawValue:))
        if pushResult == .some(nil) || remoteStatus == .some(nil) { return nil }
        let target = targetUri.map { NoticeTarget(uri: $0, node: targetNode ?? $0) }
        let notice = ReplicationNotice(
            type: kind,
            project: project,
            ref: ref,
            target: target,
            status: pushResult ?? nil,
            refStatus: remoteStatus ?? nil,
            nodesCount: nodesCount,
            eventCreatedOn: createdAt
        )
        return StoredNotice(id: id, notice: notice)
    }
}
