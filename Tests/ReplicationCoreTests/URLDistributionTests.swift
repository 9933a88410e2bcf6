import ReplicationCore
import Testing

/// `remote.NAME.urlDistributionStrategy` (Gerrit 3.11) and `remote.NAME.pushOption`, read and applied.
struct URLDistributionTests {
    static func configuration(_ lines: String) -> ReplicationConfiguration {
        ReplicationConfiguration.parse(
            "[remote \"r\"]\n  url = /one/${name}.git\n  url = /two/${name}.git\n  push = +refs/heads/*:refs/heads/*\n"
                + lines
        )
    }

    static func urls(_ lines: String, events: [ReplicationEvent]) -> [String] {
        let expansion = EventExpansion(configuration: Self.configuration(lines))
        var rotation = URLRotation()
        return events.flatMap { expansion.expand($0, rotation: &rotation).targets.map(\.target.url) }
    }

    static let tenEvents = (0..<10).map {
        ReplicationEvent.refUpdated(project: "p\($0 % 3)", refs: ["refs/heads/main"])
    }

    @Test func everyURLByDefault() {
        #expect(Self.configuration("").remotes[0].urlDistribution == .all)
        let urls = Self.urls("", events: Array(Self.tenEvents.prefix(2)))
        #expect(urls == ["/one/p0.git", "/two/p0.git", "/one/p1.git", "/two/p1.git"])
    }

    /// Ten pushes over two URLs: five each, in turn, whatever the project.
    @Test func roundRobinTakesTurns() {
        let urls = Self.urls("  urlDistributionStrategy = roundRobin\n", events: Self.tenEvents)
        #expect(urls.count == 10)
        #expect(urls.count { $0.hasPrefix("/one/") } == 5 && urls.count { $0.hasPrefix("/two/") } == 5)
        #expect(zip(urls, urls.dropFirst()).allSatisfy { $0.0.prefix(5) != $0.1.prefix(5) }, "alternating: \(urls)")
    }

    /// A project always lands on the same URL; different projects spread over both.
    @Test func projectShardedPinsEachProject() {
        let events = (0..<40).map { ReplicationEvent.refUpdated(project: "team/p\($0 % 20)", refs: ["refs/heads/a"]) }
        let urls = Self.urls("  urlDistributionStrategy = projectSharded\n", events: events)
        #expect(urls.count == 40)
        #expect(Array(urls.prefix(20)) == Array(urls.suffix(20)), "the same project, the same URL")
        #expect(Set(urls.map { $0.prefix(5) }) == ["/one/", "/two/"])
    }

    /// An event that names its URL (a retry, a repair) goes there, not where the turn would say.
    @Test func anEventNamingItsURLGoesThere() {
        var event = ReplicationEvent.refUpdated(project: "p", refs: ["refs/heads/main"])
        event.urls = ["/two/p.git"]
        let urls = Self.urls("  urlDistributionStrategy = roundRobin\n", events: [event, event, event])
        #expect(urls == ["/two/p.git", "/two/p.git", "/two/p.git"])
    }

    /// Gerrit takes an unknown value as `all`; we do too, with a warning naming the key and line.
    @Test func anUnknownStrategyIsAllWithAWarning() {
        let configuration = Self.configuration("  urlDistributionStrategy = roundrobbin\n")
        #expect(configuration.isUsable)
        #expect(configuration.remotes[0].urlDistribution == .all)
        let warning = configuration.diagnostics.first { $0.key == "remote.r.urlDistributionStrategy" }
        #expect(warning?.severity == .warning)
        #expect(warning?.message.contains("roundrobbin") == true)
        #expect(
            Self.configuration("  urlDistributionStrategy = ROUNDROBIN\n").remotes[0].urlDistribution == .roundRobin
        )
    }

    /// With one URL there is nothing to pick among: `config check` says so.
    @Test func aStrategyOverOneURLIsFlagged() {
        let configuration = ReplicationConfiguration.parse(
            "[remote \"r\"]\n  url = /one/${name}.git\n  urlDistributionStrategy = roundRobin\n"
        )
        #expect(configuration.isUsable)
        #expect(
            configuration.diagnostics.contains {
                $0.key == "remote.r.urlDistributionStrategy" && $0.severity == .warning
                    && $0.message.contains("has one")
            }
        )
        #expect(
            !Self.configuration("  urlDistributionStrategy = roundRobin\n").diagnostics.contains {
                $0.key == "remote.r.urlDistributionStrategy"
            }
        )
    }

    @Test func pushOptionsRepeatAndAnEmptyValueClears() {
        let options = { (lines: String) in Self.configuration(lines).remotes[0].pushOptions }
        #expect(options("") == [])
        #expect(options("  pushOption = ci.skip\n  pushOption = topic=x y\n") == ["ci.skip", "topic=x y"])
        #expect(options("  pushOption = a\n  pushOption =\n  pushOption = b\n") == ["b"])
        let broken = Self.configuration("  pushOption = \"a\\nb\"\n")
        #expect(!broken.isUsable)
        #expect(broken.errors.contains { $0.key == "remote.r.pushOption" && $0.message.contains("line break") })
    }

    @Test func maxPushSizeTakesGitsSizesAndNamesTheKeyWhenBroken() {
        let size = { (lines: String) in Self.configuration(lines).remotes[0].maxPushSize }
        #expect(size("") == 0)
        #expect(size("  maxPushSize = 20m\n") == 20 << 20)
        #expect(size("  maxPushSize = 2g\n") == 2 << 30)
        let small = Self.configuration("  maxPushSize = 100\n")
        #expect(small.remotes[0].maxPushSize == 64 << 10)
        #expect(small.diagnostics.contains { $0.key == "remote.r.maxPushSize" && $0.message.contains("64k") })
        let broken = Self.configuration("  maxPushSize = 20 MB\n")
        #expect(!broken.isUsable)
        #expect(broken.errors.contains { $0.key == "remote.r.maxPushSize" && $0.message.contains("20 MB") })
    }
}
