import Foundation
import GRDB
package import ReplicationCore

/// One process pushes from an SQLite store (the `flock`); the cluster view shows it alone.
extension SQLiteTaskStore: ClusterStore {
    /// One process pushes from an SQLite store (the lock): its claims need no renewal.
    package func renewLeases(node: String) async throws {}

    package func releaseLeases(node: String) async throws {
        try await self.database.write { db in
            try db.execute(sql: "UPDATE events SET claimed_by = NULL WHERE claimed_by = ?", arguments: [node])
            try db.execute(sql: "DELETE FROM running WHERE node = ?", arguments: [node])
        }
    }

    package func acquireExecutorLease(wait: Bool) async throws -> (any ExecutorLease)? {
        guard let lock = try await FileLock.acquire(path: self.path + ".lock", wait: wait) else { return nil }
        // Whoever pushed before is gone: what it ran is not running any more, what it claimed is free.
        try await self.database.write { db in
            try db.execute(sql: "DELETE FROM running")
            try db.execute(sql: "UPDATE events SET claimed_by = NULL WHERE claimed_by IS NOT NULL")
        }
        return lock
    }

    @discardableResult
    package func recordPush(_ target: PushTarget, node: String, running: Bool) async throws -> Bool {
        let now = Date().timeIntervalSince1970
        try await self.database.write { db in
            if running {
                try db.execute(
                    sql:
                        "INSERT OR REPLACE INTO running (remote, url, project, node, started_at) VALUES (?, ?, ?, ?, ?)",
                    arguments: [target.remote, target.url, target.project, node, now]
                )
            } else {
                try db.execute(
                    sql: "DELETE FROM running WHERE remote = ? AND url = ? AND node = ?",
                    arguments: [target.remote, target.url, node]
                )
            }
        }
        return true
    }

    package func cluster() async throws -> [ClusterNode] {
        try await self.database.read { db in
            var nodes: [String: ClusterNode] = [:]
            let held = try Row.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT claimed_by, json_extract(event, '$.project') AS project FROM events
                    WHERE claimed_by IS NOT NULL ORDER BY project
                    """
            )
            for row in held {
                let node: String = row["claimed_by"]
                nodes[node, default: ClusterNode(name: node, projects: [], pushing: [])].projects.append(row["project"])
            }
            for row in try Row.fetchAll(db, sql: "SELECT node, url FROM running ORDER BY url") {
                let node: String = row["node"]
                nodes[node, default: ClusterNode(name: node, projects: [], pushing: [])].pushing.append(row["url"])
            }
            return nodes.values.sorted { $0.name < $1.name }
        }
    }
}
