import Foundation
import PostgresNIO
import ReplicationCore

/// The engine's writes, a list in one transaction (one statement alone needs none).
extension PostgresTaskStore: StoreWriting {
    package func apply(_ writes: [StoreWrite]) async throws {
        let now = Date().timeIntervalSince1970
        let encoder = JSONEncoder()
        // Notices last: their advisory lock is then held only for the commit.
        let notices = writes.flatMap { write -> [ReplicationNotice] in
            if case .notices(let notices) = write { notices } else { [] }
        }
        let queries =
            try writes.flatMap { try Self.queries(for: $0, now: now, encoder: encoder) }
            + Self.appendQueries(notices)
        guard queries.count > 1 else {
            if let query = queries.first { try await self.client.query(query, logger: self.logger) }
            return
        }
        try await self.client.withTransaction(logger: self.logger) { connection in
            for query in queries { try await connection.query(query, logger: self.logger) }
        }
    }

    private static func queries(for write: StoreWrite, now: Double, encoder: JSONEncoder) throws -> [PostgresQuery] {
        switch write {
        case .planned(let counts):
            return counts.map { id, count in "UPDATE events SET planned = \(count) WHERE id = \(id)" }
        case .completed(let events):
            return events.isEmpty ? [] : ["DELETE FROM events WHERE id = ANY(\(events))"]
        case .delivery(let events, let target, let completed):
            var queries: [PostgresQuery] = []
            if !events.isEmpty {
                queries.append(
                    """
                    INSERT INTO deliveries (event_id, remote, url)
                    SELECT id, \(target.remote), \(target.url) FROM events WHERE id = ANY(\(events))
                    ON CONFLICT DO NOTHING
                    """
                )
            }
            if !completed.isEmpty { queries.append("DELETE FROM events WHERE id = ANY(\(completed))") }
            return queries
        case .outcome(let outcome, let events):
            guard !events.isEmpty else { return [] }
            let encoded = String(decoding: try encoder.encode(outcome), as: UTF8.self)
            return [
                """
                INSERT INTO outcomes (event_id, remote, url, outcome, recorded_at)
                SELECT id, \(outcome.target.remote), \(outcome.target.url), \(encoded), \(now) FROM events
                WHERE id = ANY(\(events)) AND wants_outcomes
                ON CONFLICT DO NOTHING
                """
            ]
        case .refStatuses(let target, let statuses, let seconds):
            return statuses.isEmpty ? [] : [Self.refStatusesQuery(statuses, for: target, at: seconds)]
        case .lastPush(let push):
            let encoded = String(decoding: try encoder.encode(push), as: UTF8.self)
            return [
                """
                INSERT INTO last_pushes (url, push) VALUES (\(push.target.url), \(encoded))
                ON CONFLICT (url) DO UPDATE SET push = EXCLUDED.push
                """
            ]
        case .held(let target, let deletions, let reason?):
            return [
                """
                INSERT INTO held (remote, url, project, deletions, reason, held_at)
                VALUES (\(target.remote), \(target.url), \(target.project), \(deletions), \(reason), \(now))
                ON CONFLICT (remote, url) DO UPDATE SET project = EXCLUDED.project, deletions = EXCLUDED.deletions,
                    reason = EXCLUDED.reason, held_at = EXCLUDED.held_at
                """
            ]
        case .held(let target, _, nil):
            return ["DELETE FROM held WHERE remote = \(target.remote) AND url = \(target.url)"]
        case .pushEnded(let target, let node, let epoch):
            return [
                """
                DELETE FROM running
                WHERE remote = \(target.remote) AND url = \(target.url) AND node = \(node) AND epoch = \(epoch)
                """
            ]
        case .notices:
            return []  // appended last by ``apply(_:)``
        }
    }

    /// One statement for a whole push's refs: arrays unnested server-side.
    private static func refStatusesQuery(_ statuses: [RefStatus], for target: PushTarget, at seconds: Double)
        -> PostgresQuery
    {
        let refs = statuses.map(\.ref)
        let values = statuses.map(\.status.rawValue)
        let messages = statuses.map { $0.message ?? "" }
        let ids = statuses.map { $0.newID?.hex ?? "" }
        return """
            INSERT INTO ref_statuses (project, ref, remote, url, status, message, new_id, recorded_at)
            SELECT \(target.project), ref, \(target.remote), \(target.url), status, NULLIF(message, ''),
                NULLIF(new_id, ''), \(seconds)
            FROM unnest(\(refs)::text[], \(values)::text[], \(messages)::text[], \(ids)::text[])
                AS t(ref, status, message, new_id)
            ON CONFLICT (project, ref, remote, url) DO UPDATE SET status = EXCLUDED.status,
                message = EXCLUDED.message, new_id = EXCLUDED.new_id, recorded_at = EXCLUDED.recorded_at
            """
    }
}
