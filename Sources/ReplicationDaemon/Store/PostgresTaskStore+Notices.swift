import PostgresNIO
package import ReplicationCore

/// The notice log in PostgreSQL. Appends take a transaction-scoped advisory lock: with several
/// nodes appending, a bigserial id could otherwise commit after a larger one a reader has passed.
extension PostgresTaskStore: NoticeStore {
    /// The queries that store `notices` (``StoreWrite/notices(_:)``), for a transaction: the
    /// advisory lock first, held until that transaction commits. ``PostgresTaskStore/apply(_:)``
    /// runs them after the transaction's other writes, so the lock is never held while waiting for a row.
    static func appendQueries(_ notices: [ReplicationNotice]) -> [PostgresQuery] {
        guard !notices.isEmpty else { return [] }
        // One statement: a column per array, unnested in order; '' and -1 stand for NULL.
        let createdAt = notices.map { Int64($0.eventCreatedOn) }
        let types = notices.map(\.type.rawValue)
        let projects = notices.map(\.project)
        let refs = notices.map { $0.ref ?? "" }
        let uris = notices.map { $0.targetUri ?? "" }
        let nodes = notices.map { $0.targetNode ?? "" }
        let statuses = notices.map { $0.status?.rawValue ?? "" }
        let refStatuses = notices.map { $0.refStatus?.rawValue ?? "" }
        let counts = notices.map { $0.nodesCount ?? -1 }
        return [
            "SELECT pg_advisory_xact_lock(\(PostgresSchema.noticeLockKey))",
            """
            INSERT INTO notices (created_at, type, project, ref, target_uri, target_node, status, ref_status,
                nodes_count)
            SELECT created_at, type, project, NULLIF(ref, ''), NULLIF(target_uri, ''), NULLIF(target_node, ''),
                NULLIF(status, ''), NULLIF(ref_status, ''), NULLIF(nodes_count, -1)
            FROM unnest(\(createdAt)::bigint[], \(types)::text[], \(projects)::text[], \(refs)::text[],
                \(uris)::text[], \(nodes)::text[], \(statuses)::text[], \(refStatuses)::text[],
                \(counts)::integer[])
                WITH ORDINALITY AS t(created_at, type, project, ref, target_uri, target_node, status, ref_status,
                    nodes_count, position)
            ORDER BY position
            """,
        ]
    }

    package func notices(after id: Int64, limit: Int) async throws -> NoticeBatch {
        let rows = try await self.client.query(
            """
            SELECT id, created_at, type, project, ref, target_uri, target_node, status, ref_status, nodes_count
            FROM notices WHERE id > \(id) ORDER BY id LIMIT \(limit)
            """,
            logger: self.logger
        )
        var notices: [StoredNotice] = []
        var last = id
        for try await row in rows {
            let (id, createdAt, type, project, ref, uri, node, status, refStatus, count) = try row.decode(
                (Int64, Int64, String, String, String?, String?, String?, String?, String?, Int32?).self
            )
            last = id
            if let notice = StoredNotice.decoded(
                id: id,
                createdAt: Int(createdAt),
                type: type,
                project: project,
                ref: ref,
                targetUri: uri,
                targetNode: node,
                status: status,
                refStatus: refStatus,
                nodesCount: count.map(Int.init)
            ) {
                notices.append(notice)
            }
        }
        return NoticeBatch(notices: notices, lastID: last)
    }

    package func lastNoticeID() async throws -> Int64 {
        // The sequence, not MAX(id): pruning all notices does not lower it.
        let rows = try await self.client.query(
            "SELECT CASE WHEN is_called THEN last_value ELSE 0 END::bigint FROM notices_id_seq",
            logger: self.logger
        )
        for try await id in rows.decode(Int64.self) { return id }
        return 0
    }

    package func pruneNotices(createdBefore seconds: Double) async throws -> Int {
        let rows = try await self.client.query(
            "WITH gone AS (DELETE FROM notices WHERE created_at < \(seconds) RETURNING 1) SELECT count(*)::bigint FROM gone",
            logger: self.logger
        )
        for try await count in rows.decode(Int64.self) { return Int(count) }
        return 0
    }

    package func leaseNoticeCursor(_ subscriber: String, node: String, now: Double, until: Double) async throws
        -> Int64?
    {
        try await self.client.query(
            """
            INSERT INTO notice_cursors (subscriber, last_id, node, lease_until)
            VALUES (\(subscriber), (SELECT COALESCE(MAX(id), 0) FROM notices), \(node), \(until))
            ON CONFLICT (subscriber) DO NOTHING
            """,
            logger: self.logger
        )
        let rows = try await self.client.query(
            """
            UPDATE notice_cursors SET node = \(node), lease_until = \(until)
            WHERE subscriber = \(subscriber) AND (node = \(node) OR lease_until < \(now))
            RETURNING last_id
            """,
            logger: self.logger
        )
        for try await id in rows.decode(Int64.self) { return id }
        return nil
    }

    package func advanceNoticeCursor(_ subscriber: String, node: String, to id: Int64, until: Double) async throws
        -> Bool
    {
        let rows = try await self.client.query(
            """
            UPDATE notice_cursors SET last_id = GREATEST(last_id, \(id)), lease_until = \(until)
            WHERE subscriber = \(subscriber) AND node = \(node) RETURNING last_id
            """,
            logger: self.logger
        )
        for try await _ in rows.decode(Int64.self) { return true }
        return false
    }

    package func releaseNoticeCursors(node: String) async throws {
        try await self.client.query(
            "UPDATE notice_cursors SET lease_until = 0 WHERE node = \(node)",
            logger: self.logger
        )
    }
}
