import ReplicationCore
import Testing

struct RemoteDefaultsTests {
    private static let remote: RemoteConfiguration = {
        let configuration = ReplicationConfiguration.parse("[remote \"r\"]\n  url = /srv/${name}.git\n")
        return configuration.remotes[0]
    }()

    /// Every remote option with no value set: Gerrit's default (docs/gerrit-behaviour.md), or ours for extensions.
    @Test(arguments: [
        ("push", EffectiveOption.Value.strings(["refs/*:refs/*"])),
        ("adminUrl", .strings([])),
        ("projects", .strings([])),
        ("excludeProjects", .strings([])),
        ("excludedRefsPattern", .strings([])),
        ("mirror", .bool(false)),
        ("replicateDeletions", .bool(false)),
        ("maxDeletions", .int(100)),
        ("remoteNameStyle", .string("slash")),
        ("threads", .int(1)),
        ("timeout", .duration(.zero)),
        ("replicationDelay", .duration(.seconds(15))),
        ("rescheduleDelay", .duration(.seconds(3))),
        ("replicationRetry", .duration(.seconds(60))),
        ("replicationMaxRetries", .int(0)),
        ("drainQueueAttempts", .int(0)),
        ("pushBatchSize", .int(0)),
        ("createMissingRepositories", .bool(true)),
        ("replicatePermissions", .bool(true)),
        ("replicateProjectDeletions", .bool(false)),
        ("replicateHiddenProjects", .bool(false)),
        ("replicateNoteDbMetaRefs", .bool(true)),
        ("storeRefLog", .bool(false)),
        ("slowLatencyThreshold", .duration(.seconds(900))),
        ("authGroup", .strings([])),
        ("gitPath", .string(nil)),
        ("receivepack", .string("git-receive-pack")),
        ("uploadpack", .string("git-upload-pack")),
        ("identityFile", .string(nil)),
        ("knownHostsFile", .string(nil)),
    ])
    func hasDefault(key: String, expected: EffectiveOption.Value) throws {
        let option = try #require(Self.remote.effectiveOptions.first { $0.key == key })
        #expect(option.value == expected)
    }

    /// A Gerrit site keeps its store in `data/`; an installed service's configuration under `/etc`
    /// keeps it in `/var/lib/replicator` (`/etc` is read-only to the unit).
    @Test(arguments: [
        ("/var/gerrit/etc", "/var/gerrit/data/replicator/tasks.sqlite"),
        ("/etc/replicator", "/var/lib/replicator/tasks.sqlite"),
        ("/etc", "/var/lib/replicator/tasks.sqlite"),
        ("/etcetera/site/etc", "/etcetera/site/data/replicator/tasks.sqlite"),
    ])
    func theDefaultStoreFollowsTheLayout(configDirectory: String, store: String) {
        #expect(DaemonOptions.defaultStore(configDirectory: configDirectory) == store)
    }

    @Test func globalSectionsHaveGerritsDefaults() {
        let configuration = ReplicationConfiguration.parse("[remote \"r\"]\n  url = /srv/${name}.git\n")
        var expected = GerritOptions(basePath: "/site/git")
        expected.sshConnectionTimeout = .seconds(120)
        #expect(configuration.gerrit == expected)
        #expect(configuration.replication == ReplicationOptions())
        #expect(configuration.diagnostics.isEmpty, "\(configuration.diagnostics)")
    }
}

