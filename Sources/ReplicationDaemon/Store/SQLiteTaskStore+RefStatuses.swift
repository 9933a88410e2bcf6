import Foundation
import GRDB
package import ReplicationCore

/// Each ref's last status per URL (`replicator explain`).
extension SQLiteTaskStore: RefStatusStore {
    package func refStatuses(project: String, ref: String) async throws -> [StoredRefStatus] {
        try await self.database.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM ref_statuses WHERE project = ? AND ref = ? ORDER BY remote, url",
                arguments: [project, ref]
            ).compactMap { row in
                StoredRefStatus.decoded(
                    project: project,
                    ref: ref,
                    remote: row["remote"],
                    url: row["url"],
                    status: row["status"],
                    message: row["message"],
                    newID: row["new_id"],
                    recordedAt: row["recorded_at"]
                )
            }
        }
    }
}

/// Each URL's last push (`/status` across restarts), as JSON: only this daemon reads it back.
extension SQLiteTaskStore {
    package func lastPushes() async throws -> [LastPush] {
        let rows = try await self.database.read { db in
            try String.fetchAll(db, sql: "SELECT push FROM last_pushes ORDER BY url")
        }
        // A row this version cannot read is left out: it is replaced by the URL's next push.
        return rows.compactMap { try? JSONDecoder().decode(LastPush.self, from: Data($0.utf8)) }
    }
}

extension StoredRefStatus {
    /// A stored row; `nil` for a status this version does not know, or an id that is not one.
    static func decoded(
        project: String,
        ref: String,
        remote: String,
        url: String,
        status: String,
        message: String?,
        newID: String?,
        recordedAt: Double
    ) -> StoredRefStatus? {
        guard let status = RefStatus.Status(rawValue: status) else { return nil }
        let id = newID.map(ObjectID.init(hex:))
        if case .some(nil) = id { return nil }
        return StoredRefStatus(
            target: PushTarget(remote: remote, url: url, project: project),
            status: RefStatus(ref: ref, status: status, message: message, newID: id ?? nil),
            recordedAt: recordedAt
        )
    }
}
