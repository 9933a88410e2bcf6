import Foundation
import PostgresNIO
package import ReplicationCore

/// Each ref's last status per URL, in one statement per push.
extension PostgresTaskStore: RefStatusStore {
    package func recordRefStatuses(_ statuses: [RefStatus], for target: PushTarget, at seconds: Double) async throws {
        guard !statuses.isEmpty else { return }
        // One statement for the whole push: arrays unnested server-side.
        let refs = statuses.map(\.ref)
        let values = statuses.map(\.status.rawValue)
        let messages = statuses.map { $0.message ?? "" }
        let ids = statuses.map { $0.newID ?? "" }
        try await self.client.query(
            """
            INSERT INTO ref_statuses (project, ref, remote, url, status, message, new_id, recorded_at)
            SELECT \(target.project), ref, \(target.remote), \(target.url), status, NULLIF(message, ''),
                NULLIF(new_id, ''), \(seconds)
            FROM unnest(\(refs)::text[], \(values)::text[], \(messages)::text[], \(ids)::text[])
                AS t(ref, status, message, new_id)
            ON CONFLICT (project, ref, remote, url) DO UPDATE SET status = EXCLUDED.status,
                message = EXCLUDED.message, new_id = EXCLUDED.new_id, recorded_at = EXCLUDED.recorded_at
            """,
            logger: self.logger
        )
    }

    package func refStatuses(project: String, ref: String) async throws -> [StoredRefStatus] {
        let rows = try await self.client.query(
            """
            SELECT remote, url, status, message, new_id, recorded_at FROM ref_statuses
            WHERE project = \(project) AND ref = \(ref) ORDER BY remote, url
            """,
            logger: self.logger
        )
        var statuses: [StoredRefStatus] = []
        for try await (remote, url, status, message, newID, recordedAt) in rows.decode(
            (String, String, String, String?, String?, Double).self
        ) {
            if let stored = StoredRefStatus.decoded(
                project: project,
                ref: ref,
                remote: remote,
                url: url,
                status: status,
                message: message,
                newID: newID,
                recordedAt: recordedAt
            ) {
                statuses.append(stored)
            }
        }
        return statuses
    }
}

/// Each URL's last push (`/status` across restarts), as JSON.
extension PostgresTaskStore {
    package func recordLastPush(_ push: LastPush) async throws {
        let encoded = String(decoding: try JSONEncoder().encode(push), as: UTF8.self)
        try await self.client.query(
            """
            INSERT INTO last_pushes (url, push) VALUES (\(push.target.url), \(encoded))
            ON CONFLICT (url) DO UPDATE SET push = EXCLUDED.push
            """,
            logger: self.logger
        )
    }

    package func lastPushes() async throws -> [LastPush] {
        let rows = try await self.client.query("SELECT push FROM last_pushes ORDER BY url", logger: self.logger)
        var pushes: [LastPush] = []
        for try await encoded in rows.decode(String.self) {
            // A row this version cannot read is left out: it is replaced by the URL's next push.
            if let push = try? JSONDecoder().decode(LastPush.self, from: Data(encoded.utf8)) { pushes.append(push) }
        }
        return pushes
    }
}