struct OptionValueTests {
    /// A value for `key` in `section`, and what Replicator makes of it.
    @Test(arguments: [
        ("remote", "replicationDelay", "0", "replicationDelay", EffectiveOption.Value.duration(.zero)),
        ("remote", "replicationDelay", "-5", "replicationDelay", .duration(.zero)),
        ("remote", "rescheduleDelay", "1", "rescheduleDelay", .duration(.seconds(3))),
        ("remote", "rescheduleDelay", "10", "rescheduleDelay", .duration(.seconds(10))),
        ("remote", "replicationRetry", "5", "replicationRetry", .duration(.seconds(300))),
        ("remote", "replicationRetry", "-1", "replicationRetry", .duration(.zero)),
        ("remote", "threads", "0", "threads", .int(1)),
        ("remote", "threads", "4", "threads", .int(4)),
        ("remote", "drainQueueAttempts", "-2", "drainQueueAttempts", .int(0)),
        ("remote", "pushBatchSize", "-1", "pushBatchSize", .int(0)),
        ("remote", "timeout", "30", "timeout", .duration(.seconds(30))),
        ("remote", "slowLatencyThreshold", "2 min", "slowLatencyThreshold", .duration(.seconds(120))),
        ("remote", "slowLatencyThreshold", "45", "slowLatencyThreshold", .duration(.seconds(45))),
        ("remote", "mirror", "yes", "mirror", .bool(true)),
        ("remote", "remoteNameStyle", "BasenameOnly", "remoteNameStyle", .string("basenameOnly")),
        ("remote", "gitPath", "/opt/git/bin/git", "receivepack", .string("/opt/git/bin/git-receive-pack")),
        ("remote", "gitPath", "/opt/git/bin/git", "uploadpack", .string("/opt/git/bin/git-upload-pack")),
        ("remote", "maxDeletions", "0", "maxDeletions", .int(0)),
        ("remote", "identityFile", "keys/id_ed25519", "identityFile", .string("/site/etc/keys/id_ed25519")),
        ("remote", "knownHostsFile", "/etc/ssh/known", "knownHostsFile", .string("/etc/ssh/known")),
        ("remote", "password", "secret", "password", .string("(set)")),
        ("replication", "maxRetries", "7", "replicationMaxRetries", .int(7)),
        ("gerrit", "pushBatchSize", "50", "pushBatchSize", .int(50)),
    ])
    func remoteOption(
        section: String,
        key: String,
        value: String,
        effectiveKey: String,
        expected: EffectiveOption.Value
    ) throws {
        let sectionText = section == "remote" ? "" : "[\(section)]\n  \(key) = \(value)\n"
        let remoteLine = section == "remote" ? "  \(key) = \(value)\n" : ""
        let configuration = ReplicationConfiguration.parse(
            sectionText + "[remote \"r\"]\n  url = /srv/${name}.git\n" + remoteLine
        )
        #expect(configuration.errors.isEmpty, "\(configuration.errors)")
        let option = try #require(configuration.remotes.first?.effectiveOptions.first { $0.key == effectiveKey })
        #expect(option.value == expected)
    }

    @Test(arguments: ["replicateOnStartup", "autoReload", "defaultForceUpdate", "useLegacyCredentials"])
    func gerritBooleans(key: String) throws {
        let configuration = ReplicationConfiguration.parse("[gerrit]\n  \(key)\n")
        let option = try #require(configuration.gerrit.effectiveOptions.first { $0.key == key })
        #expect(option.value == .bool(true))
        let defaults = ReplicationConfiguration.parse("").gerrit.effectiveOptions.first { $0.key == key }
        #expect(defaults?.value == .bool(false))
    }

    @Test func gerritTimeoutsUseTheirOwnBareUnits() {
        let configuration = ReplicationConfiguration.parse(
            "[gerrit]\n  sshCommandTimeout = 30\n  sshConnectionTimeout = 5000\n  basePath = /srv/git\n"
        )
        #expect(configuration.gerrit.sshCommandTimeout == .seconds(30))
        #expect(configuration.gerrit.sshConnectionTimeout == .seconds(5))
        #expect(configuration.gerrit.basePath == "/srv/git")
    }

    @Test func relativeBasePathIsRelativeToTheConfigFile() {
        let configuration = ReplicationConfiguration.parse("[gerrit]\n  basePath = ../repositories\n")
        #expect(configuration.gerrit.basePath == "/site/repositories")
    }

    @Test func updateRefErrorMaxRetriesFallsBackToLegacyName() {
        let legacy = ReplicationConfiguration.parse("[replication]\n  lockErrorMaxRetries = 5\n")
        #expect(legacy.replication.updateRefErrorMaxRetries == 5)
        let both = ReplicationConfiguration.parse(
            "[replication]\n  lockErrorMaxRetries = 5\n  updateRefErrorMaxRetries = 2\n"
        )
        #expect(both.replication.updateRefErrorMaxRetries == 2)
    }

    @Test func remoteMaxRetriesOverridesGlobal() {
        let configuration = ReplicationConfiguration.parse(
            "[replication]\n  maxRetries = 7\n[remote \"r\"]\n  url = /x/${name}\n  replicationMaxRetries = 2\n"
        )
        #expect(configuration.remotes[0].replicationMaxRetries == 2)
    }

