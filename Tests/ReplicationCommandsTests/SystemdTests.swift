import Foundation
import ReplicationTestSupport
import Testing

/// Running under systemd: the shipped unit verifies, and `serve` speaks the notification protocol a
/// `Type=notify` unit waits for (sd_notify(3)), over a real datagram socket as systemd's.
@Suite(.offThePool)
struct SystemdTests {
    /// A datagram socket bound where `$NOTIFY_SOCKET` points, as systemd binds it.
    final class NotifySocket {
        let path: String
        private let descriptor: Int32

        init(path: String) throws {
            self.path = path
            self.descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8) + [0]) }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(self.descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            guard bound == 0 else { throw Command.Failure(description: "bind \(path): errno \(errno)") }
            var timeout = timeval(tv_sec: 20, tv_usec: 0)
            setsockopt(self.descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }

        /// The next datagram, or `nil` after 20 s without one.
        func next() -> String? {
            var buffer = [UInt8](repeating: 0, count: 4_096)
            let count = recv(self.descriptor, &buffer, buffer.count, 0)
            return count > 0 ? String(decoding: buffer.prefix(count), as: UTF8.self) : nil
        }

        deinit { close(self.descriptor) }
    }

    @Test func serveSaysReadyReloadingAndStoppingWhenItIs() async throws {
        let site = try LocalSite()
        let notify = try NotifySocket(path: site.directory.path("notify"))
        let port = try SSHServer.freePort()
        let daemon = try ServedReplicator(
            config: site.config,
            port: port,
            log: site.directory.path("serve.log"),
            environment: ["NOTIFY_SOCKET": notify.path]
        )
        let ready = try #require(notify.next(), "READY=1 within 20 s: \(daemon.log)")
        #expect(ready.hasPrefix("READY=1\n"), "\(ready)")
        #expect(ready.contains("STATUS=listening on"), "\(ready)")
        // Ready means ready: the listener answers at once.
        #expect(try HTTPClient.get("\(daemon.base)/healthz").status == 200)

        daemon.signal(SIGHUP)
        let reloading = try #require(notify.next(), "\(daemon.log)")
        #expect(reloading.hasPrefix("RELOADING=1\nMONOTONIC_USEC="), "\(reloading)")
        let reloaded = try #require(notify.next(), "\(daemon.log)")
        #expect(reloaded.hasPrefix("READY=1\n"), "\(reloaded)")

        daemon.signal(SIGTERM)
        let stopping = try #require(notify.next(), "\(daemon.log)")
        #expect(stopping.hasPrefix("STOPPING=1"), "\(stopping)")
        #expect(daemon.wait() == 0)
    }

    /// `systemd-analyze verify` on the shipped unit, its binary pointed at this build (the unit
    /// names /usr/local/bin/replicator, where the install puts it).
    @Test func theShippedUnitVerifies() throws {
        let analyze = "/usr/bin/systemd-analyze"
        guard FileManager.default.isExecutableFile(atPath: analyze) else {
            Issue.record("systemd-analyze is missing: apt-get install systemd (scripts/install-dependencies)")
            return
        }
        let directory = try TemporaryDirectory("unit")
        let unit = ReplicatorProcess.packageRoot.appendingPathComponent("etc/replicator.service").path
        let text = try String(contentsOfFile: unit, encoding: .utf8)
            .replacingOccurrences(of: "/usr/local/bin/replicator", with: ReplicatorProcess.executable.path)
        #expect(text.contains("Type=notify\n"))
        #expect(text.contains("StateDirectory=replicator\n"))
        try directory.write(text, to: "replicator.service")
        let verified = try Command.run(analyze, ["verify", directory.path("replicator.service")])
        #expect(verified.status == 0, "\(verified.standardError)")
        #expect(verified.standardError.isEmpty, "\(verified.standardError)")
    }
}
