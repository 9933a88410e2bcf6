import ReplicationDaemon
import ReplicationTestSupport
import Synchronization
import Testing

@Suite(.offThePool)
struct GroupCommitTests {
    private final class Ledger: Sendable {
        let commits = Mutex<[[Int]]>([])
    }

    @Test func concurrentSubmissionsShareCommitsAndKeepTheirResults() async throws {
        let ledger = Ledger()
        let group = GroupCommit<Int, Int> { items in
            ledger.commits.withLock { $0.append(items) }
            try await Task.sleep(for: .milliseconds(20))  // a slow fsync
            return items.map { $0 * 10 }
        }
        let results = try await withThrowingTaskGroup(of: (Int, [Int]).self) { tasks in
            for client in 0..<40 {
                tasks.addTask { (client, try await group.submit([client, client + 1000])) }
            }
            return try await tasks.reduce(into: [Int: [Int]]()) { $0[$1.0] = $1.1 }
        }
        for client in 0..<40 { #expect(results[client] == [client * 10, (client + 1000) * 10]) }
        let commits = ledger.commits.withLock { $0 }
        #expect(commits.flatMap { $0 }.count == 80, "every item committed once")
        #expect(commits.count < 40, "waiting submissions share a commit (\(commits.count) commits)")
    }

    @Test func aFailedCommitFailsEveryoneInItAndTheNextCommitRuns() async throws {
        struct DiskFull: Error {}
        let ledger = Ledger()
        let group = GroupCommit<Int, Int> { items in
            let attempt = ledger.commits.withLock {
                $0.append(items)
                return $0.count
            }
            if attempt == 1 { throw DiskFull() }
            return items
        }
        await #expect(throws: DiskFull.self) { try await group.submit([1]) }
        #expect(try await group.submit([2]) == [2])
    }
}