    /// A Gerrit replica's admin URL names a server, not a path: no `${name}` needed.
    @Test func gerritSSHAdminURLsNameAServer() {
        let accepted = ReplicationConfiguration.parse(
            "[remote \"r\"]\n  url = ssh://h:29418/${name}.git\n  adminUrl = gerrit+ssh://admin@h:29418/\n"
        )
        #expect(accepted.isUsable && accepted.remotes[0].adminUrls.map(\.url.isGerritSSH) == [true])
        let refused = ReplicationConfiguration.parse(
            "[remote \"r\"]\n  url = ssh://h/${name}.git\n  adminUrl = gerrit+ssh:///\n"
        )
        #expect(refused.errors.first?.key == "remote.r.adminUrl")
    }

    /// An explicit 0 means forever, as in Gerrit, even when `replication.maxRetries` is set; unset
    /// takes the global value.
    @Test func anExplicitZeroRetriesForever() {
        let configuration = ReplicationConfiguration.parse(
            """
            [replication]
              maxRetries = 7
            [remote "forever"]
              url = /x/${name}
              replicationMaxRetries = 0
            [remote "inherits"]
              url = /y/${name}
            """
        )
        let policies = configuration.remotes.map {
            SchedulingPolicy(remote: $0, replication: configuration.replication)
        }
        #expect(policies.map(\.maxRetries) == [0, 7])
        #expect(policies[0].allowsRetry(after: 1_000))
        #expect(!policies[1].allowsRetry(after: 8))
    }

    /// Reference `DestinationConfigurationTest`.
    @Test(arguments: [
        ("", "  pushBatchSize = 10\n", 10),
        ("[gerrit]\n  pushBatchSize = 20\n", "", 20),
        ("[gerrit]\n  pushBatchSize = 20\n", "  pushBatchSize = 10\n", 10),
        ("[replication]\n  distributionInterval = 3\n", "  pushBatchSize = 10\n", 0),
        ("[gerrit]\n  pushBatchSize = 20\n[replication]\n  distributionInterval = 3\n", "", 0),
    ])
    func pushBatchSizeRules(global: String, remote: String, expected: Int) {
        let configuration = ReplicationConfiguration.parse(global + "[remote \"r\"]\n  url = /x/${name}\n" + remote)
        #expect(configuration.remotes[0].pushBatchSize == expected)
        if expected == 0 {
            #expect(configuration.warnings.contains { $0.key == "remote.r.pushBatchSize" })
        }
    }

    /// `distributionInterval` alone used to pass without a word though it does nothing here but turn
    /// batching off; `rescheduleDelay` did nothing at all.
    @Test func keysWithoutTheirGerritEffectAreReported() {
        let configuration = ReplicationConfiguration.parse(
            "[replication]\n  distributionInterval = 3\n[remote \"r\"]\n  url = /x/${name}\n  rescheduleDelay = 5\n"
        )
        #expect(
            configuration.warnings.contains {
                $0.key == "replication.distributionInterval" && $0.message.contains("no counterpart")
            },
            "\(configuration.warnings)"
        )
        #expect(configuration.warnings.contains { $0.key == "remote.r.rescheduleDelay" && $0.code == .ignoredKey })
    }

    /// docs/gerrit-behaviour.md, C1/C2: the default refspec follows `gerrit.defaultForceUpdate`.
    @Test(arguments: [("false", "refs/*:refs/*"), ("true", "+refs/*:refs/*")])
    func defaultRefSpecFollowsDefaultForceUpdate(force: String, expected: String) {
        let configuration = ReplicationConfiguration.parse(
            "[gerrit]\n  defaultForceUpdate = \(force)\n[remote \"r\"]\n  url = /x/${name}\n"
        )
        #expect(configuration.remotes[0].push.description == expected)
    }
}

