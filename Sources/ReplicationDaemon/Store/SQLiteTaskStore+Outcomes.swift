import Foundation
import GRDB
import ReplicationCore

/// First attempts' outcomes, kept for `start --wait`: one JSON document per event and target.
extension SQLiteTaskStore: OutcomeStore {
    package func progress(of events: [Int64]) async throws -> [EventProgress] {
        let list = events.map(String.init).joined(separator: ",")
        return try await self.database.read { db in
            var planned: [Int64: EventProgress.Queued] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, planned FROM events WHERE id IN (\(list))") {
                let count: Int? = row["planned"]
                planned[row["id"]] = count.map(EventProgress.Queued.planned) ?? .unplanned
            }
            var outcomes: [Int64: [PushOutcomeRecord]] = [:]
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT event_id, outcome FROM outcomes WHERE event_id IN (\(list)) ORDER BY event_id, remote, url"
            )
            for row in rows {
                let text: String = row["outcome"]
                outcomes[row["event_id"], default: []].append(
                    try JSONDecoder().decode(PushOutcomeRecord.self, from: Data(text.utf8))
                )
            }
            return events.map { EventProgress(id: $0, queued: planned[$0] ?? .done, outcomes: outcomes[$0] ?? []) }
        }
    }

    /// The events of one `start` have consecutive ids: then the count is a range of the primary key
    /// through a cached statement. `start --wait` asks after every push of its own engine, and a
    /// list of 600 ids was parsed each time.
    package func outcomeCount(of events: [Int64]) async throws -> Int {
        let distinct = Set(events)
        if let first = distinct.min(), let last = distinct.max(), last - first + 1 == Int64(distinct.count) {
            return try await self.database.read { db in
                let statement = try db.cachedStatement(
                    sql: "SELECT count(*) FROM outcomes WHERE event_id BETWEEN ? AND ?"
                )
                return try Int.fetchOne(statement, arguments: [first, last]) ?? 0
            }
        }
        let list = events.map(String.init).joined(separator: ",")
        return try await self.database.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM outcomes WHERE event_id IN (\(list))") ?? 0
        }
    }

    package func removeOutcomes(of events: [Int64]) async throws {
        try await self.database.write { db in
            for id in events { try db.execute(sql: "DELETE FROM outcomes WHERE event_id = ?", arguments: [id]) }
        }
    }
}
