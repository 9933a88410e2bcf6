import Foundation
import PostgresNIO
import ReplicationCore

/// First attempts' outcomes, kept for `start --wait`: one JSON document per event and target.
extension PostgresTaskStore: OutcomeStore {
    package func progress(of events: [Int64]) async throws -> [EventProgress] {
        var planned: [Int64: EventProgress.Queued] = [:]
        let stored = try await self.client.query("SELECT id, planned FROM events WHERE id = ANY(\(events))")
        for try await (id, count) in stored.decode((Int64, Int?).self) {
            planned[id] = count.map(EventProgress.Queued.planned) ?? .unplanned
        }
        var outcomes: [Int64: [PushOutcomeRecord]] = [:]
        let rows = try await self.client.query(
            "SELECT event_id, outcome FROM outcomes WHERE event_id = ANY(\(events)) ORDER BY event_id, remote, url"
        )
        for try await (id, text) in rows.decode((Int64, String).self) {
            outcomes[id, default: []].append(try JSONDecoder().decode(PushOutcomeRecord.self, from: Data(text.utf8)))
        }
        return events.map { EventProgress(id: $0, queued: planned[$0] ?? .done, outcomes: outcomes[$0] ?? []) }
    }

    package func outcomeCount(of events: [Int64]) async throws -> Int {
        let rows = try await self.client.query("SELECT count(*) FROM outcomes WHERE event_id = ANY(\(events))")
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }

    package func removeOutcomes(of events: [Int64]) async throws {
        try await self.client.query("DELETE FROM outcomes WHERE event_id = ANY(\(events))", logger: self.logger)
    }
}
