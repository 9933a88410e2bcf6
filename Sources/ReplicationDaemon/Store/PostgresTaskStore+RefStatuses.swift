import Foundation
import PostgresNIO
package import ReplicationCore

/// Each ref's last status per URL, in one statement per push.
extension PostgresTaskStore: RefStatusStore {
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
