import Foundation
import ReplicationTestSupport
import Testing

/// Gerrit's replication events out of a real `replicator serve` pushing over a real sshd to two
/// URLs: read by a real client (`curl -N`) on `/events/stream`, and POSTed to a real webhook.
@Suite(.offThePool)
struct ReplicationEventsTests {
    /// A source and two mirrors behind one remote (two URLs, so two nodes), over ssh.
    final class Site {
        let layout: SiteLayout
        let server: SSHServer
        var directory: TemporaryDirectory { self.layout.directory }
        var config: String { self.layout.config }
        var source: String { self.layout.source() }
        var mirrors: [String] { ["a", "b"].map { self.directory.path("mirror-\($0)/p.git") } }
        var urls: [String] { ["a", "b"].map { self.server.url(self.directory.path("mirror-\($0)")) + "/p.git" } }
        private var changes = 0

        init(replicatorSection: String = "") throws {
            self.layout = try SiteLayout("events")
            self.server = try SSHServer()
            try self.layout.makeSource(refs: [("refs/heads/main", "c1")])
            for mirror in ["a", "b"] {
                try self.layout.makeMirror("mirror-\(mirror)/p.git")
            }
            try self.layout.writeConfig(
                """
                [gerrit]
                  basePath = ../git
                  replicateOnStartup = false
                [replicator]
                \(replicatorSection)
                [remote "replica"]
                  url = \(self.server.url(self.directory.path("mirror-a")))/${name}.git
                  url = \(self.server.url(self.directory.path("mirror-b")))/${name}.git
                  push = +refs/*:refs/*
                  replicationDelay = 0
                  reconcileInterval = 0
                  identityFile = \(self.server.clientKey)
                  knownHostsFile = \(self.server.knownHosts)
                """
            )
        }

        /// A new patch set ref in the source, announced to `daemon`; returns the ref.
        func change(through daemon: ServedReplicator) throws -> String {
            self.changes += 1
            let ref = "refs/changes/0\(self.changes)/\(self.changes)/1"
            let id = try GitFixtures.commit(ref, "change \(self.changes)", in: self.source)
            #expect(try daemon.post(GerritEvent.refUpdated(ref, new: id)).status == 202)
            return ref
        }

        func serve(_ name: String) throws -> ServedReplicator {
            let daemon = try self.layout.serve(port: try SSHServer.freePort(), log: "\(name).log")
            #expect(daemon.isHealthy(), "\(daemon.log)")
            return daemon
        }
    }

    typealias Event = [String: Any]

