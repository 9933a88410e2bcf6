import PostgresNIO
package import ReplicationCore

/// The notice log in PostgreSQL. Appends take a transaction-scoped advisory lock: with several
/// nodes appending, a bigserial id could otherwise commit after a larger one a reader has passed.
extension PostgresTaskStore: NoticeStore {
    package func appendNotices(_ notices: [ReplicationNotice]) async throws {
        guard !notices.isEmpty else { return }
        let createdAt = notices.map { Double($0.eventCreatedOn) }
        let bodies = try notices.map(NoticeCoding.body(of:))
        try await self.client.withTransaction(logger: self.logger) { connection in
            try await connection.query(
                "SELECT pg_advisory_xact_lock(\(PostgresSchema.noticeLockKey))",
                logger: self.logger
            )
            try await connection.query(
                """
                INSERT INTO notices (created_at, body)
                SELECT created_at, body FROM unnest(\(createdAt)::double precision[], \(bodies)::text[])
                    WITH ORDINALITY AS t(created_at, body, position) ORDER BY position
                """,
                logger: self.logger
            )
        }
    }

    package func notices(after id: Int64, limit: Int) async throws -> NoticeBatch {
        let rows = try await self.client.query(
            "SELECT id, body FROM notices WHERE id > \(id) ORDER BY id LIMIT \(limit)",
            logger: self.logger
        )
        var read: [(id: Int64, body: String)] = []
        for try await (id, body) in rows.decode((Int64, String).self) { read.append((id, body)) }
        return NoticeCoding.batch(read, after: id)
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
