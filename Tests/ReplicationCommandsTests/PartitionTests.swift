import Foundation
import ReplicationTestSupport
import Testing

/// Three `replicator serve` nodes on one PostgreSQL server, each behind a proxy the test cuts and
/// heals, pushing to local mirrors whose pushes are slow on purpose; randomized rounds of events,
/// partitions (blackhole or reset), heals and SIGKILLs, and one node whose store turns into a
/// read-only standby halfway. The mirrors' hooks log every push with its node and times.
/// Promises checked: no two pushes to one mirror overlap; every acknowledged value arrives; every
/// mirror ends equal to its source; the standby node never pushes once its lease is gone.
@Suite(.offThePool, .serialized)
struct PartitionTests {
    static let rounds = 20
    static let projects = ["p0", "p1", "p2", "p3"]
    static let branches = ["refs/heads/main", "refs/heads/dev"]
    /// Four seconds: a fifth of it (0.8 s) is the fence's margin, which a loaded two-core run must keep.
    static let lease = 4.0

    @Test func fencedNodesNeverOverlapAndMirrorsEndAtTheSource() async throws {
        let seed = UInt64(Date().timeIntervalSince1970 * 1000)
        let result = try await onOwnThread { try PartitionRun(seed: seed).run() }
        let context = "seed \(seed)\n\(result.actions.joined(separator: "\n"))"
        #expect(result.overlaps.isEmpty, "overlapping pushes: \(result.overlaps)\n\(context)")
        #expect(result.pushes > 0, "the mirrors' hooks saw pushes\n\(context)")
        #expect(result.acknowledged > 0, "events were acknowledged\n\(context)")
        #expect(
            result.lostAcknowledged.isEmpty,
            "acknowledged but never arrived: \(result.lostAcknowledged)\n\(context)"
        )
        #expect(result.unequal.isEmpty, "mirrors not equal to their source: \(result.unequal)\n\(context)")
        #expect(result.standbyLatePushes.isEmpty, "pushes by the standby node: \(result.standbyLatePushes)\n\(context)")
        #expect(result.standbyRefusedEvents, "the standby node refused events (503)\n\(context)")
    }
}

/// What one run saw.
struct PartitionResult: Sendable {
    var actions: [String] = []
    var pushes = 0
    var acknowledged = 0
    var overlaps: [String] = []
    var lostAcknowledged: [String] = []
    var unequal: [String] = []
    var standbyLatePushes: [String] = []
    var standbyRefusedEvents = false
}

final class PartitionRun {
    let directory: TemporaryDirectory
    let postgres: PostgresServer
    let database: String
    var random: SplitMix64
    var result = PartitionResult()
    var proxies: [PartitionProxy] = []
    var nodes: [BackgroundProcess?] = []
    var ports: [Int] = []
    var stores: [String] = []
    /// Each ref's values in the order they were committed, and the index of the last acknowledged.
    var values: [String: [String]] = [:]
    var lastAcknowledged: [String: Int] = [:]
    let standby = 2
    var standbyRole: String { "standby_\(self.database)" }
    var standbySince: Date?
    let started = Date()

    init(seed: UInt64) throws {
        self.random = SplitMix64(seed: seed)
        self.directory = try TemporaryDirectory("partition")
        self.postgres = try PostgresServer.shared()
        let url = try self.postgres.makeDatabase()
        self.database = String(url.split(separator: "/").last!)
    }

