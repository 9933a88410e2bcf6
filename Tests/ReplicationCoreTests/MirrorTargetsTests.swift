import ReplicationCore
import Testing

/// Which projects share a mirror URL, and which expansions leave their template's directory.
struct MirrorTargetsTests {
    static func remote(_ lines: String) -> RemoteConfiguration {
        let configuration = ReplicationConfiguration.parse("[remote \"r\"]\n" + lines)
        precondition(configuration.isUsable, "\(configuration.errors)")
        return configuration.remotes[0]
    }

    @Test(arguments: [
        ("  url = /m/${name}.git\n", [String]()),
        ("  url = /m/${name}.git\n  remoteNameStyle = dash\n", ["infra-tools", "infra/tools"]),
        ("  url = /m/${name}.git\n  remoteNameStyle = underscore\n", [String]()),
        ("  url = /m/${name}.git\n  remoteNameStyle = basenameOnly\n", ["a/tools", "infra/tools"]),
        ("  url = /m/only.git\n  projects = infra/tools\n", [String]()),
    ])
    func projectsMappingToOneURLCollide(lines: String, colliding: [String]) {
        let remote = Self.remote(lines)
        let projects = ["infra/tools", "infra-tools", "infra/x", "a/tools", "other"]
        let collisions = MirrorTargets.collisions(among: projects, remote: remote) { remote.replicates(project: $0) }
        #expect(collisions.flatMap(\.projects).sorted() == colliding.sorted())
        let diagnostics = MirrorTargets.diagnostics(among: projects, remote: remote) {
            remote.replicates(project: $0)
        }
        #expect(diagnostics.allSatisfy { $0.severity == .error && $0.code == .nameCollision })
        #expect(diagnostics.count == collisions.count)
    }

    @Test(arguments: [
        ("team/...x", "/srv/m/${name}", true),
        ("team/.y", "/srv/m/${name}", true),
        ("team/.y", "/srv/m/${name}.git", true),
        ("team/app", "/srv/m/${name}", false),
        ("team/...x", "/srv/m/${name}.git", false),
    ])
    func basenameOnlyExpansionsStayInTheirDirectory(project: String, url: String, unsafe: Bool) throws {
        let remote = Self.remote("  url = \(url)\n  remoteNameStyle = basenameOnly\n")
        let expanded = try #require(remote.urls(forProject: project).first)
        let problem = MirrorTargets.pathProblem(of: remote, project: project, url: expanded)
        #expect((problem != nil) == unsafe, "\(expanded)")
    }
}
