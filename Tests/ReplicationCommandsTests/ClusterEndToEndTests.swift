import Foundation
import ReplicationTestSupport
import Testing

/// Three `replicator serve` nodes on one PostgreSQL store, pushing to a real sshd mirror whose
/// pre-receive hook records any two pushes to one repository at the same time.
@Suite(.offThePool)
struct ClusterEndToEndTests {
    static let projects = (0..<12).map { String(format: "p%02d", $0) }

    @Test func nodesShareTheWorkAndSurvivorsTakeOverADeadNode() throws {
        let directory = try TemporaryDirectory("cluster")
        let server = try SSHServer()
        let postgres = try PostgresServer.shared()
        let store = try postgres.makeDatabase()
        let violations = directory.path("violations.log")
        let pushes = directory.path("pushes.log")
        let hook = """
            #!/bin/sh
            echo "$(pwd)" >> '\(pushes)'
            if ! mkdir replicator-push.lock 2>/dev/null; then echo "$(pwd)" >> '\(violations)'; fi
            sleep 0.3
            rmdir replicator-push.lock 2>/dev/null
            exit 0

            """
        for project in Self.projects {
            try GitFixtures.makeRepository(
                at: directory.path("git/\(project).git"),
                refs: [("refs/heads/main", project)]
            )
            let mirror = directory.path("ssh/\(project).git")
            try GitFixtures.makeRepository(at: mirror)
            try hook.write(toFile: "\(mirror)/hooks/pre-receive", atomically: true, encoding: .utf8)
            chmod("\(mirror)/hooks/pre-receive", 0o755)
        }
        try directory.write(
            """
            [gerrit]
              basePath = ../git
            [replicator]
              store = \(store)
              leaseTimeout = 3 s
            [remote "ssh"]
              url = \(server.url(directory.path("ssh")))/${name}.git
              push = +refs/heads/*:refs/heads/*
              replicationDelay = 0
              replicationRetry = 1 s
              threads = 3
              identityFile = \(server.clientKey)
              knownHostsFile = \(server.knownHosts)
            """,
            to: "etc/replication.config"
        )
        let ports = try (0..<3).map { _ in try SSHServer.freePort() }
        var nodes = try ports.enumerated().map { index, port in
            try BackgroundProcess(
                ReplicatorProcess.executable.path,
                ["serve", "--config", directory.path("etc/replication.config"), "--listen", "127.0.0.1:\(port)"],
                log: directory.path("node\(index).log")
            )
        }
        for (index, port) in ports.enumerated() {
            #expect(
                eventually(timeout: .seconds(30)) {
                    (try? HTTPClient.get("http://127.0.0.1:\(port)/healthz"))?.status == 200
                },
                "node \(index): \(nodes[index].log)"
            )
        }

        var acknowledged: [(project: String, ref: String)] = []
        var alive = [0, 1, 2]
        var deadNodeProjects: [String] = []
        for round in 0..<4 {
            for (index, project) in Self.projects.enumerated() {
                let ref = "refs/heads/r\(round)"
                let source = directory.path("git/\(project).git")
                try GitFixtures.commit(ref, "\(project) \(round)", in: source)
                let node = alive[index % alive.count]
                let body = GerritEvent.refUpdated(ref, project: project)
                if (try? HTTPClient.post("http://127.0.0.1:\(ports[node])/events", body))?.status == 202 {
                    acknowledged.append((project, ref))
                }
            }
            if round >= 1, alive.count == 3 {
                // Kill node 0 while it holds projects and pushes for them. The other nodes may take
                // a whole round's projects before it polls (under load); then try the next round.
                let name = "%:\(nodes[0].pid)"
                let database = String(store.split(separator: "/").last!)
                _ = eventually(timeout: .seconds(round == 3 ? 10 : 5)) {
                    let held = try? postgres.sql(
                        "SELECT project FROM project_leases WHERE node LIKE '\(name)'",
                        database: database
                    )
                    deadNodeProjects = held?.standardOutput.split(separator: "\n").map(String.init) ?? []
                    return !deadNodeProjects.isEmpty
                }
                guard !deadNodeProjects.isEmpty || round == 3 else { continue }
                nodes[0].signal(SIGKILL)
                nodes[0].wait()
                alive = [1, 2]
            }
        }
        #expect(!deadNodeProjects.isEmpty, "node 0 held projects when it was killed")