    static func parse(_ lines: [String]) -> [Event] {
        lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? Event }
    }

    /// Gerrit's fields per type (plugins_replication's event classes, plus `type` and
    /// `eventCreatedOn` from Gerrit's `Event`), and `id`, ours.
    static let gerritFields: [String: Set<String>] = [
        "ref-replication-scheduled": ["project", "ref", "targetNode", "targetUri"],
        "ref-replicated": ["project", "ref", "targetNode", "targetUri", "status", "refStatus"],
        "ref-replication-done": ["project", "ref", "nodesCount"],
    ]

    static func checkShape(_ event: Event) {
        let type = event["type"] as? String ?? ""
        let expected = (Self.gerritFields[type] ?? []).union(["type", "eventCreatedOn", "id"])
        #expect(Set(event.keys) == expected, "\(event)")
        #expect(event["eventCreatedOn"] is Int)
    }

    /// The events of one ref, in the order they came: both URLs scheduled, both replicated, done.
    static func checkLifecycle(of ref: String, in events: [Event], urls: [String]) {
        let mine = events.filter { $0["ref"] as? String == ref }
        let types = mine.map { $0["type"] as? String ?? "" }
        #expect(
            types == [
                "ref-replication-scheduled", "ref-replication-scheduled", "ref-replicated", "ref-replicated",
                "ref-replication-done",
            ],
            "\(mine)"
        )
        #expect(Set(mine.prefix(2).compactMap { $0["targetUri"] as? String }) == Set(urls))
        for replicated in mine.filter({ $0["type"] as? String == "ref-replicated" }) {
            #expect(replicated["status"] as? String == "succeeded" && replicated["refStatus"] as? String == "OK")
            #expect((replicated["targetNode"] as? String)?.hasPrefix("127.0.0.1:") == true, "\(replicated)")
            #expect(replicated["project"] as? String == "p")
        }
        #expect(mine.last?["nodesCount"] as? Int == 2, "\(mine)")
        for event in mine { Self.checkShape(event) }
    }

    static func status(_ daemon: ServedReplicator) throws -> Event {
        let body = try HTTPClient.get("\(daemon.base)/status").body
        return try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? Event)
    }

    static func ids(_ events: [Event]) -> [Int] { events.compactMap { $0["id"] as? Int } }

    static func isDone(_ ref: String, _ events: [Event]) -> Bool {
        events.contains { $0["type"] as? String == "ref-replication-done" && $0["ref"] as? String == ref }
    }

    @Test func aSubscriberGetsEveryEventInOrderAndResumesAcrossARestart() throws {
        let site = try Site()
        var daemon = try site.serve("serve-1")
        let first = try StreamSubscriber("\(daemon.base)/events/stream", output: site.directory.path("first.out"))
        usleep(300_000)  // connected before the change (without `since` it starts at the next event)
        let change1 = try site.change(through: daemon)
        #expect(eventually { Self.isDone(change1, Self.parse(first.lines)) }, "\(first.lines) \(daemon.log)")
        let seen = Self.parse(first.lines)
        Self.checkLifecycle(of: change1, in: seen, urls: site.urls)
        #expect(Self.ids(seen) == Self.ids(seen).sorted() && Set(Self.ids(seen)).count == seen.count)
        for mirror in site.mirrors { #expect(try GitFixtures.refs(of: mirror)[change1] != nil) }
        first.stop()

        // Missed while disconnected, then across a restart of the daemon.
        let change2 = try site.change(through: daemon)
        #expect(
            eventually { (try? GitFixtures.refs(of: site.mirrors[1]))?[change2] != nil },
            "\(daemon.log)"
        )
        usleep(500_000)
        #expect(daemon.stop() == 0, "\(daemon.log)")
        daemon = try site.serve("serve-2")
        let change3 = try site.change(through: daemon)
        let last = try #require(Self.ids(seen).max())
        let resumed = try StreamSubscriber(
            "\(daemon.base)/events/stream?since=\(last)",
            output: site.directory.path("resumed.out")
        )
        #expect(eventually { Self.isDone(change3, Self.parse(resumed.lines)) }, "\(resumed.lines) \(daemon.log)")
        let caughtUp = Self.parse(resumed.lines)
        #expect(!caughtUp.contains { $0["ref"] as? String == change1 }, "an event seen before was sent again")
        Self.checkLifecycle(of: change2, in: caughtUp, urls: site.urls)
        Self.checkLifecycle(of: change3, in: caughtUp, urls: site.urls)
        let ids = Self.ids(caughtUp)
        #expect(ids.first == last + 1 && ids == Array((last + 1)...(last + ids.count)), "\(ids)")
        #expect(try HTTPClient.get("\(daemon.base)/events/stream?since=-1").status == 400)
        let ahead = try HTTPClient.get("\(daemon.base)/events/stream?since=\(last + 1_000)")
        #expect(ahead.status == 400 && ahead.body.contains("beyond the newest event"), "\(ahead.body)")
        #expect(daemon.stop() == 0, "a shutdown waits for no open stream: \(daemon.log)")
        #expect(eventually { resumed.hasExited }, "the stream ended with the daemon")
    }

    @Test func aWebhookThatFailsTwiceGetsEachEventExactlyOnceAcrossRestarts() throws {
        let directory = try TemporaryDirectory("webhook")
        var receiver = try WebhookReceiver(in: directory, name: "hook", failing: 2)
        let site = try Site(
            replicatorSection: """
                  webhook = \(receiver.url)
                  webhookToken = hook-secret
                """
        )
        var daemon = try site.serve("serve-1")
        let change1 = try site.change(through: daemon)
        let delivered = { Self.parse(receiver.received).compactMap { $0["body"] as? Event } }
        #expect(eventually(timeout: .seconds(30)) { Self.isDone(change1, delivered()) }, "\(daemon.log)")
        #expect(daemon.log.contains("Webhook did not accept a replication event; will retry"))
        Self.checkLifecycle(of: change1, in: delivered(), urls: site.urls)
        for request in Self.parse(receiver.received) {
            #expect(request["authorization"] as? String == "Bearer hook-secret")
            #expect(request["contentType"] as? String == "application/json")
            #expect(request["eventId"] as? String == ((request["body"] as? Event)?["id"] as? Int).map { "\($0)" })
        }

        // The receiver is down: the next change's events wait in the store, across a restart.
        let port = receiver.port
        receiver.stop()
        let before = delivered().count
        let change2 = try site.change(through: daemon)
        #expect(eventually { (try? GitFixtures.refs(of: site.mirrors[1]))?[change2] != nil }, "\(daemon.log)")
        // /status and the status page say the webhook is failing, and why.
        let failing = eventually {
            let webhook = (try? Self.status(daemon))?["webhooks"] as? [Event]
            return (webhook?.first?["failures"] as? Int ?? 0) >= 1
        }
        #expect(failing, "\(daemon.log)")
        let webhook = try #require((try Self.status(daemon))["webhooks"] as? [Event]).first
        #expect(webhook?["url"] as? String == receiver.url && webhook?["delivering"] as? Bool == true)
        #expect((webhook?["lastError"] as? String)?.isEmpty == false && webhook?["failingSince"] is String)
        let page = try HTTPClient.get("\(daemon.base)/").body
        #expect(page.contains("Webhooks") && page.contains("failing") && page.contains(receiver.url))
        let text = try ReplicatorProcess.run([
            "status", "--config", site.config, "--listen", "127.0.0.1:\(daemon.port)",
        ])
        #expect(text.standardOutput.contains("webhook \(receiver.url): delivering"), "\(text.standardOutput)")
        #expect(text.standardOutput.contains("failing since"), "\(text.standardOutput)")
        #expect(daemon.stop() == 0, "\(daemon.log)")
        receiver = try WebhookReceiver(in: directory, name: "hook", failing: 0, port: port)
        daemon = try site.serve("serve-2")
        #expect(eventually(timeout: .seconds(30)) { Self.isDone(change2, delivered()) }, "\(daemon.log)")
        usleep(500_000)
        let all = delivered()
        Self.checkLifecycle(of: change2, in: Array(all.dropFirst(before)), urls: site.urls)
        let ids = Self.ids(all)
        #expect(ids == ids.sorted() && Set(ids).count == ids.count, "an event was delivered twice: \(ids)")
        #expect(ids == Array(ids[0]...(ids[0] + ids.count - 1)), "an event was skipped: \(ids)")
        #expect(!all.contains { ($0["targetUri"] as? String)?.contains("hook-secret") == true })
        let recovered = try #require((try Self.status(daemon))["webhooks"] as? [Event]).first
        #expect(recovered?["failures"] as? Int == 0 && recovered?["lastError"] == nil)
        #expect(recovered?["deliveredThrough"] as? Int == ids.last, "\(String(describing: recovered))")
        let metrics = try HTTPClient.get("\(daemon.base)/metrics").body
        #expect(metrics.contains("replication_webhook_posts_total"), "\(metrics)")
    }
}