struct ConfigDiagnosticsTests {
    /// Broken inputs: each diagnostic names the file, the line and the key.
    @Test(arguments: [
        ("[remote \"r\"]\n  url = /x/${name}\n  threads = many\n", 3, "remote.r.threads", "expected an integer"),
        ("[remote \"r\"]\n  url = /x/${name}\n  mirror = maybe\n", 3, "remote.r.mirror", "expected a boolean"),
        (
            "[remote \"r\"]\n  url = /x/${name}\n  push = refs/heads/*:refs/heads/x\n", 3, "remote.r.push",
            "'*' must appear on both sides"
        ),
        ("[remote \"r\"]\n  url = /x/${name}\n  push = :refs/heads/x\n", 3, "remote.r.push", "delete refspecs"),
        ("[remote \"r\"]\n  url = /x/${name}\n  push = ^+refs/heads/x\n", 3, "remote.r.push", "cannot be forced"),
        ("[remote \"r\"]\n  url = /srv/mirror.git\n", 2, "remote.r.url", "lacks ${name} placeholder"),
        ("[remote \"r\"]\n  projects = foo*\n  url = /srv/mirror.git\n", 3, "remote.r.url", "lacks ${name}"),
        ("[remote \"r\"]\n  url = ssh://host:0/${name}\n", 2, "remote.r.url", "invalid port"),
        (
            "[remote \"r\"]\n  url = /x/${name}\n  adminUrl = ssh://host/srv/repo.git\n", 3, "remote.r.adminUrl",
            "lacks ${name}"
        ),
        (
            "[remote \"r\"]\n  url = /x/${name}\n  adminUrl = https://host/${name}\n", 3, "remote.r.adminUrl",
            "adminUrls are ssh, gerrit+ssh, gerrit+http(s) or local paths"
        ),
        (
            "[remote \"r\"]\n  url = /x/${name}\n  adminUrl = gerrit+https:///\n", 3, "remote.r.adminUrl",
            "expected gerrit+https://[USER@]HOST[:PORT]/"
        ),
        (
            "[remote \"r\"]\n  url = /x/${name}\n  projects = ^foo(\n", 3, "remote.r.projects",
            "invalid regular expression"
        ),
        (
            "[remote \"r\"]\n  url = /x/${name}\n  excludeProjects = ^[z\n", 3, "remote.r.excludeProjects",
            "invalid regular"
        ),
        (
            "[remote \"r\"]\n  url = /x/${name}\n  excludedRefsPattern = refs/(x\n", 3, "remote.r.excludedRefsPattern",
            "invalid regular"
        ),
        (
            "[remote \"r\"]\n  url = /x/${name}\n  remoteNameStyle = camel\n", 3, "remote.r.remoteNameStyle",
            "unknown style"
        ),
        ("[remote \"r\"]\n  url = /x/${name}\n  gitPath = bin/git\n", 3, "remote.r.gitPath", "absolute path"),
        (
            "[remote \"r\"]\n  url = /x/${name}\n  maxDeletions = -1\n", 3, "remote.r.maxDeletions",
            "0 (no limit) or more"
        ),
        (
            "[remote \"r\"]\n  url = /x/${name}\n  slowLatencyThreshold = -1\n", 3, "remote.r.slowLatencyThreshold",
            "non-negative time"
        ),
        ("[gerrit]\n  maxRefsToLog = 1.5\n", 2, "gerrit.maxRefsToLog", "expected an integer"),
        ("[gerrit]\n  sshConnectionTimeout = soon\n", 2, "gerrit.sshConnectionTimeout", "non-negative time"),
        ("[replication]\n  maxRetries = 3000000000\n", 2, "replication.maxRetries", "expected an integer"),
        ("[include]\n  path =\n", 2, "include.path", "needs a file path"),
    ])
    func reportsErrors(text: String, line: Int, key: String, message: String) throws {
        let configuration = ReplicationConfiguration.parse(text)
        #expect(!configuration.isUsable)
        let error = try #require(configuration.errors.first, "\(configuration.diagnostics)")
        #expect(error.location?.file == TestPaths.main)
        #expect(error.location?.line == line)
        #expect(error.key == key)
        #expect(error.message.contains(message), "\(error)")
        #expect(error.description.hasPrefix("\(TestPaths.main):\(line): error: \(key): "))
    }