        let arrived = eventually(timeout: .seconds(90)) {
            acknowledged.allSatisfy {
                (try? GitFixtures.refs(of: directory.path("ssh/\($0.project).git")))?[$0.ref] != nil
            }
        }
        let missing = acknowledged.filter {
            (try? GitFixtures.refs(of: directory.path("ssh/\($0.project).git")))?[$0.ref] == nil
        }
        #expect(arrived, "missing: \(missing.map { "\($0.project) \($0.ref)" })\n\(nodes[1].log)")
        #expect(acknowledged.count == 4 * Self.projects.count)
        let overlapping = (try? String(contentsOfFile: violations, encoding: .utf8)) ?? ""
        #expect(overlapping.isEmpty, "two pushes to one repository at once: \(overlapping)")
        let hookRuns = ((try? String(contentsOfFile: pushes, encoding: .utf8)) ?? "").split(separator: "\n").count
        #expect(hookRuns >= Self.projects.count, "the mirror's hook saw the pushes")
        let survivors = nodes[1].log + nodes[2].log
        let takenOver = deadNodeProjects.filter { survivors.contains("replication.project=\($0) ") }
        #expect(!takenOver.isEmpty, "survivors pushed the dead node's projects \(deadNodeProjects)")
        // Which survivor claims a round's projects first is timing (one node may lease them all under
        // load, seen on CI); the promise is that the survivors together finish the work.
        #expect(nodes[1].log.contains("Replication finished") || nodes[2].log.contains("Replication finished"))

        // start --wait works from the command line against the shared store, with nodes running.
        let started = try ReplicatorProcess.run([
            "start", "--wait", "--now", "p00", "p01", "--json", "--config", directory.path("etc/replication.config"),
        ])
        #expect(started.status == 0, "\(started.standardOutput)\(started.standardError)")
        #expect(started.standardOutput.contains(#""project" : "p01""#))
        let status = try HTTPClient.get("http://127.0.0.1:\(ports[1])/status")
        #expect(status.body.contains(#""cluster""#))
        let list = try ReplicatorProcess.run([
            "list", "--detail", "--config", directory.path("etc/replication.config"), "--listen",
            "127.0.0.1:\(ports[1])",
        ])
        #expect(
            list.standardOutput.contains("Remote: ssh") && list.standardOutput.contains("Node: "),
            "\(list.standardOutput)"
        )
        for index in [1, 2] {
            nodes[index].signal(SIGTERM)
            #expect(nodes[index].wait() == 0, "\(nodes[index].log)")
        }
        nodes.removeAll()
    }

    /// Events queued in the embedded SQLite store move to PostgreSQL and are delivered from there.
    @Test func queuedWorkMovesFromSQLiteToPostgreSQL() throws {
        let directory = try TemporaryDirectory("move")
        let store = try PostgresServer.shared().makeDatabase()
        try GitFixtures.makeRepository(
            at: directory.path("git/p.git"),
            refs: [("refs/heads/main", "one"), ("refs/heads/dev", "two"), ("refs/tags/v1", "three")]
        )
        try directory.write(
            """
            [remote "local"]
              url = ../mirror/${name}.git
              push = +refs/*:refs/*
              replicationDelay = 0
            """,
            to: "etc/replication.config"
        )
        let config = directory.path("etc/replication.config")
        for ref in ["main", "dev", "refs/tags/v1"] {
            let queued = try ReplicatorProcess.run(["notify", "--config", config, "--project", "p", "--ref", ref])
            #expect(queued.status == 0, "\(queued.standardError)")
        }
        let moved = try ReplicatorProcess.run(["store", "move", "--config", config, "--to", store])
        #expect(moved.status == 0, "\(moved.standardError)")
        #expect(moved.standardOutput.contains("Moved 3 event(s)"))
        let emptied = try ReplicatorProcess.run(["status", "--json", "--config", config, "--listen", "127.0.0.1:1"])
        #expect(emptied.standardOutput.contains(#""pendingEvents" : 0"#), "\(emptied.standardOutput)")

        let port = try SSHServer.freePort()
        let node = try BackgroundProcess(
            ReplicatorProcess.executable.path,
            ["serve", "--config", config, "--store", store, "--listen", "127.0.0.1:\(port)"],
            log: directory.path("serve.log")
        )
        let delivered = eventually(timeout: .seconds(30)) {
            (try? GitFixtures.refs(of: directory.path("mirror/p.git")))?.count == 3
        }
        #expect(delivered, "\(node.log)")
        node.signal(SIGTERM)
        #expect(node.wait() == 0)
    }
}
