import Foundation
import Synchronization

/// Authenticated ssh sessions kept open between pushes and listings, one user at a time each:
/// an ssh login costs more than most pushes. A session idle longer than `idleTimeout` is closed;
/// one that failed is dropped; one the server dropped while idle is replaced once, transparently.
package final class SSHSessionPool: Sendable {
    private let idle: Mutex<[SSHEndpointKey: [SSHSession]]> = Mutex([:])
    private let logins = Atomic(0)
    package let idleTimeout: Duration
    /// A session idle longer than this may have been dropped silently on the way: its next channel
    /// gets `probeTimeout` to open before it is replaced, instead of the full connect timeout.
    package let probeAfter: Duration
    package let probeTimeout: Duration

    package init(
        idleTimeout: Duration = .seconds(300),
        probeAfter: Duration = .seconds(30),
        probeTimeout: Duration = .seconds(10)
    ) {
        self.idleTimeout = idleTimeout
        self.probeAfter = probeAfter
        self.probeTimeout = probeTimeout
    }

    /// Sessions opened so far (each one an ssh login).
    package var loginCount: Int { self.logins.load(ordering: .relaxed) }

    /// Sessions currently kept open and unused.
    package var idleCount: Int { self.idle.withLock { $0.values.reduce(0) { $0 + $1.count } } }

    /// Closes every idle session now, on this thread. A command calls it before it exits: a pool
    /// released later on another thread would disconnect while `exit` tears OpenSSL down (a crash).
    package func closeAll() {
        let sessions = self.idle.withLock { idle in
            defer { idle.removeAll() }
            return idle.values.flatMap(\.self)
        }
        _ = consume sessions
    }

    /// Runs `body` on a session for `key`: an idle one if there is one, else a new login. When a
    /// reused session fails before `body` got anywhere (``SessionGone``), `body` runs once more on
    /// a fresh session.
    func withSession<Result>(
        _ key: SSHEndpointKey,
        connectTimeout: Duration,
        _ body: (SSHSession) throws(GitError) -> Result
    ) throws(GitError) -> Result {
        if let reused = self.checkOut(key) {
            reused.setTimeout(connectTimeout)
            do {
                let result = try body(reused)
                self.checkIn(reused)
                return result
            } catch  where reused.isBroken && error.code == .network && !reused.progressed {
                // The server closed it while it sat idle: once more on a new login.
            } catch {
                self.checkIn(reused)
                throw error
            }
        }
        let session = try SSHSession.open(key, connectTimeout: connectTimeout)
        self.logins.add(1, ordering: .relaxed)
        defer { self.checkIn(session) }
        return try body(session)
    }

    private func checkOut(_ key: SSHEndpointKey) -> SSHSession? {
        let now = ContinuousClock.now
        let (session, expired) = self.idle.withLock { idle -> (SSHSession?, [SSHSession]) in
            var expired: [SSHSession] = []
            for (other, sessions) in idle {
                let (old, fresh) = sessions.partitioned { now - $0.lastUsed > self.idleTimeout }
                expired += old
                idle[other] = fresh.isEmpty ? nil : fresh
            }
            return (idle[key]?.popLast(), expired)
        }
        _ = expired
        session?.progressed = false
        if let session, now - session.lastUsed >= self.probeAfter { session.probeTimeout = self.probeTimeout }
        return session
    }

    private func checkIn(_ session: SSHSession) {
        guard !session.isBroken else { return }
        session.touch()
        self.idle.withLock { $0[session.key, default: []].append(session) }
    }
}

extension Array {
    fileprivate func partitioned(_ isFirst: (Element) -> Bool) -> ([Element], [Element]) {
        var first: [Element] = []
        var second: [Element] = []
        for element in self {
            if isFirst(element) { first.append(element) } else { second.append(element) }
        }
        return (first, second)
    }
}
