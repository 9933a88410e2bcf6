import ReplicationCore
import Testing

/// Gerrit's READ evaluation, from the examples of its `Documentation/access-control.txt` and the
/// rules of `PermissionCollection` / `RefControl`.
struct ReadAccessTests {
    static let groups = GerritGroups(
        parsing: """
            global:Anonymous-Users\tAnonymous Users
            global:Registered-Users\tRegistered Users
            global:Project-Owners\tProject Owners
            uuid-repl\tmediawiki-replication
            uuid-foo\tFoo Leads
            uuid-qa\tQA Leads
            uuid-outer\tOuter
            """
    )

    static func access(_ text: String) throws -> ProjectAccess {
        try ProjectAccess(projectConfig: text, groups: Self.groups, file: "project.config")
    }

    static func read(_ chain: [(String, String)], as groups: Set<String>) throws -> ReadAccess {
        ReadAccess(chain: try chain.map { .init(project: $0.0, access: try Self.access($0.1)) }, groups: groups)
    }

    static let publicSite = """
        [access "refs/*"]
          read = group Anonymous Users
        [access "refs/meta/config"]
          exclusiveGroupPermissions = read
          read = group Project Owners
        """

    @Test func theRemoteUserIsOnlyInItsOwnGroups() throws {
        let anonymousRead = try Self.read([("All-Projects", Self.publicSite)], as: ["uuid-repl"])
        #expect(anonymousRead.denial(of: "refs/heads/main") == "no read rule grants it to the remote's groups")
        let listed = try Self.read([("All-Projects", Self.publicSite)], as: ["uuid-repl", "global:Anonymous-Users"])
        #expect(listed.denial(of: "refs/heads/main") == nil)
        #expect(listed.denial(of: "refs/meta/config") != nil, "refs/meta/config is exclusive to project owners")
    }

    @Test func aProjectDenyHidesTheParentsAllowForTheSamePatternAndGroup() throws {
        let site = """
            [access "refs/*"]
              read = group mediawiki-replication
            """
        let hidden = """
            [access "refs/*"]
              read = deny group mediawiki-replication
            """
        let read = try Self.read([("private", hidden), ("All-Projects", site)], as: ["uuid-repl"])
        let denial = read.denial(of: "refs/heads/main")
        #expect(denial == "denied by 'read = deny group mediawiki-replication' on refs/* in private")
        // A deny on another pattern does not shadow the parent's allow (Gerrit's (pattern, group) rule).
        let narrower = """
            [access "refs/heads/*"]
              read = deny group mediawiki-replication
            """
        let stillRead = try Self.read([("p", narrower), ("All-Projects", site)], as: ["uuid-repl"])
        #expect(stillRead.denial(of: "refs/heads/main") == nil)
        // The project's own allow beside the deny keeps it readable for another group.
        let withOwnAllow = """
            [access "refs/*"]
              read = deny group mediawiki-replication
              read = group Foo Leads
            """
        let foo = try Self.read([("p", withOwnAllow), ("All-Projects", site)], as: ["uuid-foo"])
        #expect(foo.denial(of: "refs/heads/main") == nil)
    }

    @Test func anExclusiveSectionLocksOutEveryOtherGroup() throws {
        let project = """
            [access "refs/heads/*"]
              read = group Foo Leads
            [access "refs/heads/qa"]
              exclusiveGroupPermissions = read
              read = group QA Leads
            """
        let foo = try Self.read([("p", project)], as: ["uuid-foo"])
        #expect(foo.denial(of: "refs/heads/main") == nil)
        #expect(foo.denial(of: "refs/heads/qa")?.contains("exclusive") == true)
        #expect(try Self.read([("p", project)], as: ["uuid-qa"]).denial(of: "refs/heads/qa") == nil)
        let alsoFoo = project + "\n  read = group Foo Leads\n"
        #expect(try Self.read([("p", alsoFoo)], as: ["uuid-foo"]).denial(of: "refs/heads/qa") == nil)
    }

