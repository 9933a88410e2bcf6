package import ReplicationCore
import Synchronization

/// The notice log in memory, for engine tests and as the contract's reference.
extension InMemoryTaskStore {
    struct NoticeLog {
        var nextID: Int64 = 1
        var notices: [StoredNotice] = []
        var cursors: [String: (id: Int64, node: String, until: Double)] = [:]
    }

    func append(_ notices: [ReplicationNotice]) {
        self.noticeLog.withLock { log in
            for notice in notices {
                log.notices.append(StoredNotice(id: log.nextID, notice: notice))
                log.nextID += 1
            }
        }
    }

    package func notices(after id: Int64, limit: Int) async throws -> NoticeBatch {
        self.noticeLog.withLock { log in
            let page = Array(log.notices.lazy.filter { $0.id > id }.prefix(limit))
            return NoticeBatch(notices: page, lastID: page.last?.id ?? id)
        }
    }

    package func lastNoticeID() async throws -> Int64 {
        self.noticeLog.withLock { $0.nextID - 1 }
    }

    package func pruneNotices(createdBefore seconds: Double) async throws -> Int {
        self.noticeLog.withLock { log in
            let before = log.notices.count
            log.notices.removeAll { Double($0.notice.eventCreatedOn) < seconds }
            return before - log.notices.count
        }
    }

    package func leaseNoticeCursor(_ subscriber: String, node: String, now: Double, until: Double) async throws
        -> Int64?
    {
        self.noticeLog.withLock { log in
            let cursor = log.cursors[subscriber] ?? (log.notices.last?.id ?? 0, node, until)
            guard cursor.node == node || cursor.until < now else { return nil }
            log.cursors[subscriber] = (cursor.id, node, until)
            return cursor.id
        }
    }

    package func advanceNoticeCursor(_ subscriber: String, node: String, to id: Int64, until: Double) async throws
        -> Bool
    {
        self.noticeLog.withLock { log in
            guard let cursor = log.cursors[subscriber], cursor.node == node else { return false }
            log.cursors[subscriber] = (max(cursor.id, id), node, until)
            return true
        }
    }

    package func releaseNoticeCursors(node: String) async throws {
        self.noticeLog.withLock { log in
            for (subscriber, cursor) in log.cursors where cursor.node == node {
                log.cursors[subscriber] = (cursor.id, node, 0)
            }
        }
    }
}