/// Two `replicator serve` nodes on one PostgreSQL store: each webhook is delivered by one node at
/// a time (no event twice), and either node's stream carries the events both nodes produce.
@Suite(.offThePool)
struct ClusterReplicationEventsTests {
    @Test func oneNodeDeliversEachWebhookAndEveryNodeStreamsEveryEvent() throws {
        let directory = try TemporaryDirectory("cluster-events")
        let store = try PostgresServer.shared().makeDatabase()
        let receiver = try WebhookReceiver(in: directory, name: "hook", failing: 1)
        let projects = (0..<6).map { "p\($0)" }
        for project in projects {
            try GitFixtures.makeRepository(
                at: directory.path("git/\(project).git"),
                refs: [("refs/heads/main", project)]
            )
            try GitFixtures.makeRepository(at: directory.path("mirror/\(project).git"))
        }
        try directory.write(
            """
            [gerrit]
              basePath = ../git
              replicateOnStartup = false
            [replicator]
              store = \(store)
              leaseTimeout = 3 s
              webhook = \(receiver.url)
            [remote "local"]
              url = \(directory.path("mirror"))/${name}.git
              push = +refs/heads/*:refs/heads/*
              replicationDelay = 0
              reconcileInterval = 0
            """,
            to: "etc/replication.config"
        )
        let nodes = try (0..<2).map { index in
            try ServedReplicator(
                config: directory.path("etc/replication.config"),
                port: try SSHServer.freePort(),
                log: directory.path("node\(index).log")
            )
        }
        for node in nodes { #expect(node.isHealthy(), "\(node.log)") }
        let stream = try StreamSubscriber(
            "\(nodes[1].base)/events/stream?since=0",
            output: directory.path("stream.out")
        )
        for (index, project) in projects.enumerated() {
            let id = try GitFixtures.commit(
                "refs/heads/topic",
                "\(project) topic",
                in: directory.path("git/\(project).git")
            )
            let event = GerritEvent.refUpdated("refs/heads/topic", project: project, new: id)
            #expect(try nodes[index % 2].post(event).status == 202)
        }
        typealias Event = ReplicationEventsTests.Event
        let done = { (events: [Event]) in
            Set(
                events.filter { $0["type"] as? String == "ref-replication-done" }.compactMap {
                    $0["project"] as? String
                }
            )
        }
        let delivered = { ReplicationEventsTests.parse(receiver.received).compactMap { $0["body"] as? Event } }
        #expect(eventually(timeout: .seconds(60)) { done(delivered()) == Set(projects) }, "\(nodes[0].log)")
        #expect(
            eventually(timeout: .seconds(30)) { done(ReplicationEventsTests.parse(stream.lines)) == Set(projects) },
            "the stream on node 1 misses events node 0 produced: \(stream.lines)"
        )
        usleep(1_000_000)
        let ids = ReplicationEventsTests.ids(delivered())
        #expect(Set(ids).count == ids.count, "an event was delivered twice: \(ids)")
        #expect(ids == ids.sorted(), "out of order: \(ids)")
        let streamed = ReplicationEventsTests.ids(ReplicationEventsTests.parse(stream.lines))
        #expect(Set(streamed) == Set(ids) && streamed == streamed.sorted(), "\(streamed) vs \(ids)")
        let holders = try nodes.map { node -> Bool in
            let webhooks = try ReplicationEventsTests.status(node)["webhooks"] as? [Event]
            return webhooks?.first?["delivering"] as? Bool == true
        }
        #expect(holders.filter { $0 }.count == 1, "\(holders)")
        for node in nodes { #expect(node.stop() == 0, "\(node.log)") }
    }
}
