import ReplicationCore
import Testing

/// Whole-file loading: the seed's GitHub remote, `[include]`, and the fan-out form.
struct ConfigLoadingTests {
    /// `../shared/seeds/wikimedia-T413966-tag-deletion.txt`, verbatim, comments after values included.
    static let wikimediaGitHub = #"""
        [remote "github"]
          authGroup = mediawiki-replication
          createMissingRepositories = false
          maxRetries = 50
          mirror = false
          projects = ^(?:(?!apps\\/).)*$
          push = +refs/heads/*:refs/heads/*   # <------ for branches
          push = +refs/tags/*:refs/tags/*     # <------ for tags
          remoteNameStyle = dash
          replicatePermissions = false
          rescheduleDelay = 15
          threads = 2
          url = git@github.com:wikimedia/${name}
        """#

    /// Gerrit's etc/secure.config beside replication.config holds the HTTP credentials; it wins
    /// over the same keys in replication.config, and a broken one is an error naming its line.
    @Test func readsCredentialsFromSecureConfig() throws {
        let main = """
            [remote "github"]
              url = https://github.com/org/${name}.git
              username = from-main
              password = main-secret
            [remote "other"]
              url = https://gitlab.example/${name}.git
            """
        let loaded = ReplicationConfiguration.load(
            path: "/site/etc/replication.config",
            fileSystem: InMemoryFileSystem([
                "/site/etc/replication.config": main,
                "/site/etc/secure.config": "[remote \"github\"]\n  username = bot\n  password = token\n",
            ])
        )
        #expect(loaded.isUsable, "\(loaded.diagnostics)")
        #expect(loaded.remote(named: "github")?.username == "bot")
        #expect(loaded.remote(named: "github")?.password == "token")
        #expect(loaded.remote(named: "other")?.password == nil)
        let broken = ReplicationConfiguration.load(
            path: "/site/etc/replication.config",
            fileSystem: InMemoryFileSystem([
                "/site/etc/replication.config": main,
                "/site/etc/secure.config": "[remote \"github\"]\n  password = \"hunter2\n",
            ])
        )
        let error = try #require(broken.diagnostics.first { $0.severity == .error })
        #expect(error.location?.file == "/site/etc/secure.config" && error.location?.line == 2)
        #expect(!error.description.contains("hunter2"), "a secret is never quoted")
    }

    /// `replicator.webhook` is repeatable and must be http(s); the token may live in secure.config.
    @Test func readsWebhooksRetentionAndTheWebhookToken() throws {
        let main = """
            [replicator]
              eventRetention = 2h
              webhook = https://ci.example.com/hook
              webhook = ftp://ci.example.com/hook
              webhook = http://127.0.0.1:9000/events
              webhook = http://h
              webhook = https://
              webhook = https://token@
              webhookToken = from-main
            [remote "m"]
              url = /m/${name}.git
            """
        let loaded = ReplicationConfiguration.load(
            path: "/site/etc/replication.config",
            fileSystem: InMemoryFileSystem([
                "/site/etc/replication.config": main,
                "/site/etc/secure.config": "[replicator]\n  webhookToken = s3cret\n",
            ])
        )
        #expect(
            loaded.daemon.webhooks == ["https://ci.example.com/hook", "http://127.0.0.1:9000/events", "http://h"]
        )
        #expect(loaded.daemon.eventRetention == .seconds(7200))
        #expect(loaded.daemon.webhookToken == "s3cret", "secure.config wins")
        let errors = loaded.diagnostics.filter { $0.severity == .error }
        #expect(errors.map(\.key) == Array(repeating: "replicator.webhook", count: 3), "\(errors)")
        #expect(errors.map(\.location?.line) == [4, 7, 8], "\(errors)")
        #expect(!errors.contains { $0.description.contains("token@") }, "a credential is never quoted")
        #expect(
            ReplicationConfiguration.parse("[remote \"m\"]\n  url = /m\n").daemon.eventRetention == .seconds(86_400)
        )
    }

    @Test func parsesTheWikimediaGitHubRemote() throws {
        let configuration = ReplicationConfiguration.parse(Self.wikimediaGitHub)
        #expect(configuration.isUsable)
        let github = try #require(configuration.remote(named: "github"))
        #expect(github.authGroups == ["mediawiki-replication"])
        #expect(!github.createMissingRepositories)
        #expect(!github.isMirror)
        #expect(github.projects.includes.map(\.text) == [#"^(?:(?!apps\/).)*$"#])
        #expect(github.push.description == "+refs/heads/*:refs/heads/* +refs/tags/*:refs/tags/*")
        #expect(github.remoteNameStyle == .dash)
        #expect(!github.replicatePermissions)
        #expect(github.rescheduleDelay == .seconds(15))
        #expect(github.threads == 2)
        #expect(
            github.urls(forProject: "mediawiki/core").map(\.description) == ["git@github.com:wikimedia/mediawiki-core"]
        )
        #expect(github.replicates(project: "mediawiki/core"))
        #expect(!github.replicates(project: "apps/android/wikipedia"))
        // `maxRetries` is not a remote key, in Gerrit either: the cap of 50 never applied.
        #expect(github.replicationMaxRetries == 0)
        let typo = try #require(configuration.warnings.first { $0.key == "remote.github.maxRetries" })
        #expect(typo.location?.line == 4)
    }

    /// The fan-out form (docs/gerrit-behaviour.md, "Defaults and configuration").
    @Test func loadsTheFanOutExample() throws {
        let main =
            "[gerrit]\n  autoReload = true\n  replicateOnStartup = false\n[replication]\n  lockErrorMaxRetries = 5\n  maxRetries = 5\n"
        let hostOne = "[remote]\n  url = gerrit2@host-one.example.com:/some/path/${name}.git\n"
        let configuration = ReplicationConfiguration.parse(
            main,
            extraFiles: ["/site/etc/replication/host-one.config": hostOne]
        )
        #expect(configuration.diagnostics.isEmpty, "\(configuration.diagnostics)")
        #expect(configuration.fanOutDirectory == "/site/etc/replication")
        #expect(configuration.gerrit.autoReload)
        #expect(configuration.replication.updateRefErrorMaxRetries == 5)
        let remote = try #require(configuration.remote(named: "host-one"))
        #expect(remote.urls.map(\.description) == ["gerrit2@host-one.example.com:/some/path/${name}.git"])
        #expect(remote.replicationMaxRetries == 5)
        #expect(remote.location == ConfigLocation(file: "/site/etc/replication/host-one.config", line: 1, column: 1))
    }

    /// Reference `FanoutConfigResourceTest`.
    @Test func appliesFanOutValidityRules() {
        let files = [
            "/site/etc/replication/a.config": "[remote]\n  url = /a/${name}\n",
            "/site/etc/replication/b.d.config": "[remote]\n  url = /b/${name}\n",
            "/site/etc/replication/empty.config": "",
            "/site/etc/replication/two.config": "[remote]\n  url = /x/${name}\n[remote]\n  url = /y/${name}\n",
            "/site/etc/replication/named.config": "[remote \"n\"]\n  url = /n/${name}\n",
            "/site/etc/replication/only-global.config": "[replication]\n  maxRetries = 3\n",
            "/site/etc/replication/sub/c.config": "[remote]\n  url = /c/${name}\n",
            "/site/etc/replication/d.yaml": "[remote]\n  url = /d/${name}\n",
        ]
        let configuration = ReplicationConfiguration.parse("[remote \"main\"]\n  url = /m/${name}\n", extraFiles: files)
        #expect(configuration.remotes.map(\.name) == ["a", "b.d"])
        #expect(configuration.isUsable)
        let fanOutWarnings = configuration.warnings.filter { $0.code == .fanOut }
        // The remote in replication.config, and the empty, two-remote, named and remote-less files.
        #expect(fanOutWarnings.count == 5, "\(fanOutWarnings)")
        #expect(
            fanOutWarnings.contains { $0.location?.file == TestPaths.main && $0.message.contains("\"main\" ignored") }
        )
        // A skipped file contributes nothing, not even its other sections.
        #expect(configuration.replication.maxRetries == 0)
    }

    @Test func mergesOtherSectionsOfAValidFanOutFileWithAWarning() throws {
        let file = "[remote]\n  url = /a/${name}\n[replication]\n  maxRetries = 3\n"
        let configuration = ReplicationConfiguration.parse("", extraFiles: ["/site/etc/replication/a.config": file])
        #expect(configuration.replication.maxRetries == 3)
        #expect(configuration.remotes[0].replicationMaxRetries == 3)
        let warning = try #require(configuration.warnings.first { $0.code == .fanOut })
        #expect(warning.location?.line == 3)
    }

    @Test func reportsAFanOutURLWithoutPlaceholderAgainstItsFile() throws {
        let files = ["/site/etc/replication/x.config": "[remote]\n  url = /srv/fixed.git\n"]
        let configuration = ReplicationConfiguration.parse("", extraFiles: files)
        let error = try #require(configuration.errors.first)
        #expect(error.key == "remote.x.url")
        #expect(error.location?.file == "/site/etc/replication/x.config")
        #expect(error.location?.line == 2)
    }

    @Test func splicesIncludesInPlace() throws {
        let main =
            "[remote \"r\"]\n  url = /x/${name}\n  threads = 2\n[include]\n  path = more/extra.config\n[gerrit]\n  autoReload = false\n"
        let extra = "[remote \"r\"]\n  threads = 5\n[gerrit]\n  autoReload = true\n"
        let configuration = ReplicationConfiguration.parse(main, extraFiles: ["/site/etc/more/extra.config": extra])
        #expect(configuration.files == [TestPaths.main, "/site/etc/more/extra.config"])
        // The include comes after threads = 2, so it wins; autoReload = false comes after the include.
        #expect(configuration.remotes[0].threads == 5)
        #expect(!configuration.gerrit.autoReload)
    }

    @Test func resolvesNestedIncludesRelativeToTheIncludingFile() {
        let files = [
            "/site/etc/a/one.config": "[include]\n  path = two.config\n",
            "/site/etc/a/two.config": "[remote \"r\"]\n  url = /x/${name}\n",
        ]
        let configuration = ReplicationConfiguration.parse("[include]\n  path = a/one.config\n", extraFiles: files)
        #expect(configuration.remotes.map(\.name) == ["r"])
    }

    @Test func expandsTildeInIncludes() {
        let files = ["/home/replicator/remotes.config": "[remote \"r\"]\n  url = /x/${name}\n"]
        let configuration = ReplicationConfiguration.parse("[include]\n  path = ~/remotes.config\n", extraFiles: files)
        #expect(configuration.remotes.map(\.name) == ["r"])
    }

    @Test func stopsIncludeCycles() throws {
        let configuration = ReplicationConfiguration.parse("[include]\n  path = replication.config\n")
        let error = try #require(configuration.errors.first)
        #expect(error.code == .includeTooDeep)
        #expect(error.key == "include.path")
    }

    @Test func reportsSyntaxErrorsInIncludedFiles() throws {
        let files = ["/site/etc/bad.config": "[remote \"r\"\n"]
        let configuration = ReplicationConfiguration.parse("[include]\n  path = bad.config\n", extraFiles: files)
        let error = try #require(configuration.errors.first)
        #expect(error.location?.file == "/site/etc/bad.config")
        #expect(error.location?.line == 1)
    }

    /// docs/gerrit-behaviour.md, C19/C20: a single-project remote may use a fixed URL.
    @Test func allowsAFixedURLForASingleProject() {
        let configuration = ReplicationConfiguration.parse("[remote \"r\"]\n  projects = foo\n  url = /srv/only.git\n")
        #expect(configuration.isUsable)
        #expect(configuration.remotes[0].urls(forProject: "foo").map(\.description) == ["/srv/only.git"])
    }

    @Test func resolvesRelativeLocalURLsAgainstTheConfigFile() {
        let configuration = ReplicationConfiguration.parse(
            "[remote \"r\"]\n  url = ../mirror/${name}.git\n  url = file:///abs/${name}\n"
        )
        let urls = configuration.remotes[0].urls(forProject: "p").map(\.description)
        #expect(urls == ["/site/mirror/p.git", "file:///abs/p"])
    }

    @Test func rewritesURLsWithInsteadOf() {
        let text = "[url \"git@github.com:\"]\n  insteadOf = gh:\n[remote \"r\"]\n  url = gh:org/${name}\n"
        let configuration = ReplicationConfiguration.parse(text)
        #expect(configuration.remotes[0].urls(forProject: "p").map(\.description) == ["git@github.com:org/p"])
        #expect(configuration.remotes[0].urls[0].text == "gh:org/${name}")
    }

    @Test func mergesSplitRemoteSections() {
        let text = "[remote \"r\"]\n  url = /a/${name}\n[gerrit]\n  autoReload\n[remote \"r\"]\n  url = /b/${name}\n"
        let configuration = ReplicationConfiguration.parse(text)
        #expect(configuration.remotes.count == 1)
        #expect(configuration.remotes[0].urls.count == 2)
    }

    @Test func keepsRemoteNamesCaseSensitive() {
        let text = "[remote \"Mirror\"]\n  url = /a/${name}\n[remote \"mirror\"]\n  url = /b/${name}\n"
        #expect(ReplicationConfiguration.parse(text).remotes.map(\.name) == ["Mirror", "mirror"])
    }
}
