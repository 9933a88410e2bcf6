import Foundation
import PostgresNIO
package import ReplicationCore

/// Nodes share the store: project leases keep their pushes apart, and the cluster view shows who
/// holds and runs what.
extension PostgresTaskStore: ClusterStore {
    package func renewLeases(node: String) async throws {
        let lease = self.leaseSeconds
        try await self.client.withTransaction(logger: self.logger) { connection in
            try await connection.query(
                "UPDATE project_leases SET expires_at = now() + make_interval(secs => \(lease)) WHERE node = \(node)",
                logger: self.logger
            )
            // Projects with nothing left go back to the pool.
            try await connection.query(
                """
                DELETE FROM project_leases l WHERE l.node = \(node)
                AND NOT EXISTS (SELECT 1 FROM events e WHERE e.project = l.project)
                """,
                logger: self.logger
            )
            try await connection.query(
                "INSERT INTO nodes (node, seen_at) VALUES (\(node), now()) ON CONFLICT (node) DO UPDATE SET seen_at = now()",
                logger: self.logger
            )
        }
    }

    package func releaseLeases(node: String) async throws {
        try await self.client.withTransaction(logger: self.logger) { connection in
            try await connection.query("DELETE FROM project_leases WHERE node = \(node)", logger: self.logger)
            try await connection.query(
                "UPDATE events SET claimed_by = NULL WHERE claimed_by = \(node)",
                logger: self.logger
            )
            try await connection.query("DELETE FROM running WHERE node = \(node)", logger: self.logger)
            try await connection.query("DELETE FROM nodes WHERE node = \(node)", logger: self.logger)
            try await connection.query("NOTIFY replicator_events", logger: self.logger)
        }
    }

    @discardableResult
    package func recordPush(_ target: PushTarget, node: String, running: Bool) async throws -> Bool {
        guard running else {
            try await self.client.query(
                "DELETE FROM running WHERE remote = \(target.remote) AND url = \(target.url) AND node = \(node)",
                logger: self.logger
            )
            return true
        }
        let now = Date().timeIntervalSince1970
        let rows = try await self.client.query(
            """
            INSERT INTO running (remote, url, project, node, started_at)
            SELECT \(target.remote), \(target.url), \(target.project), \(node), \(now)
            WHERE EXISTS (
                SELECT 1 FROM project_leases WHERE project = \(target.project) AND node = \(node) AND expires_at > now())
            ON CONFLICT (remote, url) DO UPDATE SET node = EXCLUDED.node, project = EXCLUDED.project,
                started_at = EXCLUDED.started_at
            RETURNING 1
            """,
            logger: self.logger
        )
        var held = false
        for try await _ in rows.decode(Int.self) { held = true }
        return held
    }

    package func cluster() async throws -> [ClusterNode] {
        var nodes: [String: ClusterNode] = [:]
        let leases = try await self.client.query(
            "SELECT node, project FROM project_leases WHERE expires_at > now() ORDER BY project",
            logger: self.logger
        )
        for try await (node, project) in leases.decode((String, String).self) {
            nodes[node, default: ClusterNode(name: node, projects: [], pushing: [])].projects.append(project)
        }
        let running = try await self.client.query("SELECT node, url FROM running ORDER BY url", logger: self.logger)
        for try await (node, url) in running.decode((String, String).self) {
            nodes[node, default: ClusterNode(name: node, projects: [], pushing: [])].pushing.append(url)
        }
        let seen = try await self.client.query(
            "SELECT node FROM nodes WHERE seen_at > now() - make_interval(secs => \(self.leaseSeconds))",
            logger: self.logger
        )
        for try await node in seen.decode(String.self) {
            nodes[node] = nodes[node] ?? ClusterNode(name: node, projects: [], pushing: [])
        }
        return nodes.values.sorted { $0.name < $1.name }
    }

    /// Every node pushes from a shared store; claims keep them apart.
    package func acquireExecutorLease(wait: Bool) async throws -> (any ExecutorLease)? {
        SharedStoreLease()
    }
}

private struct SharedStoreLease: ExecutorLease {
    func release() {}
}
