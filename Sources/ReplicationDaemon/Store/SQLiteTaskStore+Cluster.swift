import Foundation
import GRDB
package import ReplicationCore

/// One process pushes from an SQLite store (the `flock`); the cluster view shows it alone.
extension SQLiteTaskStore: ClusterStore {
    /// One process pushes from an SQLite store (the lock): its claims need no renewal and never expire.
    package func renewLeases(node: String) async throws -> [String: PushLease]? { nil }

    package func releaseLeases(node: String) async throws {
        try await self.database.write { db in
            try db.execute(sql: "UPDATE events SET claimed_by = NULL WHERE claimed_by = ?", arguments: [node])
            try db.execute(sql: "DELETE FROM running WHERE node = ?", arguments: [node])
        }
    }

    package func acquireExecutorLease(wait: Bool) async throws -> (any ExecutorLease)? {
        guard let lock = try await FileLock.acquire(path: self.path + ".lock", wait: wait) else { return nil }
        // Whoever pushed before is gone: what it claimed is free. What it ran stays recorded until
        // this process's first renewal compares those URLs again (`reconcileOrphanedPushes`).
        try await self.database.write { db in
            try db.execute(sql: "UPDATE events SET claimed_by = NULL WHERE claimed_by IS NOT NULL")
        }
        return lock
    }

    /// The lock is the lease: the push is recorded, and nobody else can take the project.
    package func startPush(_ target: PushTarget, node: String) async throws -> PushLease? {
        let now = Date().timeIntervalSince1970
        try await Self.write(in: self.database, synced: false) { db in
            // A predecessor's record is compared again, never overwritten.
            _ = try Self.reconcileRunning(db, except: node)
            try db.run(
                cached:
                    "INSERT OR REPLACE INTO running (remote, url, project, node, started_at) VALUES (?, ?, ?, ?, ?)",
                [target.remote, target.url, target.project, node, now]
            )
        }
        return PushLease(epoch: 0, lasts: nil)
    }

    package func confirmLease(project: String, node: String, epoch: Int64) async throws -> PushLease? {
        PushLease(epoch: epoch, lasts: nil)
    }

    package func reconcileOrphanedPushes(node: String) async throws -> [PushTarget] {
        try await self.database.write { db in try Self.reconcileRunning(db, except: node) }
    }

    /// Running pushes of other processes become full-sync events for their URLs.
    private static func reconcileRunning(_ db: Database, except node: String) throws -> [PushTarget] {
        let rows = try db.rows(
            cached: "SELECT remote, url, project FROM running WHERE node <> ? ORDER BY url, remote",
            [node]
        )
        let now = Date().timeIntervalSince1970
        let orphans = rows.map { PushTarget(remote: $0["remote"], url: $0["url"], project: $0["project"]) }
        for target in orphans {
            let event = String(decoding: try JSONEncoder().encode(ReplicationEvent.reconcile(target)), as: UTF8.self)
            try db.execute(
                sql: "INSERT INTO events (event, source, stored_at, wants_outcomes) VALUES (?, ?, ?, 0)",
                arguments: [event, EventSource.reconcile.rawValue, now]
            )
        }
        if !orphans.isEmpty { try db.run(cached: "DELETE FROM running WHERE node <> ?", [node]) }
        return orphans
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