    func run() throws -> PartitionResult {
        try self.makeSite()
        for index in 0..<3 {
            self.proxies.append(try PartitionProxy(to: self.postgres.port))
            self.ports.append(try SSHServer.freePort())
            let role = index == self.standby ? self.standbyRole : "replicator"
            self.stores.append("postgres://\(role)@127.0.0.1:\(self.proxies[index].port)/\(self.database)")
        }
        _ = try self.postgres.sql("CREATE ROLE \(self.standbyRole) LOGIN IN ROLE replicator")
        self.nodes = [nil, nil, nil]
        for index in 0..<3 { try self.start(index) }
        var heals: [Int: Int] = [:]
        var restarts: [Int: Int] = [:]
        for round in 1...PartitionTests.rounds {
            for (index, due) in heals where due == round {
                self.proxies[index].heal()
                heals[index] = nil
                self.note("round \(round): heal n\(index)")
            }
            for (index, due) in restarts where due == round {
                try self.start(index)
                restarts[index] = nil
                self.note("round \(round): restart n\(index)")
            }
            if round == PartitionTests.rounds / 2 {
                // The standby switch needs node 2 up first (a node cannot even start on a
                // read-only store): healed and restarted if need be.
                self.proxies[self.standby].heal()
                heals[self.standby] = nil
                // A node restarted while cut off may still be starting (it waited on the cut
                // connection): it must be up before its store turns read-only, or it never is.
                let base = "http://127.0.0.1:\(self.ports[self.standby])"
                let up =
                    self.nodes[self.standby]?.hasExited == false
                    && eventually(timeout: .seconds(30)) { (try? HTTPClient.get("\(base)/healthz"))?.status == 200 }
                if !up {
                    self.nodes[self.standby]?.signal(SIGKILL)
                    _ = self.nodes[self.standby]?.wait()
                    try self.start(self.standby)
                    restarts[self.standby] = nil
                }
                try self.turnIntoStandby()
            }
            try self.sendEvents(round: round)
            usleep(300_000)
            if let index = self.nodeInALongPush(), heals[index] == nil {
                // The case fencing exists for: a node cut off while its push outlasts its lease.
                self.proxies[index].cut(.blackhole)
                heals[index] = round + Int.random(in: 2...4, using: &self.random)
                self.note("round \(round): cut n\(index) (blackhole) mid-push until round \(heals[index]!)")
                continue
            }
            let roll = Int.random(in: 0..<100, using: &self.random)
            let index = Int.random(in: 0..<3, using: &self.random)
            if roll < 35, heals[index] == nil, self.nodes[index] != nil {
                let mode: PartitionProxy.Cut = Bool.random(using: &self.random) ? .blackhole : .reset
                self.proxies[index].cut(mode)
                heals[index] = round + Int.random(in: 1...4, using: &self.random)
                self.note("round \(round): cut n\(index) (\(mode)) until round \(heals[index]!)")
            } else if roll < 55, restarts[index] == nil, let node = self.nodes[index],
                self.nodes.compactMap({ $0 }).count > 1, index != self.standby || self.standbySince == nil
            {
                // (A standby node stays up: restarted, it could not even prepare its store.)
                node.signal(SIGKILL)
                node.wait()
                self.nodes[index] = nil
                restarts[index] = round + Int.random(in: 1...2, using: &self.random)
                self.note("round \(round): SIGKILL n\(index) until round \(restarts[index]!)")
            }
            usleep(UInt32(Int.random(in: 300_000...1_200_000, using: &self.random)))
        }
        for proxy in self.proxies { proxy.heal() }
        for index in 0..<3 where self.nodes[index] == nil { try self.start(index) }
        self.note("healed; every node runs")
        self.checkAcknowledgedArrive()
        try self.checkMirrorsEndAtTheSource()
        self.checkHookLogs()
        for node in self.nodes.compactMap({ $0 }) {
            node.signal(SIGTERM)
            node.wait()
        }
        for proxy in self.proxies { proxy.shutDown() }
        return self.result
    }

    /// A node whose push started less than a second ago and sleeps past the lease in the hook.
    private func nodeInALongPush() -> Int? {
        let text = (try? String(contentsOfFile: self.directory.path("pushes.log"), encoding: .utf8)) ?? ""
        let now = Date().timeIntervalSince1970
        for line in text.split(separator: "\n").reversed() {
            let fields = line.split(separator: " ").map(String.init)
            guard fields.count == 6, fields[0] == "start", let at = Double(fields[4]), let pause = Double(fields[5])
            else { continue }
            if now - at > 1 { return nil }
            guard pause >= PartitionTests.lease, let index = Int(fields[2].dropFirst()), self.nodes[index] != nil,
                !self.proxies[index].isCut, index != self.standby || self.standbySince == nil
            else { continue }
            return index
        }
        return nil
    }

