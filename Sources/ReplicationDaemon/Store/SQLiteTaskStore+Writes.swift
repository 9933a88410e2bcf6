import Foundation
import GRDB
import ReplicationCore

/// The engine's writes, a list in one transaction: one commit. With notices in it, fsync'd: a
/// stream client may have seen their ids, which must never be given out again (a power loss that
/// dropped them would reuse them). Without, fsync'd by the next synced commit
/// (``SQLiteTaskStore/write(in:synced:_:)``).
extension SQLiteTaskStore: StoreWriting {
    package func apply(_ writes: [StoreWrite]) async throws {
        guard !writes.isEmpty else { return }
        let now = Date().timeIntervalSince1970
        let encoder = JSONEncoder()
        try await Self.write(in: self.database, synced: writes.contains(where: \.isNotices)) { db in
            for write in writes { try Self.apply(write, db, now: now, encoder: encoder) }
        }
    }

    private static func apply(_ write: StoreWrite, _ db: Database, now: Double, encoder: JSONEncoder) throws {
        switch write {
        case .planned(let counts):
            for (id, count) in counts {
                try db.run(cached: "UPDATE events SET planned = ? WHERE id = ?", [count, id])
            }
        case .completed(let events):
            try Self.delete(events, db)
        case .delivery(let events, let target, let completed):
            for id in events {
                try db.run(
                    cached:
                        "INSERT OR IGNORE INTO deliveries (event_id, remote, url) SELECT id, ?, ? FROM events WHERE id = ?",
                    [target.remote, target.url, id]
                )
            }
            try Self.delete(completed, db)
        case .outcome(let outcome, let events):
            let encoded = String(decoding: try encoder.encode(outcome), as: UTF8.self)
            for id in events {
                try db.run(
                    cached: """
                        INSERT OR IGNORE INTO outcomes (event_id, remote, url, outcome, recorded_at)
                        SELECT id, ?, ?, ?, ? FROM events WHERE id = ? AND wants_outcomes
                        """,
                    [outcome.target.remote, outcome.target.url, encoded, now, id]
                )
            }
        case .refStatuses(let target, let statuses, let seconds):
            try Self.recordRefStatuses(statuses, for: target, at: seconds, db)
        case .lastPush(let push):
            let encoded = String(decoding: try encoder.encode(push), as: UTF8.self)
            try db.run(
                cached: "INSERT OR REPLACE INTO last_pushes (url, push) VALUES (?, ?)",
                [push.target.url, encoded]
            )
        case .held(let target, let deletions, let reason?):
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO held (remote, url, project, deletions, reason, held_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [target.remote, target.url, target.project, deletions, reason, now]
            )
        case .held(let target, _, nil):
            try db.execute(
                sql: "DELETE FROM held WHERE remote = ? AND url = ?",
                arguments: [target.remote, target.url]
            )
        case .pushEnded(let target, let node, _):
            try db.run(
                cached: "DELETE FROM running WHERE remote = ? AND url = ? AND node = ?",
                [target.remote, target.url, node]
            )
        case .notices(let notices):
            try Self.append(notices, db)
        }
    }

    private static func recordRefStatuses(
        _ statuses: [RefStatus],
        for target: PushTarget,
        at seconds: Double,
        _ db: Database
    ) throws {
        guard !statuses.isEmpty else { return }
        var rows = try SQLiteRows(
            """
            INSERT OR REPLACE INTO ref_statuses (project, remote, url, recorded_at, ref, status, message, new_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """,
            in: db
        )
        rows.bindShared { rows in
            rows.bind(target.project)
            rows.bind(target.remote)
            rows.bind(target.url)
            rows.bind(seconds)
        }
        for status in statuses {
            rows.bind(status.ref)
            rows.bind(status.status.rawValue)
            rows.bind(status.message)
            rows.bind(hexOf: status.newID)
            try rows.insert()
        }
    }
}
