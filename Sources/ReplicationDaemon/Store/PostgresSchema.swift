import Logging
import PostgresNIO

/// The PostgreSQL schema, created and migrated by Replicator itself. Nodes starting together
/// serialise on an advisory lock; each step runs once and bumps `replicator_schema.version`.
enum PostgresSchema {
    static let lockKey: Int64 = 0x5245_504C_4943  // "REPLIC"
    /// Appends of notices serialise on it, so that ids commit in order (readers resume by id).
    static let noticeLockKey: Int64 = 0x4E4F_5449_4345  // "NOTICE"

    static let steps: [String] = [
        """
        CREATE TABLE events (
            id bigserial PRIMARY KEY,
            event text NOT NULL,
            project text NOT NULL,
            source text NOT NULL,
            stored_at double precision NOT NULL,
            wants_outcomes boolean NOT NULL,
            planned integer,
            claimed_by text
        );
        CREATE INDEX events_project ON events (project);
        CREATE INDEX events_claimed_by ON events (claimed_by);
        CREATE TABLE deliveries (
            event_id bigint NOT NULL REFERENCES events (id) ON DELETE CASCADE,
            remote text NOT NULL,
            url text NOT NULL,
            PRIMARY KEY (event_id, remote, url)
        );
        CREATE TABLE outcomes (
            event_id bigint NOT NULL,
            remote text NOT NULL,
            url text NOT NULL,
            outcome text NOT NULL,
            recorded_at double precision NOT NULL,
            PRIMARY KEY (event_id, remote, url)
        );
        CREATE TABLE project_leases (
            project text PRIMARY KEY,
            node text NOT NULL,
            expires_at timestamptz NOT NULL
        );
        CREATE TABLE running (
            remote text NOT NULL,
            url text NOT NULL,
            project text NOT NULL,
            node text NOT NULL,
            started_at double precision NOT NULL,
            PRIMARY KEY (remote, url)
        );
        CREATE TABLE nodes (
            node text PRIMARY KEY,
            seen_at timestamptz NOT NULL
        );
        """,
        """
        CREATE TABLE held (
            remote text NOT NULL,
            url text NOT NULL,
            project text NOT NULL,
            deletions integer NOT NULL,
            reason text NOT NULL,
            held_at double precision NOT NULL,
            PRIMARY KEY (remote, url)
        );
        """,
        """
        CREATE TABLE ref_statuses (
            project text NOT NULL,
            ref text NOT NULL,
            remote text NOT NULL,
            url text NOT NULL,
            status text NOT NULL,
            message text,
            new_id text,
            recorded_at double precision NOT NULL,
            PRIMARY KEY (project, ref, remote, url)
        );
        """,
        """
        CREATE TABLE notices (
            id bigserial PRIMARY KEY,
            created_at bigint NOT NULL,
            type text NOT NULL,
            project text NOT NULL,
            ref text,
            target_uri text,
            target_node text,
            status text,
            ref_status text,
            nodes_count integer
        );
        CREATE INDEX notices_created ON notices (created_at);
        CREATE TABLE notice_cursors (
            subscriber text PRIMARY KEY,
            last_id bigint NOT NULL,
            node text NOT NULL,
            lease_until double precision NOT NULL
        );
        """,
        // Fencing: every lease carries the epoch it was taken under; a running push, the epoch it
        // runs under (a node may run one URL under an old and a new epoch while the old stops).
        """
        ALTER TABLE project_leases ADD COLUMN epoch bigint NOT NULL DEFAULT 0;
        CREATE SEQUENCE lease_epochs;
        ALTER TABLE running ADD COLUMN epoch bigint NOT NULL DEFAULT 0;
        ALTER TABLE running DROP CONSTRAINT running_pkey;
        ALTER TABLE running ADD PRIMARY KEY (remote, url, node, epoch)
        """,
        """
        CREATE TABLE last_pushes (
            url text PRIMARY KEY,
            push text NOT NULL
        )
        """,
    ]

    static func migrate(_ client: PostgresClient, logger: Logger) async throws {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.lockKey))", logger: logger)
            try await connection.query(
                "CREATE TABLE IF NOT EXISTS replicator_schema (version integer NOT NULL)",
                logger: logger
            )
            var version = 0
            for try await value in try await connection.query("SELECT version FROM replicator_schema", logger: logger)
                .decode(Int.self)
            {
                version = value
            }
            if version == 0 {
                try await connection.query("INSERT INTO replicator_schema (version) VALUES (0)", logger: logger)
            }
            for (index, step) in Self.steps.enumerated() where index >= version {
                for statement in step.split(separator: ";") where !statement.allSatisfy(\.isWhitespace) {
                    try await connection.query(PostgresQuery(unsafeSQL: String(statement)), logger: logger)
                }
                try await connection.query("UPDATE replicator_schema SET version = \(index + 1)", logger: logger)
            }
        }
    }
}
