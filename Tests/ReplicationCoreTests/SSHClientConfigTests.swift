import ReplicationCore
import Testing

struct SSHClientConfigTests {
    private static let config = SSHClientConfig(
        text: """
            # Gerrit replicas
            Host replica-* !replica-old
                HostName %h.example.com
                User gerrit2
                Port 29418
                IdentityFile ~/.ssh/replica_ed25519
            Host github.com
                User git
                IdentityFile=~/.ssh/github
                StrictHostKeyChecking accept-new
            Host *
                User fallback
                Port 2222
                IdentityFile ~/.ssh/id_ed25519
                UserKnownHostsFile "/etc/replicator/known_hosts"
            """
    )

    @Test func firstValueWinsAndIdentityFilesAccumulate() {
        let settings = Self.config.settings(for: "replica-1")
        #expect(settings.hostName == "replica-1.example.com")
        #expect(settings.user == "gerrit2")
        #expect(settings.port == 29_418)
        #expect(settings.identityFiles == ["~/.ssh/replica_ed25519", "~/.ssh/id_ed25519"])
        #expect(settings.userKnownHostsFile == "/etc/replicator/known_hosts")
    }

    @Test(arguments: [("replica-old", "fallback"), ("GitHub.com", "git"), ("other", "fallback")])
    func matchesPatternsWithNegationAndCase(host: String, user: String) {
        #expect(Self.config.settings(for: host).user == user)
    }

    @Test func readsStrictHostKeyChecking() {
        #expect(Self.config.settings(for: "github.com").strictHostKeyChecking == "accept-new")
        #expect(Self.config.settings(for: "other").strictHostKeyChecking == nil)
    }

    @Test(arguments: [
        ("replica-1:/srv/${name}.git", "ssh://gerrit2@replica-1.example.com:29418/srv/${name}.git"),
        ("ops@replica-2:/srv/x.git", "ssh://ops@replica-2.example.com:29418/srv/x.git"),
        ("replica-3:relative/x.git", "ssh://gerrit2@replica-3.example.com:29418/~/relative/x.git"),
        ("ssh://replica-4:22/x.git", "ssh://gerrit2@replica-4.example.com:22/x.git"),
        ("/local/path/x.git", "/local/path/x.git"),
    ])
    func appliesToURLs(url: String, expected: String) throws {
        let parsed = try RemoteURL(parsing: url)
        #expect(Self.config.settings(for: parsed.host ?? "").apply(to: parsed).description == expected)
    }

    @Test func leavesAnUnconfiguredHostAlone() throws {
        let url = try RemoteURL(parsing: "git@example.org:org/x.git")
        #expect(
            SSHClientConfig(text: "").settings(for: "example.org").apply(to: url).description
                == "git@example.org:org/x.git"
        )
    }

    /// The reported finding: `StrictHostKeyChecking no` under `Match host other` turned checking off
    /// for the Host block before it.
    @Test func matchBlocksNeverLeakIntoThePreviousHostBlock() {
        let config = SSHClientConfig(
            text: """
                Host mirror
                  HostName mirror.example.org
                Match host other
                  StrictHostKeyChecking no
                Match host mirror.example.org
                  User git
                Match exec "true"
                  StrictHostKeyChecking no
                Match all
                  Port 2222
                """
        )
        let mirror = config.settings(for: "mirror")
        #expect(mirror.strictHostKeyChecking == nil)
        #expect(mirror.user == "git", "Match host matches the name after HostName")
        #expect(mirror.port == 2222)
        #expect(config.settings(for: "other").strictHostKeyChecking == "no")
        #expect(config.settings(for: "third").strictHostKeyChecking == nil, "unsupported Match never applies")
        #expect(config.settings(for: "third").refusals.first?.contains("'Match exec \"true\"'") == true)
    }

    /// `Include` is read where it stands (a strict host-key setting in an included file was lost);
    /// options after it belong to the block around it again.
    @Test func includesAreSplicedInPlace() {
        let files = [
            "/home/u/.ssh/conf.d/a": "Host mirror\n  StrictHostKeyChecking yes\n  User fromInclude\n",
            "/home/u/.ssh/conf.d/b": "Host *\n  Port 2200\n",
            "/home/u/.ssh/inner": "  IdentityFile ~/.ssh/inner_key\n",
        ]
        let config = SSHClientConfig(
            text: """
                Include conf.d/*
                Host other
                  Include inner
                  User afterInclude
                Host *
                  StrictHostKeyChecking no
                """,
            path: "/home/u/.ssh/config",
            include: { pattern in
                let prefix = pattern.hasSuffix("*") ? "/home/u/.ssh/" + pattern.dropLast() : "/home/u/.ssh/" + pattern
                return files.filter { $0.key.hasPrefix(prefix) }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            }
        )
        let mirror = config.settings(for: "mirror")
        #expect(mirror.strictHostKeyChecking == "yes", "the included line comes first and wins")
        #expect(mirror.user == "fromInclude" && mirror.port == 2200)
        let other = config.settings(for: "other")
        #expect(other.identityFiles == ["~/.ssh/inner_key"])
        #expect(other.user == "afterInclude", "the Host block resumes after its Include")
        #expect(other.strictHostKeyChecking == "no")
    }

    /// What Replicator cannot do is refused for the hosts it concerns, never skipped in silence.
    @Test func proxiesAndUnevaluableMatchesAreRefusals() {
        let config = SSHClientConfig(
            text: """
                Host behind
                  ProxyJump bastion.example.org
                Host piped
                  ProxyCommand ssh -W %h:%p gate
                Host direct
                  ProxyJump none
                Match host special exec "test -f /tmp/x"
                  User s
                """
        )
        #expect(config.settings(for: "behind").refusals.first?.contains("ProxyJump bastion.example.org") == true)
        #expect(config.settings(for: "behind").refusals.first?.contains("~/.ssh/config:2") == true)
        #expect(config.settings(for: "piped").refusals.first?.contains("ProxyCommand") == true)
        #expect(config.settings(for: "direct").refusals.isEmpty)
        #expect(config.settings(for: "special").refusals.count == 1, "its exec may apply to it")
        #expect(config.settings(for: "elsewhere").refusals.isEmpty, "its host criterion rules it out")
    }

    @Test func matchOriginalHostUsesTheAlias() {
        let config = SSHClientConfig(text: "Host a\n  HostName b\nMatch originalhost a,c\n  User u\n")
        #expect(config.settings(for: "a").user == "u")
        #expect(config.settings(for: "b").user == nil)
    }
}
