import Foundation
import PostgresNIO
package import ReplicationCore

/// Nodes share the store: project leases keep their pushes apart, and the cluster view shows who
/// holds and runs what.
extension PostgresTaskStore: ClusterStore {
    package func renewLeases(node: String) async throws -> [String: PushLease]? {
        let lease = self.leaseSeconds
        return try await self.client.withTransaction(logger: self.logger) { connection in
            // Expired leases nobody took are renewed too: the epoch proves nobody held them since.
            let renewed = try await connection.query(
                """
                UPDATE project_leases SET expires_at = now() + make_interval(secs => \(lease)) WHERE node = \(node)
                RETURNING project, epoch
                """,
                logger: self.logger
            )
            var held: [String: PushLease] = [:]
            for try await (project, epoch) in renewed.decode((String, Int64).self) {
                held[project] = PushLease(epoch: epoch, lasts: .seconds(lease))
            }
            // Projects with nothing left go back to the pool.
            let idle = try await connection.query(
                """
                DELETE FROM project_leases l WHERE l.node = \(node)
                AND NOT EXISTS (SELECT 1 FROM events e WHERE e.project = l.project)
                RETURNING project
                """,
                logger: self.logger
            )
            for try await project in idle.decode(String.self) { held[project] = nil }
            try await connection.query(
                "INSERT INTO nodes (node, seen_at) VALUES (\(node), now()) ON CONFLICT (node) DO UPDATE SET seen_at = now()",
                logger: self.logger
            )
            return held
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

    package func startPush(_ target: PushTarget, node: String) async throws -> PushLease? {
        let (lease, now) = (self.leaseSeconds, Date().timeIntervalSince1970)
        let rows = try await self.client.query(
            """
            WITH lease AS (
                INSERT INTO project_leases (project, node, expires_at, epoch)
                VALUES (\(target.project), \(node), now() + make_interval(secs => \(lease)), nextval('lease_epochs'))
                ON CONFLICT (project) DO UPDATE SET expires_at = EXCLUDED.expires_at, node = EXCLUDED.node,
                    epoch = CASE WHEN project_leases.node = EXCLUDED.node AND project_leases.expires_at > now()
                        THEN project_leases.epoch ELSE EXCLUDED.epoch END
                WHERE project_leases.node = EXCLUDED.node OR project_leases.expires_at <= now()
                RETURNING epoch)
            INSERT INTO running (remote, url, project, node, started_at, epoch)
            SELECT \(target.remote), \(target.url), \(target.project), \(node), \(now), epoch FROM lease
            ON CONFLICT (remote, url, node, epoch) DO UPDATE SET started_at = EXCLUDED.started_at
            RETURNING epoch
            """,
            logger: self.logger
        )
        var granted: PushLease?
        for try await epoch in rows.decode(Int64.self) { granted = PushLease(epoch: epoch, lasts: .seconds(lease)) }
        return granted
    }

    package func confirmLease(project: String, node: String, epoch: Int64) async throws -> PushLease? {
        let lease = self.leaseSeconds
        let rows = try await self.client.query(
            """
            UPDATE project_leases SET expires_at = now() + make_interval(secs => \(lease))
            WHERE project = \(project) AND node = \(node) AND epoch = \(epoch) AND expires_at > now()
            RETURNING epoch
            """,
            logger: self.logger
        )
        var held = false
        for try await _ in rows.decode(Int64.self) { held = true }
        return held ? PushLease(epoch: epoch, lasts: .seconds(lease)) : nil
    }

    package func reconcileOrphanedPushes(node: String) async throws -> [PushTarget] {
        try await self.client.withTransaction(logger: self.logger) { connection in
            let rows = try await connection.query(
                """
                DELETE FROM running r USING project_leases l
                WHERE l.project = r.project AND l.node = \(node) AND l.expires_at > now()
                  AND (r.node <> \(node) OR r.epoch <> l.epoch)
                RETURNING r.remote, r.url, r.project
                """,
                logger: self.logger
            )
            var orphans: Set<PushTarget> = []
            for try await (remote, url, project) in rows.decode((String, String, String).self) {
                orphans.insert(PushTarget(remote: remote, url: url, project: project))
            }
            let now = Date().timeIntervalSince1970
            let sorted = orphans.sorted { ($0.url, $0.remote) < ($1.url, $1.remote) }
            for target in sorted {
                let event = String(
                    decoding: try JSONEncoder().encode(ReplicationEvent.reconcile(target)),
                    as: UTF8.self
                )
                try await connection.query(
                    """
                    INSERT INTO events (event, project, source, stored_at, wants_outcomes)
                    VALUES (\(event), \(target.project), \(EventSource.reconcile.rawValue), \(now), false)
                    """,
                    logger: self.logger
                )
            }
            if !sorted.isEmpty { try await connection.query("NOTIFY replicator_events", logger: self.logger) }
            return sorted
        }
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
        let running = try await self.client.query(
            "SELECT DISTINCT node, url FROM running ORDER BY url",
            logger: self.logger
        )
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
