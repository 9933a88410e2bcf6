package import ReplicationCore
import Synchronization

/// The notice log in memory, for engine tests and as the contract's reference.
package final class InMemoryNoticeLog: NoticeStore {
    private struct State {
        var nextID: Int64 = 1
        var notices: [StoredNotice] = []
        var cursors: [String: (id: Int64, node: String, until: Double)] = [:]
    }

    private let state = Mutex(State())

    package init() {}

    package func appendNotices(_ notices: [ReplicationNotice]) async throws {
        self.state.withLock { state in
            for notice in notices {
                state.notices.append(StoredNotice(id: state.nextID, notice: notice))
                state.nextID += 1
            }
        }
    }

    package func notices(after id: Int64, limit: Int) async throws -> NoticeBatch {
        self.state.withLock { state in
            let page = Array(state.notices.lazy.filter { $0.id > id }.prefix(limit))
            return NoticeBatch(notices: page, lastID: page.last?.id ?? id)
        }
    }

    package func lastNoticeID() async throws -> Int64 {
        self.state.withLock { $0.nextID - 1 }
    }

    package func pruneNotices(createdBefore seconds: Double) async throws -> Int {
        self.state.withLock { state in
            let before = state.notices.count
            state.notices.removeAll { Double($0.notice.eventCreatedOn) < seconds }
            return before - state.notices.count
        }
    }

    package func leaseNoticeCursor(_ subscriber: String, node: String, now: Double, until: Double) async throws
        -> Int64?
    {
        self.state.withLock { state in
            let cursor = state.cursors[subscriber] ?? (state.notices.last?.id ?? 0, node, until)
            guard cursor.node == node || cursor.until < now else { return nil }
            state.cursors[subscriber] = (cursor.id, node, until)
            return cursor.id
        }
    }

    package func advanceNoticeCursor(_ subscriber: String, node: String, to id: Int64, until: Double) async throws
        -> Bool
    {
        self.state.withLock { state in
            guard let cursor = state.cursors[subscriber], cursor.node == node else { return false }
            state.cursors[subscriber] = (max(cursor.id, id), node, until)
            return true
        }
    }

    package func releaseNoticeCursors(node: String) async throws {
        self.state.withLock { state in
            for (subscriber, cursor) in state.cursors where cursor.node == node {
                state.cursors[subscriber] = (cursor.id, node, 0)
            }
        }
    }
}

extension InMemoryTaskStore {
    package func appendNotices(_ notices: [ReplicationNotice]) async throws {
        try await self.noticeLog.appendNotices(notices)
    }

    package func notices(after id: Int64, limit: Int) async throws -> NoticeBatch {
        try await self.noticeLog.notices(after: id, limit: limit)
    }

    package func lastNoticeID() async throws -> Int64 { try await self.noticeLog.lastNoticeID() }

    package func pruneNotices(createdBefore seconds: Double) async throws -> Int {
        try await self.noticeLog.pruneNotices(createdBefore: seconds)
    }

    package func leaseNoticeCursor(_ subscriber: String, node: String, now: Double, until: Double) async throws
        -> Int64?
    {
        try await self.noticeLog.leaseNoticeCursor(subscriber, node: node, now: now, until: until)
    }

    package func advanceNoticeCursor(_ subscriber: String, node: String, to id: Int64, until: Double) async throws
        -> Bool
    {
        try await self.noticeLog.advanceNoticeCursor(subscriber, node: node, to: id, until: until)
    }

    package func releaseNoticeCursors(node: String) async throws {
        try await self.noticeLog.releaseNoticeCursors(node: node)
    }
}
