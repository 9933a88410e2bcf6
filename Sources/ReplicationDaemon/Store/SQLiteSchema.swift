import GRDB

extension SQLiteTaskStore {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE events (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        event TEXT NOT NULL,
                        source TEXT NOT NULL,
                        stored_at REAL NOT NULL,
                        wants_outcomes INTEGER NOT NULL,
                        planned INTEGER
                    );
                    CREATE TABLE deliveries (
                        event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
                        remote TEXT NOT NULL,
                        url TEXT NOT NULL,
                        PRIMARY KEY (event_id, remote, url)
                    );
                    CREATE TABLE outcomes (
                        event_id INTEGER NOT NULL,
                        remote TEXT NOT NULL,
                        url TEXT NOT NULL,
                        outcome TEXT NOT NULL,
                        recorded_at REAL NOT NULL,
                        PRIMARY KEY (event_id, remote, url)
                    );
                    """
            )
        }
        migrator.registerMigration("v2: claims and running pushes") { db in
            try db.execute(
                sql: """
                    ALTER TABLE events ADD COLUMN claimed_by TEXT;
                    CREATE TABLE running (
                        remote TEXT NOT NULL,
                        url TEXT NOT NULL,
                        project TEXT NOT NULL,
                        node TEXT NOT NULL,
                        started_at REAL NOT NULL,
                        PRIMARY KEY (remote, url)
                    );
                    """
            )
        }
        migrator.registerMigration("v3: held pushes") { db in
            try db.execute(
                sql: """
                    CREATE TABLE held (
                        remote TEXT NOT NULL,
                        url TEXT NOT NULL,
                        project TEXT NOT NULL,
                        deletions INTEGER NOT NULL,
                        reason TEXT NOT NULL,
                        held_at REAL NOT NULL,
                        PRIMARY KEY (remote, url)
                    );
                    """
            )
        }
        migrator.registerMigration("v4: unclaimed events index") { db in
            // Claims read the unclaimed events only; a backlog of claimed ones costs them nothing.
            try db.execute(sql: "CREATE INDEX events_unclaimed ON events (id) WHERE claimed_by IS NULL")
        }
        migrator.registerMigration("v5: ref statuses") { db in
            try db.execute(
                sql: """
                    CREATE TABLE ref_statuses (
                        project TEXT NOT NULL,
                        ref TEXT NOT NULL,
                        remote TEXT NOT NULL,
                        url TEXT NOT NULL,
                        status TEXT NOT NULL,
                        message TEXT,
                        new_id TEXT,
                        recorded_at REAL NOT NULL,
                        PRIMARY KEY (project, ref, remote, url)
                    ) WITHOUT ROWID;
                    """
            )
        }
        migrator.registerMigration("v6: notices") { db in
            // AUTOINCREMENT: ids are never reused once pruned, so `since=ID` and webhook cursors hold.
            try db.execute(
                sql: """
                    CREATE TABLE notices (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        created_at INTEGER NOT NULL,
                        type TEXT NOT NULL,
                        project TEXT NOT NULL,
                        ref TEXT,
                        target_uri TEXT,
                        target_node TEXT,
                        status TEXT,
                        ref_status TEXT,
                        nodes_count INTEGER
                    );
                    CREATE INDEX notices_created ON notices (created_at);
                    CREATE TABLE notice_cursors (
                        subscriber TEXT PRIMARY KEY,
                        last_id INTEGER NOT NULL,
                        node TEXT NOT NULL,
                        lease_until REAL NOT NULL
                    );
                    """
            )
        }
        migrator.registerMigration("v7: last pushes") { db in
            try db.execute(
                sql: "CREATE TABLE last_pushes (url TEXT PRIMARY KEY, push TEXT NOT NULL) WITHOUT ROWID"
            )
        }
        migrator.registerMigration("v8: notice batches") { db in
            // A push's ref-replicated notices in one row (SQLiteNoticeBatch): a line per ref, ids
            // from `id - count + 1` to `id`.
            try db.execute(
                sql: """
                    ALTER TABLE notices ADD COLUMN refs TEXT;
                    ALTER TABLE notices ADD COLUMN count INTEGER NOT NULL DEFAULT 1;
                    """
            )
        }
        return migrator
    }
}