    private func note(_ action: String) {
        self.result.actions.append(String(format: "%6.2f ", Date().timeIntervalSince(self.started)) + action)
    }

    private func makeSite() throws {
        let log = self.directory.path("pushes.log")
        try FileManager.default.createDirectory(atPath: self.directory.path("alive"), withIntermediateDirectories: true)
        for project in PartitionTests.projects {
            try GitFixtures.makeRepository(at: self.directory.path("git/\(project).git"))
            let mirror = self.directory.path("mirror/\(project).git")
            try GitFixtures.makeRepository(at: mirror)
            // The span of a push on the mirror: from its pre-receive hook's start to the hook's end,
            // which comes when it slept its time, when it is terminated (a fence closed: the push's
            // process group gets SIGTERM), or when its receive-pack is gone (the daemon died).
            try GitFixtures.installHook(
                """
                #!/bin/sh
                rp=$PPID
                # The receive-pack's pid and start time: pids wrap within seconds on a busy machine
                # (32768 of them, a full test run starts ~900 processes a second at its peak).
                id="$rp.$(cut -d' ' -f22 /proc/$rp/stat)"
                trap 'echo "end \(project) $REPLICATOR_TEST_NODE $id $(date +%s.%N)" >> "\(log)"; exit 1' TERM
                n=$(od -An -N1 -tu1 /dev/urandom | tr -d ' ')
                # One push in four outlasts the lease (4 s): the test cuts its node mid-push.
                pause=$(awk "BEGIN { print ($n < 64) ? 5 + $n / 64 : 0.2 + $n / 255 }")
                # Seen alive as it starts: a hook killed before its first look below still has an
                # end (its receive-pack's commits, if any, extend it through the commit lines).
                started=$(date +%s.%N)
                echo "$started" > '\(self.directory.path("alive"))/\(project).'$id
                echo "start \(project) $REPLICATOR_TEST_NODE $id $started $pause" >> '\(log)'
                until=$(awk -v now="$(date +%s.%N)" -v pause="$pause" 'BEGIN { printf "%.3f", now + pause }')
                while awk -v now="$(date +%s.%N)" -v until="$until" 'BEGIN { exit !(now < until) }'; do
                    # Alive (the same process, not a later one with its pid), and not a zombie (one
                    # whose daemon died may wait for init to reap it).
                    stat=$(cut -d' ' -f3,22 /proc/$rp/stat 2>/dev/null)
                    [ "$rp.${stat#* }" = "$id" ] && [ "${stat% *}" != Z ] || break
                    date +%s.%N > '\(self.directory.path("alive"))/\(project).'$id
                    sleep 0.05
                done
                echo "end \(project) $REPLICATOR_TEST_NODE $id $(date +%s.%N)" >> '\(log)'
                stat=$(cut -d' ' -f3,22 /proc/$rp/stat 2>/dev/null)
                [ "$rp.${stat#* }" = "$id" ] && [ "${stat% *}" != Z ] || exit 1
                exit 0

                """,
                named: "pre-receive",
                in: mirror
            )
            try GitFixtures.installHook(
                """
                #!/bin/sh
                [ "$1" = committed ] || exit 0
                id="$PPID.$(cut -d' ' -f22 /proc/$PPID/stat)"
                echo "commit \(project) $REPLICATOR_TEST_NODE $id $(date +%s.%N)" >> '\(log)'

                """,
                named: "reference-transaction",
                in: mirror
            )
        }
        let lease = Int(PartitionTests.lease)
        try self.directory.write(
            """
            [gerrit]
              basePath = ../git
            [replicator]
              leaseTimeout = \(lease) s
              storeTimeout = 2 s
              drainTimeout = 2 s
            [remote "m"]
              url = ../mirror/${name}.git
              push = +refs/heads/*:refs/heads/*
              replicationDelay = 0
              replicationRetry = 1 s
              threads = 4
              reconcileInterval = 0
            """,
            to: "etc/replication.config"
        )
    }

