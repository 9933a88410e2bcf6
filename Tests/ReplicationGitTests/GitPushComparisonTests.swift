import ReplicationCore
import ReplicationGit
import ReplicationTestSupport
import Testing

/// For random repositories and random non-overlapping refspecs (negative ones included), the
/// full-sync plan with `mirror = true` must equal what `git push --prune --dry-run --porcelain`
/// decides for the same refspecs.
@Suite(.offThePool)
struct GitPushComparisonTests {
    init() { LibGit2.initialize() }

    /// Non-overlapping positive refspecs (distinct source and destination namespaces). Patterns end
    /// in `/*`, where git's `*` (zero or more characters) and JGit's (one or more) agree.
    private static let positives = [
        "+refs/heads/*:refs/heads/*",
        "+refs/tags/*:refs/tags/*",
        "+refs/changes/*:refs/backup/changes/*",
        "+refs/meta/config:refs/meta/config",
    ]
    private static let negatives = ["^refs/heads/wip/*", "^refs/tags/rc/*", "^refs/heads/skip"]
    private static let sourceNames = [
        "refs/heads/main", "refs/heads/dev", "refs/heads/wip/a", "refs/heads/skip", "refs/heads/feature/x",
        "refs/tags/v1", "refs/tags/v2", "refs/tags/rc/1", "refs/changes/01/1/1", "refs/changes/01/1/meta",
        "refs/meta/config", "refs/notes/commits",
    ]
    private static let remoteOnlyNames = [
        "refs/pull/1/head", "refs/heads/gone", "refs/heads/wip/old", "refs/tags/old", "refs/tags/rc/0",
        "refs/backup/changes/02/2/1", "refs/heads/skip",
    ]

    @Test(arguments: 0..<16)
    func planEqualsGitPushPrune(seed: Int) async throws {
        // Thirty-odd git commands a case: on a thread of its own, so that sixteen cases never
        // queue for (or hold) the cooperative pool's two threads.
        let compared = try await onOwnThread { try Self.compare(seed: seed) }
        guard let (specs, expected, actual) = compared else { return }
        #expect(actual == expected, "seed \(seed), refspecs \(specs)")
    }

    /// The refspecs drawn for `seed`, git's decisions and the planner's; `nil` when the draw has
    /// no positive refspec.
    private static func compare(seed: Int) throws -> (specs: [String], git: Set<String>, planned: Set<String>)? {
        var random = SplitMix64(seed: UInt64(seed))
        let directory = try TemporaryDirectory("compare")
        let (source, remote) = (directory.path("source.git"), directory.path("remote.git"))
        let commits = try Self.makeHistory(source: source, remote: remote)
        for name in Self.sourceNames where random.chance(0.6) {
            try Command.git(["update-ref", name, commits[random.index(commits.count)]], in: source)
        }
        for name in Self.sourceNames + Self.remoteOnlyNames where random.chance(0.5) {
            try Command.git(["update-ref", name, commits[random.index(commits.count)]], in: remote)
        }
        // git refuses a whole push whose literal source is missing (Replicator prunes instead), so a
        // literal refspec is only compared when its source exists.
        let sourceRefs = try GitFixtures.refs(of: source)
        let specs =
            (Self.positives.filter { _ in random.chance(0.6) } + Self.negatives.filter { _ in random.chance(0.4) })
            .filter { $0.contains("*") || $0.hasPrefix("^") || sourceRefs[Self.literalSource($0)] != nil }
        guard specs.contains(where: { !$0.hasPrefix("^") }) else { return nil }
        let expected = try Self.gitDecisions(source: source, remote: remote, specs: specs)
        let actual = try Self.plannedDecisions(source: source, remote: remote, specs: specs)
        return (specs, expected, actual)
    }

    private static func literalSource(_ spec: String) -> String {
        String(spec.drop { $0 == "+" }.split(separator: ":").first ?? "")
    }

    /// Eight commits in a chain, present in both repositories.
    private static func makeHistory(source: String, remote: String) throws -> [String] {
        let ids = try GitFixtures.makeRepository(
            at: source,
            refs: (1...8).map { ("refs/history/\($0)", "commit \($0)") }
        )
        try GitFixtures.makeRepository(at: remote)
        try Command.git(["push", "-q", remote, "refs/history/8:refs/history/8"], in: source)
        for repository in [source, remote] {
            for ref in try GitFixtures.refs(of: repository).keys where ref.hasPrefix("refs/history/") {
                try Command.git(["update-ref", "-d", ref], in: repository)
            }
        }
        return (1...8).map { ids["refs/history/\($0)"]! }
    }

    /// `create|update|delete DESTINATION` for each command git would send.
    private static func gitDecisions(source: String, remote: String, specs: [String]) throws -> Set<String> {
        let output = try Command.run(
            "git",
            ["push", "--prune", "--dry-run", "--porcelain", remote] + specs,
            in: source
        )
        guard output.status == 0 else {
            throw Command.Failure(description: "git push failed: \(output.standardError)")
        }
        var decisions = Set<String>()
        for line in output.standardOutput.split(separator: "\n") where line.contains("\t") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            let destination = String(fields[1].split(separator: ":").last ?? "")
            switch fields[0] {
            case "*": decisions.insert("create \(destination)")
            case " ", "+": decisions.insert("update \(destination)")
            case "-": decisions.insert("delete \(destination)")
            case "=": continue
            default: Issue.record("unexpected git push line: \(line)")
            }
        }
        return decisions
    }

    private static func plannedDecisions(source: String, remote: String, specs: [String]) throws -> Set<String> {
        let pushLines = specs.map { "  push = \($0)\n" }.joined()
        let text =
            "[remote \"r\"]\n  url = \(remote)\n  projects = p\n  mirror = true\n  maxDeletions = 0\n" + pushLines
        let configuration = ReplicationConfiguration.load(
            path: "/config/replication.config",
            fileSystem: StaticConfigFile(text: text)
        )
        let remoteConfiguration = try #require(configuration.remotes.first)
        let repository = try GitRepository(path: source)
        let local = try repository.readRefs()
        let advertised = try repository.listRemoteRefs(url: try RemoteURL(parsing: remote), access: SSHAccess())
        let plan = UpdatePlanner(remote: remoteConfiguration).planFullSync(local: local.refs, remote: advertised)
        return Set(plan.updates.map { "\($0.action.rawValue) \($0.destination)" })
    }
}
