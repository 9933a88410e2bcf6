import ReplicationCore
import Testing

/// What a project name may be, and where a mirror may be deleted.
struct DeletionProofTests {
    @Test(arguments: [
        "~root/x", "~/x", "anything/.git", ".git", "team/app.git", "a.git/b", "/abs", "a/../b", "a//b", "",
    ])
    func namesThatCouldEscapeOrCollideAreRefused(name: String) {
        #expect(ProjectName.problem(with: name) != nil)
    }

    @Test(arguments: ["-x", "--help", "team/app", "a.b/c-d_e", "All-Projects", "x~y"])
    func ordinaryAndOptionLookingNamesAreProjects(name: String) {
        #expect(ProjectName.problem(with: name) == nil)
    }

    private func template(_ text: String) throws -> URLTemplate {
        URLTemplate(text: text, url: try RemoteURL(parsing: text))
    }

    @Test func theFixedPrefixIsTheDirectoryBeforeTheName() throws {
        #expect(try self.template("host:/srv/git/${name}.git").fixedPrefix == "/srv/git/")
        #expect(try self.template("ssh://h/srv/git/${name}").fixedPrefix == "/srv/git/")
        #expect(try self.template("/srv/git/mirror-${name}.git").fixedPrefix == "/srv/git/")
        #expect(try self.template("/srv/one.git").fixedPrefix == "/srv/one.git")
    }

    @Test func onlyPathsStrictlyBelowThePrefixWithANameMayBeDeleted() throws {
        let template = try self.template("host:/srv/git/${name}")
        #expect(template.deletionProblem(at: "/srv/git/team/app") == nil)
        #expect(template.deletionProblem(at: "/srv/git/") != nil, "the base directory itself")
        #expect(template.deletionProblem(at: "/srv/git") != nil)
        #expect(template.deletionProblem(at: "/srv/git/x/") != nil, "empty last component")
        #expect(template.deletionProblem(at: "/srv/git/x/../..") != nil)
        #expect(template.deletionProblem(at: "/srv/other/x") != nil)
        #expect(try self.template("/srv/one.git").deletionProblem(at: "/srv/one.git") != nil, "shared by all projects")
    }

    /// The reported finding: basenameOnly, no `.git` in the URL, a project `anything/.git`.
    @Test func basenameOnlyNeverExpandsADeletionToTheBase() throws {
        let template = try self.template("host:/srv/git/${name}")
        let expanded = template.expand(project: "anything/.git", style: .basenameOnly)
        #expect(expanded.path == "/srv/git/")
        #expect(template.deletionProblem(at: expanded.path) != nil)
        #expect(ProjectName.problem(with: "anything/.git") != nil)
    }
}
