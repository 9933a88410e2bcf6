import Foundation
import GRDB
package import ReplicationCore

/// The notice log: a row per notice, a column per Gerrit field, except that a push's
/// `ref-replicated` notices share rows (``SQLiteNoticeBatch``); webhook cursors beside it.
extension SQLiteTaskStore: NoticeStore {
    /// Stores `notices` in the transaction `db` is in (``StoreWrite/notices(_:)``), numbered on from
    /// the table's AUTOINCREMENT counter.
    static func append(_ notices: [ReplicationNotice], _ db: Database) throws {
        guard !notices.isEmpty else { return }
        let counter = try db.cachedStatement(sql: "SELECT seq FROM sqlite_sequence WHERE name = 'notices'")
        var next = try (Int64.fetchOne(counter) ?? 0) + 1
        var rows = try SQLiteRows(
            """
            INSERT INTO notices (id, created_at, type, project, ref, target_uri, target_node, status, ref_status,
                nodes_count, refs, count)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            in: db
        )
        var start = 0
        while start < notices.count {
            let end = SQLiteNoticeBatch.end(of: notices, from: start)
            let count = end - start
            let notice = notices[start]
            let id = next + Int64(count) - 1  // the last id of the row's range
            rows.bind(Int(id))
            rows.bind(notice.eventCreatedOn)
            rows.bind(notice.type.rawValue)
            rows.bind(notice.project)
            rows.bind(count == 1 ? notice.ref : nil)
            rows.bind(notice.targetUri)
            rows.bind(notice.targetNode)
            rows.bind(count == 1 ? notice.status?.rawValue : nil)
            rows.bind(count == 1 ? notice.refStatus?.rawValue : nil)
            rows.bind(notice.nodesCount)
            rows.bind(count == 1 ? nil : SQLiteNoticeBatch.text(of: notices[start..<end]))
            rows.bind(count)
            try rows.insert()
            next = id + 1
            start = end
        }
    }

    package func notices(after id: Int64, limit: Int) async throws -> NoticeBatch {
        try await self.database.read { db in
            // Each row holds at least one notice: `limit` rows hold enough.
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT * FROM notices WHERE id > ? ORDER BY id LIMIT ?",
                arguments: [id, limit]
            )
            var batch = NoticeBatch(notices: [], lastID: id)
            for row in rows {
                guard Self.read(row, after: id, limit: limit, into: &batch) else { break }
            }
            return batch
        }
    }

    /// Adds the row's notices after `after` to `batch`, up to `limit` in all; `false` once full.
    private static func read(_ row: Row, after: Int64, limit: Int, into batch: inout NoticeBatch) -> Bool {
        let last: Int64 = row["id"]
        let single = StoredNotice.decoded(
            id: last,
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
        guard let lines: String = row["refs"] else {
            if let single { batch.notices.append(single) }
            batch.lastID = last
            return batch.notices.count < limit
        }
        let notices = single.map { SQLiteNoticeBatch.notices(in: lines, shared: $0.notice) } ?? []
        var noticeID = last - Int64(notices.count) + 1
        for notice in notices {
            defer { noticeID += 1 }
            guard noticeID > after else { continue }
            if let notice { batch.notices.append(StoredNotice(id: noticeID, notice: notice)) }
            batch.lastID = noticeID
            guard batch.notices.count < limit else { return false }
        }
        batch.lastID = last
        return batch.notices.count < limit
    }

    package func lastNoticeID() async throws -> Int64 {
        // AUTOINCREMENT's counter: pruning all notices does not lower it.
        try await self.database.read { db in
            try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'notices'") ?? 0
        }
    }

    package func pruneNotices(createdBefore seconds: Double) async throws -> Int {
        try await self.database.write { db in
            let count = try Int.fetchOne(
                db,
                sql: "SELECT COALESCE(SUM(count), 0) FROM notices WHERE created_at < ?",
                arguments: [seconds]
            )
            try db.execute(sql: "DELETE FROM notices WHERE created_at < ?", arguments: [seconds])
            return count ?? 0
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