    private func start(_ index: Int) throws {
        self.nodes[index] = try BackgroundProcess(
            ReplicatorProcess.executable.path,
            [
                "serve", "--config", self.directory.path("etc/replication.config"), "--store", self.stores[index],
                "--listen", "127.0.0.1:\(self.ports[index])", "--log-level", "debug",
            ],
            log: self.directory.path("n\(index).log"),
            environment: ["REPLICATOR_TEST_NODE": "n\(index)"]
        )
        // A cut node may not become healthy until healed; the others must.
        if !self.proxies[index].isCut {
            _ = eventually(timeout: .seconds(30)) {
                (try? HTTPClient.get("http://127.0.0.1:\(self.ports[index])/healthz"))?.status == 200
            }
        }
    }

    /// From now on node 2's sessions are read-only, as on a standby after a failover: its
    /// connections are reset so that it opens new ones.
    private func turnIntoStandby() throws {
        _ = try self.postgres.sql(
            "ALTER ROLE \(self.standbyRole) IN DATABASE \(self.database) SET default_transaction_read_only = on"
        )
        self.proxies[self.standby].cut(.reset)
        usleep(100_000)
        self.proxies[self.standby].heal()
        self.standbySince = Date()
        self.note("n2's store is a read-only standby from now on")
        // It can acknowledge nothing now: a write refused is a 503, never a 202.
        var status: Int?
        _ = eventually(timeout: .seconds(10)) {
            status =
                (try? HTTPClient.post(
                    "http://127.0.0.1:\(self.ports[self.standby])/events",
                    GerritEvent.refUpdated("refs/heads/main", project: "p0")
                ))?.status
            return status != nil
        }
        self.result.standbyRefusedEvents = status == 503
        self.note("n2 answered an event with \(status.map { "\($0)" } ?? "nothing")")
    }

    private func sendEvents(round: Int) throws {
        for _ in 0..<Int.random(in: 1...3, using: &self.random) {
            let project = PartitionTests.projects.randomElement(using: &self.random)!
            let ref = PartitionTests.branches.randomElement(using: &self.random)!
            let key = "\(project) \(ref)"
            let value = try GitFixtures.commit(
                ref,
                "\(key) \(round) \(self.values[key, default: []].count)",
                in: self.directory.path("git/\(project).git")
            )
            self.values[key, default: []].append(value)
            let node = Int.random(in: 0..<3, using: &self.random)
            guard self.nodes[node] != nil else { continue }
            let answer = try? HTTPClient.post(
                "http://127.0.0.1:\(self.ports[node])/events",
                GerritEvent.refUpdated(ref, project: project)
            )
            if answer?.status == 202 {
                self.lastAcknowledged[key] = self.values[key]!.count - 1
                self.result.acknowledged += 1
            } else if node == self.standby, self.standbySince != nil, answer?.status == 202 {
                self.result.standbyRefusedEvents = false
            }
        }
    }

    private func mirrorValue(_ key: String) -> String? {
        let parts = key.split(separator: " ").map(String.init)
        return (try? GitFixtures.refs(of: self.directory.path("mirror/\(parts[0]).git")))?[parts[1]]
    }

    /// Every acknowledged value (or a newer one) reaches the mirror, with nothing else sent.
    private func checkAcknowledgedArrive() {
        let arrived = eventually(timeout: .seconds(90)) { self.lagging().isEmpty }
        if !arrived {
            self.result.lostAcknowledged = self.lagging()
            self.appendNodeLogs()
        }
        self.note("acknowledged values checked")
    }

    /// The nodes' own words, for a failure's message (the directory goes with the test).
    private func appendNodeLogs() {
        self.result.actions += (0..<3).map { index in
            let log = (try? String(contentsOfFile: self.directory.path("n\(index).log"), encoding: .utf8)) ?? ""
            let interesting = log.split(separator: "\n").filter { !$0.contains("level=debug") }.suffix(80)
            return "--- n\(index)\n" + interesting.joined(separator: "\n")
        }
    }

    private func lagging() -> [String] {
        self.lastAcknowledged.compactMap { key, index in
            let history = self.values[key] ?? []
            guard let value = self.mirrorValue(key), let at = history.firstIndex(of: value), at >= index else {
                return key
            }
            return nil
        }.sorted()
    }

