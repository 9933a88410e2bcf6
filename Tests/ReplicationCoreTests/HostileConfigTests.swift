import PropertyBased
import ReplicationCore
import Testing

/// Configuration values that used to crash or stall the process: each is an error diagnostic now.
struct HostileConfigTests {
    private static let file = "/etc/replicator/replication.config"

    private func load(_ text: String, extra: [String: String] = [:]) -> ReplicationConfiguration {
        ReplicationConfiguration.load(
            path: Self.file,
            fileSystem: InMemoryFileSystem([Self.file: text].merging(extra) { $1 })
        )
    }

    private func errors(_ configuration: ReplicationConfiguration) -> [ConfigDiagnostic] {
        configuration.diagnostics.filter { $0.severity == .error }
    }

    @Test(arguments: [
        ("remote", "timeout", "9223372036854775807 min"),
        ("remote", "replicationDelay", "9999999999999999 s"),
        ("remote", "replicationRetry", "2147483647"),
        ("remote", "replicationRetry", "99999999999999999999999 s"),
        ("gerrit", "sshConnectionTimeout", "2 y"),
        ("gerrit", "sshCommandTimeout", "400 d"),
        ("replicator", "drainTimeout", "9223372036854775807"),
    ])
    func hugeDurationsAreErrorsNamingTheKeyAndLine(section: String, key: String, value: String) {
        let header = section == "remote" ? "[remote \"m\"]\n  url = /m/${name}.git\n" : "[\(section)]\n"
        let text =
            header + "  \(key) = \(value)\n" + (section == "remote" ? "" : "[remote \"m\"]\n  url = /m/${name}.git\n")
        let configuration = self.load(text)
        let error = self.errors(configuration).first
        #expect(error?.key?.hasSuffix(key) == true, "\(configuration.diagnostics)")
        #expect(error?.location?.line == (section == "remote" ? 3 : 2))
        #expect(!configuration.isUsable)
    }

    @Test func aYearIsTheLongestTime() {
        #expect(ConfigValue.duration("365 d", defaultUnit: .seconds) == .seconds(365 * 86_400))
        #expect(ConfigValue.duration("366 d", defaultUnit: .seconds) == nil)
        #expect(ConfigValue.duration("9223372036854775807 min", defaultUnit: .seconds) == nil)
    }

    /// Found by the fuzz below: `482m` seconds (a 1024² multiplier) is 16 years, past every bound
    /// the scheduler's arithmetic relies on; it is refused like `366 d`.
    @Test func aMultipliedNumberOfSecondsIsBoundByAYearToo() {
        let configuration = self.load(
            "[remote \"m\"]\n  url = /m/${name}.git\n  timeout = 482m\n  replicationDelay = 8k\n"
        )
        #expect(configuration.remotes.first?.timeout == .zero, "the default")
        #expect(configuration.remotes.first?.replicationDelay == .seconds(8 * 1024))
        #expect(self.errors(configuration).map(\.key) == ["remote.m.timeout"])
    }

    /// Fuzz: any number with any unit on any time or integer key loads into either a value in range
    /// or an error diagnostic on that line; never a trap.
    @Test func randomNumbersOnEveryNumericKeyNeverCrash() async {
        let keys = [
            "timeout", "replicationDelay", "rescheduleDelay", "replicationRetry", "threads", "maxDeletions",
            "replicationMaxRetries", "drainQueueAttempts", "pushBatchSize", "slowLatencyThreshold",
        ]
        let units = ["", " ms", " s", " min", " h", " d", " w", " mon", " y", "k", "m", "g", " x"]
        let numbers = Gen.oneOf(
            Gen.int(in: Int.min...Int.max).map { "\($0)" },
            Gen.int(in: 0...100_000).map { "\($0)" },
            Gen.element(of: ["18446744073709551616", "99999999999999999999", "-0", "", "1e9"]).map { $0 ?? "" }
        )
        await propertyCheck(count: 400, input: Gen.element(of: keys), numbers, Gen.element(of: units)) {
            key,
            number,
            unit in
            let key = key ?? "timeout"
            let configuration = self.load("[remote \"m\"]\n  url = /m/${name}.git\n  \(key) = \(number)\(unit ?? "")\n")
            let remote = configuration.remotes.first
            for duration in [remote?.timeout, remote?.replicationDelay, remote?.replicationRetry].compactMap({ $0 }) {
                #expect(duration <= ConfigValue.maximumDuration * 16)
            }
            for error in self.errors(configuration) { #expect(error.location?.line == 3) }
        }
    }

    @Test func includeCyclesAreErrorsNotExplosions() {
        let text = "[include]\n  path = replication.config\n  path = replication.config\n  path = replication.config\n"
        let configuration = self.load(text)
        let errors = self.errors(configuration)
        #expect(errors.count == 3, "\(errors)")
        #expect(errors.allSatisfy { $0.message.contains("include cycle") })
    }

    @Test func includesThatMultiplyAreBounded() {
        // a includes b twice, b includes c twice, … : 2^10 reads without a bound.
        var files: [String: String] = [:]
        for level in 0..<12 {
            files["/etc/replicator/f\(level).config"] =
                "[include]\n  path = f\(level + 1).config\n  path = f\(level + 1).config\n"
        }
        let configuration = self.load("[include]\n  path = f0.config\n", extra: files)
        #expect(self.errors(configuration).contains { $0.message.contains("includes") })
        #expect(configuration.diagnostics.count < 300)
    }

    @Test func aHugeUnknownKeyGetsNoSuggestionAndCostsNoTime() {
        let key = String(repeating: "x", count: 1 << 20)
        let configuration = self.load("[remote \"m\"]\n  url = /m/${name}.git\n  \(key) = 1\n")
        let warning = configuration.diagnostics.first { $0.code == .unknownKey }
        #expect(warning != nil)
        #expect(warning?.message.contains("did you mean") == false)
    }

    @Test func thousandsOfPushLinesSkipThePairwiseLint() {
        let lines = (0..<5_000).map { "  push = +refs/heads/b\($0):refs/heads/b\($0)" }.joined(separator: "\n")
        let configuration = self.load("[remote \"m\"]\n  url = /m/${name}.git\n\(lines)\n")
        #expect(configuration.remotes.first?.push.all.count == 5_000)
        #expect(configuration.diagnostics.contains { $0.message.contains("overlap checks skipped") })
    }

    @Test(arguments: ["ssh://h/srv/mirrors/${name}/", "host:/srv/${name}/.git", "ssh://h/srv/"])
    func urlsWhoseExpansionEndsInAnEmptyComponentAreErrors(url: String) {
        let configuration = self.load("[remote \"m\"]\n  url = \(url)\n  projects = p\n")
        #expect(self.errors(configuration).contains { $0.message.contains("last component is empty") })
    }
}
