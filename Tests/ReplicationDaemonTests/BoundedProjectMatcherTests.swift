import Logging
import ReplicationCore
import ReplicationDaemon
import ReplicationTestSupport
import Testing

/// One configuration file in memory.
struct OneFile: ConfigFileSystem {
    var text: String
    func readFile(atPath path: String) throws(ConfigFileError) -> String? { self.text }
    func configFiles(inDirectory path: String) -> [String]? { nil }
    func expandingTilde(_ path: String) -> String { path }

    static func configuration(_ text: String) -> ReplicationConfiguration {
        ReplicationConfiguration.load(path: "/etc/replication.config", fileSystem: Self(text: text))
    }

    static func remote(_ lines: String) -> RemoteConfiguration {
        self.configuration("[remote \"m\"]\n  url = /m/${name}.git\n" + lines).remotes[0]
    }
}

@Suite(.offThePool)
struct BoundedProjectMatcherTests {
    private let remote = OneFile.remote("  projects = ^(a+)+$\n")
    private let matcher = BoundedProjectMatcher(
        logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
        limit: .milliseconds(20)
    )

    @Test func aMatchThatRunsOverCountsAsNotMatchingAndBlocksNothing() async throws {
        let slow = String(repeating: "a", count: 14) + "b"
        let clock = ContinuousClock()
        let started = clock.now
        #expect(!self.matcher.replicates(self.remote, slow))
        #expect(clock.now - started < .seconds(1), "answered at the limit, not when the match ends")
        // While it runs, other names of that remote wait for nothing (and do not start threads).
        #expect(!self.matcher.replicates(self.remote, "aaa"))
        // Once it has finished, names are matched again, and the late answer was kept.
        let recovered = await eventually(timeout: .seconds(60), every: .milliseconds(100)) {
            self.matcher.replicates(self.remote, "aaaa")
        }
        #expect(recovered)
        #expect(!self.matcher.replicates(self.remote, slow))
    }

    @Test func filtersWithoutRegexAreAnsweredDirectly() {
        let plain = OneFile.remote("  projects = team/*\n")
        #expect(self.matcher.replicates(plain, "team/app"))
        #expect(!self.matcher.replicates(plain, "other"))
    }
}