    /// One more event per ref through a healthy node: every mirror then equals its source.
    private func checkMirrorsEndAtTheSource() throws {
        // Acknowledged by whichever writable node answers first (a node healed a moment ago may
        // still be reconnecting to its store and answer 503).
        for key in self.values.keys.sorted() {
            let parts = key.split(separator: " ").map(String.init)
            let queued = eventually(timeout: .seconds(30)) {
                [0, 1].contains { index in
                    let answer = try? HTTPClient.post(
                        "http://127.0.0.1:\(self.ports[index])/events",
                        GerritEvent.refUpdated(parts[1], project: parts[0])
                    )
                    return answer?.status == 202
                }
            }
            if !queued { self.result.unequal.append("\(key): no writable node acknowledged the last event") }
        }
        let equal = eventually(timeout: .seconds(90)) { self.unequal().isEmpty }
        if !equal {
            self.result.unequal += self.unequal()
            self.appendNodeLogs()
        }
        self.note("mirrors checked")
    }

    private func unequal() -> [String] {
        PartitionTests.projects.compactMap { project in
            let source = (try? GitFixtures.refs(of: self.directory.path("git/\(project).git"))) ?? [:]
            let mirror = (try? GitFixtures.refs(of: self.directory.path("mirror/\(project).git"))) ?? [:]
            let heads = { (refs: [String: String]) in refs.filter { $0.key.hasPrefix("refs/heads/") } }
            return heads(source) == heads(mirror) ? nil : "\(project): source \(heads(source)) mirror \(heads(mirror))"
        }
    }

    /// Each push is the span from its pre-receive hook's start to the later of the hook's end and
    /// its last committed ref update, per receive-pack; two spans on one mirror must never overlap.
    /// A span whose end was never logged counts as open until now.
    private func checkHookLogs() {
        let text = (try? String(contentsOfFile: self.directory.path("pushes.log"), encoding: .utf8)) ?? ""
        struct Span {
            var key: String
            var project: String
            var node: String
            var start: Double
            var end: Double?
            var committed = false
        }
        var spans: [String: Span] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ").map(String.init)
            guard fields.count >= 5, let time = Double(fields[4]) else { continue }
            let key = "\(fields[1]) \(fields[3])"
            switch fields[0] {
            case "start": spans[key] = Span(key: fields[3], project: fields[1], node: fields[2], start: time)
            default:
                guard var span = spans[key] else { continue }
                span.end = max(span.end ?? time, time)
                span.committed = span.committed || fields[0] == "commit"
                spans[key] = span
            }
        }
        // A hook killed outright logs no end: its receive-pack was alive until the hook last saw it.
        for (key, span) in spans {
            let pid = key.split(separator: " ")[1]
            let seen = try? String(
                contentsOfFile: self.directory.path("alive/\(span.project).\(pid)"),
                encoding: .utf8
            )
            if let seen = seen.flatMap({ Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) {
                spans[key]?.end = max(span.end ?? seen, seen)
            }
        }
        let now = Date().timeIntervalSince1970
        let all = spans.values.map { span in
            var span = span
            span.end = span.end ?? now
            return span
        }
        let committed = all.filter(\.committed)
        self.result.pushes = committed.count
        for project in PartitionTests.projects {
            let ordered = all.filter { $0.project == project }.sorted { $0.start < $1.start }
            var latest: Span?
            for span in ordered {
                if let earlier = latest, span.start < earlier.end! {
                    // The earlier push's own lines, so that a failure shows how its span was made.
                    let lines = text.split(separator: "\n").filter { $0.contains(" \(earlier.key) ") }.prefix(6)
                    self.result.overlaps.append(
                        "\(project): \(earlier.node) \(earlier.start)–\(earlier.end!), \(span.node) \(span.start)–\(span.end!)"
                            + " [\(lines.joined(separator: "; "))]"
                    )
                }
                if latest.map({ span.end! > $0.end! }) ?? true { latest = span }
            }
        }
        guard let since = self.standbySince?.timeIntervalSince1970 else { return }
        self.result.standbyLatePushes = committed.filter {
            $0.node == "n\(self.standby)" && $0.end! > since + PartitionTests.lease
        }
        .map { "\($0.project) \($0.start)–\($0.end!)" }
    }
}
