import Foundation
import ReplicationTestSupport
import Testing

/// Credentials in URLs never reach output; loopback is decided by where a name points.
@Suite(.offThePool)
struct SecretsAndListenTests {
    @Test func configCheckNeverPrintsURLCredentials() throws {
        let site = try LocalSite(
            extra: """
                [remote "github"]
                  url = https://bot:SECRET-TOKEN@github.com/org/${name}.git
                  url = https://OTHER-SECRET@gitlab.example.com/${name}.git
                  adminUrl = ssh://admin:SSH-PASSWORD@mirror.example.org/srv/${name}.git
                [replicator]
                  store = postgres://replicator:DB-PASSWORD@db.example.org/replicator
                """
        )
        for arguments in [["config", "check"], ["config", "check", "--json"]] {
            let result = try site.replicator(arguments)
            let output = result.standardOutput + result.standardError
            for secret in ["SECRET-TOKEN", "OTHER-SECRET", "SSH-PASSWORD", "DB-PASSWORD"] {
                #expect(!output.contains(secret), "\(arguments): \(secret) in \(output)")
            }
            #expect(output.contains("https://bot:***@github.com/org/${name}.git"))
        }
    }

    /// One redaction for every output: a password, token and webhook secret planted in the
    /// configuration appear in no command's output (text or JSON), no route's answer and no log line,
    /// while the daemon fails to push to those URLs and to deliver to that webhook.
    @Test func noCommandRouteOrLogShowsAPlantedSecret() throws {
        let site = try LocalSite(
            extra: """
                [remote "github"]
                  url = https://bot:SECRET-TOKEN@127.0.0.1:9/org/${name}.git
                  url = https://OTHER-SECRET@127.0.0.1:9/${name}.git
                  adminUrl = ssh://admin:SSH-PASSWORD@127.0.0.1:9/srv/${name}.git
                  replicationDelay = 0
                  reconcileInterval = 0
                [replicator]
                  webhook = http://127.0.0.1:9/hook?token=HOOK-SECRET&team=HOOK-TEAM
                """
        )
        let secrets = ["SECRET-TOKEN", "OTHER-SECRET", "SSH-PASSWORD", "HOOK-SECRET", "HOOK-TEAM"]
        var outputs: [(String, String)] = []
        try site.serve()
        #expect(try site.post(GerritEvent.refUpdated("refs/heads/main")).status == 202)
        let base = site.base
        #expect(
            eventually {
                (try? HTTPClient.get("\(base)/metrics").body)?.contains("replication_webhook_posts_total") == true
            }
        )
        let commands: [[String]] = [
            ["config", "check"], ["config", "check", "--json"], ["list"], ["list", "--json"], ["list", "--detail"],
            ["status"], ["status", "--json"], ["start", "--dry-run", "--all"],
            ["start", "--dry-run", "--all", "--json"],
            ["verify", "--all"], ["verify", "--all", "--json"], ["explain", "p", "refs/heads/main", "--offline"],
            ["explain", "p", "refs/heads/main", "--offline", "--json"],
            ["wait", "p", "refs/heads/main", "--timeout", "1s", "--remote", "github"],
        ]
        for arguments in commands {
            let result = try site.replicator(arguments)
            outputs.append((arguments.joined(separator: " "), result.standardOutput + result.standardError))
        }
        for route in ["/status", "/", "/metrics", "/healthz"] {
            outputs.append((route, try HTTPClient.get(base + route).body))
        }
        outputs.append(("daemon log", site.daemon?.log ?? ""))
        for (source, output) in outputs {
            for secret in secrets {
                #expect(!output.contains(secret), "\(source): \(secret) in \(output.prefix(3000))")
            }
        }
        let status = try HTTPClient.get(base + "/status").body
        #expect(status.contains("token=***"), "the webhook is shown, its secret is not: \(status.prefix(2000))")
    }

    @Test func listenAddressesAreJudgedByWhatTheyResolveTo() throws {
        let site = try LocalSite()
        // 127.1 is 127.0.0.1: loopback, no token needed.
        try site.serve(["--listen", "127.1:\(site.port)"], expectUp: false)
        #expect(eventually(timeout: .seconds(20)) { (try? HTTPClient.get("\(site.base)/healthz"))?.status == 200 })
        site.stop()
        // A name that merely starts with "127." is not loopback: without a token, serve refuses.
        let refused = try site.replicator(["serve", "--listen", "127.example.invalid:\(site.port)"])
        #expect(refused.status == 2, "\(refused.standardError)")
        #expect(refused.standardError.contains("requires replicator.bearerToken"))
    }

    /// A request whose body never completes is answered (408) or closed within requestTimeout.
    @Test func anUnfinishedRequestIsNotHeldOpen() throws {
        let site = try LocalSite(extra: "[replicator]\n  requestTimeout = 2 s")
        try site.serve()
        let connection = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(connection) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(site.port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(connection, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        #expect(connected == 0)
        let request = "POST /events HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"type"
        _ = request.withCString { send(connection, $0, strlen($0), 0) }
        let clock = ContinuousClock()
        let sent = clock.now
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 4096)
        var answer = ""
        while true {
            let count = recv(connection, &buffer, buffer.count, 0)
            guard count > 0 else { break }
            answer += String(decoding: buffer[..<count], as: UTF8.self)
        }
        let waited = clock.now - sent
        #expect(waited < .seconds(8), "the connection was held \(waited)")
        #expect(answer.isEmpty || answer.hasPrefix("HTTP/1.1 408"), "\(answer)")
        #expect(try HTTPClient.get("\(site.base)/healthz").status == 200)
        site.stop()
    }
}