    @Test func aBlockInAParentBeatsAChildsAllow() throws {
        let site = """
            [access "refs/*"]
              read = group mediawiki-replication
            [access "refs/heads/secret/*"]
              read = block group mediawiki-replication
            """
        let child = """
            [access "refs/heads/secret/*"]
              read = group mediawiki-replication
            """
        let read = try Self.read([("p", child), ("All-Projects", site)], as: ["uuid-repl"])
        #expect(read.denial(of: "refs/heads/main") == nil)
        let denial = read.denial(of: "refs/heads/secret/plan")
        #expect(
            denial == "blocked by 'read = block group mediawiki-replication' on refs/heads/secret/* in All-Projects"
        )
    }

    @Test func anAllowInTheSameSectionOverridesTheBlock() throws {
        let site = """
            [access "refs/heads/*"]
              read = block group Anonymous Users
              read = group mediawiki-replication
            """
        let both: Set<String> = ["uuid-repl", "global:Anonymous-Users"]
        #expect(try Self.read([("All-Projects", site)], as: both).denial(of: "refs/heads/main") == nil)
        let anonymous = try Self.read([("All-Projects", site)], as: ["global:Anonymous-Users"])
        #expect(anonymous.denial(of: "refs/heads/main")?.hasPrefix("blocked by") == true)
        // An allow in another section of the same project does not lift it.
        let split = """
            [access "refs/heads/*"]
              read = block group Anonymous Users
            [access "refs/*"]
              read = group mediawiki-replication
            """
        #expect(try Self.read([("All-Projects", split)], as: both).denial(of: "refs/heads/main") != nil)
    }

    @Test func aMoreSpecificExclusiveAllowOfTheSameProjectLiftsItsBlock() throws {
        let project = """
            [access "refs/heads/*"]
              read = block group Anonymous Users
            [access "refs/heads/release"]
              exclusiveGroupPermissions = read
              read = group Anonymous Users
            """
        let read = try Self.read([("p", project)], as: ["global:Anonymous-Users"])
        #expect(read.denial(of: "refs/heads/release") == nil)
        #expect(read.denial(of: "refs/heads/main")?.hasPrefix("blocked by") == true)
    }

    @Test func patternsAreExactPrefixOrWholeRegularExpressions() throws {
        let project = """
            [access "^refs/heads/[a-z]{1,8}"]
              read = group Foo Leads
            [access "refs/tags/v1"]
              read = group Foo Leads
            [access "refs/heads/sandbox/${username}/*"]
              read = group Foo Leads
            """
        let read = try Self.read([("p", project)], as: ["uuid-foo"])
        #expect(read.denial(of: "refs/heads/abc") == nil)
        #expect(read.denial(of: "refs/heads/ABC") != nil)
        #expect(read.denial(of: "refs/heads/abcdefghij") != nil, "the expression matches the whole name")
        #expect(read.denial(of: "refs/tags/v1") == nil)
        #expect(read.denial(of: "refs/tags/v10") != nil)
        #expect(read.denial(of: "refs/heads/sandbox/joe/x") != nil, "the remote's user has no user name")
    }

    @Test func projectOwnersAreTheGroupsWithOwnerOnRefsStar() throws {
        let project = """
            [access "refs/*"]
              owner = group Foo Leads
              read = group Foo Leads
            """
        let read = try Self.read([("p", project), ("All-Projects", Self.publicSite)], as: ["uuid-foo"])
        #expect(read.readsConfiguration)
        let other = try Self.read([("p", project), ("All-Projects", Self.publicSite)], as: ["uuid-qa"])
        #expect(!other.readsConfiguration)
    }

    @Test func aRuleForAGroupTheGroupsFileLacksMatchesNobody() throws {
        let project = """
            [access "refs/*"]
              read = group Nobody Knows
            """
        let parsed = try Self.access(project)
        #expect(parsed.sections.first?.permissions["read"]?.rules.first?.group == nil)
        #expect(try Self.read([("p", project)], as: ["uuid-repl"]).denial(of: "refs/heads/main") != nil)
    }

    @Test func parsesInheritanceStateRangesAndForce() throws {
        let parsed = try Self.access(
            """
            [project]
              state = HIDDEN
            [access]
              inheritFrom = Public-Projects
            [access "refs/heads/*"]
              exclusiveGroupPermissions = read push
              Read = block +force group QA Leads
              label-Code-Review = -2..+2 group Foo Leads
            """
        )
        #expect(parsed.parent == "Public-Projects")
        #expect(parsed.state == .hidden)
        let section = try #require(parsed.sections.first)
        #expect(section.permissions["read"]?.isExclusive == true && section.permissions["push"]?.isExclusive == true)
        let expected = AccessRule(action: .block, isForce: true, group: "uuid-qa", groupName: "QA Leads")
        #expect(section.permissions["read"]?.rules == [expected])
        #expect(section.permissions["label-code-review"]?.rules.first?.group == "uuid-foo")
    }

    @Test func theRemoteUserIncludesEveryGroupThatIncludesItsGroups() {
        let user = RemoteSiteUser(
            authGroups: ["mediawiki-replication", "Registered Users", "no-such-group"],
            names: ["mediawiki-replication": "uuid-repl", "Middle": "uuid-middle"],
            subgroups: ["uuid-middle": ["uuid-repl"], "uuid-outer": ["uuid-middle"], "uuid-other": ["uuid-x"]]
        )
        #expect(user.groups == ["uuid-repl", "uuid-middle", "uuid-outer", "global:Registered-Users"])
        #expect(user.unknown == ["no-such-group"])
    }
}