    @Test(arguments: [
        (
            "[remote \"r\"]\n  url = /x/${name}\n  rescheduleDelay = 1\n", 3, "remote.r.rescheduleDelay",
            "below the minimum of 3"
        ),
        (
            "[remote \"r\"]\n  url = /x/${name}\n  replicationDelay = 1m\n", 3, "remote.r.replicationDelay",
            "1048576 seconds"
        ),
        (
            "[remote \"r\"]\n  url = /x/${name}\n  replicationRetry = 1k\n", 3, "remote.r.replicationRetry",
            "1024 minutes"
        ),
        ("[remote \"r\"]\n  url = /x/${name}\n  threads = 0\n", 3, "remote.r.threads", "below the minimum of 1"),
        ("[gerrit]\n  sshConnectionTimeout = 30\n", 2, "gerrit.sshConnectionTimeout", "is 30 ms"),
        (
            "[remote \"r\"]\n  url = /x/${name}\n  replicatonDelay = 3\n", 3, "remote.r.replicatonDelay",
            "did you mean 'replicationDelay'?"
        ),
        (
            "[remote \"r\"]\n  url = /x/${name}\n  maxRetries = 50\n", 3, "remote.r.maxRetries",
            "did you mean 'replicationMaxRetries'?"
        ),
        ("[gerrit]\n  maxRetries = 5\n", 2, "gerrit.maxRetries", "belongs in the [replication] section"),
        ("[remotes \"r\"]\n  url = /x/${name}\n", 1, "remotes", "did you mean [remote]?"),
        (
            "[remote \"r\"]\n  url = /x/${name}\n  threads = 2\n  threads = 3\n", 4, "remote.r.threads",
            "set more than once"
        ),
        ("[remote \"r\"]\n  url = /x/${name}\n  fetch = +refs/*:refs/*\n", 3, "remote.r.fetch", "not a push target"),
        ("[remote \"r\"]\n  mirror = true\n", 1, "remote.r.url", "has no url"),
        ("[remote \"r\"]\n  url = /x/${name}\n  authGroup = g\n", 3, "remote.r.authGroup", "stay on this remote"),
        (
            "[remote \"r\"]\n  url = /x/${name}\n  push = refs/heads/master:master\n", 3, "remote.r.push",
            "not a full ref name"
        ),
        ("[remote \"r\"]\n  url = /x/${name}\n  push = :\n", 3, "remote.r.push", "not git's 'matching'"),
        ("[remote \"r\"]\n  url = rsync://h/${name}\n", 2, "remote.r.url", "not supported yet"),
        ("[include]\n  path = missing.config\n", 2, "include.path", "does not exist"),
    ])
    func reportsWarnings(text: String, line: Int, key: String, message: String) throws {
        let configuration = ReplicationConfiguration.parse(text)
        #expect(configuration.errors.isEmpty, "\(configuration.errors)")
        let warning = try #require(configuration.warnings.first { $0.key == key }, "\(configuration.diagnostics)")
        #expect(warning.location?.line == line)
        #expect(warning.message.contains(message), "\(warning)")
    }

    /// docs/gerrit-behaviour.md, C12 and C14: first-match-wins shadowing and overlapping destinations.
    @Test(arguments: [
        (["refs/heads/*:refs/heads/*", "refs/heads/*:refs/backup/*"], "is never used"),
        (["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/heads/tags/*"], "overlaps"),
    ])
    func warnsAboutOverlappingRefSpecs(push: [String], message: String) throws {
        let lines = push.map { "  push = \($0)\n" }.joined()
        let configuration = ReplicationConfiguration.parse("[remote \"r\"]\n  url = /x/${name}\n" + lines)
        let warning = try #require(configuration.warnings.first { $0.code == .overlappingRefSpecs })
        #expect(warning.location?.line == 4)
        #expect(warning.message.contains(message))
    }

    @Test func warnsWhenAGitHubMirrorWouldPrunePullRefs() throws {
        let mirror = "[remote \"gh\"]\n  url = git@github.com:org/${name}\n  mirror = true\n"
        let everything = ReplicationConfiguration.parse(mirror)
        #expect(everything.warnings.contains { $0.code == .mirrorFootgun })
        let branchesAndTags = ReplicationConfiguration.parse(
            mirror + "  push = +refs/heads/*:refs/heads/*\n  push = +refs/tags/*:refs/tags/*\n"
        )
        #expect(!branchesAndTags.warnings.contains { $0.code == .mirrorFootgun })
        let excluded = ReplicationConfiguration.parse(mirror + "  push = +refs/*:refs/*\n  push = ^refs/pull/*\n")
        #expect(!excluded.warnings.contains { $0.code == .mirrorFootgun })
    }

    @Test func reportsSyntaxErrorsWithColumn() throws {
        let configuration = ReplicationConfiguration.parse("[remote \"r\"]\n  url = \"/x/${name}\n")
        let error = try #require(configuration.errors.first)
        #expect(error.code == .syntax)
        #expect(error.location == ConfigLocation(file: TestPaths.main, line: 2, column: 20))
        #expect(error.description == "\(TestPaths.main):2: error: unterminated quoted value (missing '\"') (column 20)")
    }

    @Test func reportsAMissingFile() throws {
        let configuration = ReplicationConfiguration.load(
            path: "/nowhere/replication.config",
            fileSystem: InMemoryFileSystem([:])
        )
        let error = try #require(configuration.errors.first)
        #expect(error.description == "/nowhere/replication.config: error: no such file")
    }

    @Test func warnsWhenNothingIsConfigured() {
        let configuration = ReplicationConfiguration.parse("")
        #expect(configuration.isUsable)
        #expect(configuration.warnings.map(\.code) == [.noRemotes])
    }
}
