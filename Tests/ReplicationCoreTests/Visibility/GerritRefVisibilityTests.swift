import ReplicationCore
import Testing

/// Refs Gerrit manages (Gerrit's `RefVisibilityControl`): change refs follow their change, the
/// rest need the Access Database capability.
struct GerritRefVisibilityTests {
    static let groups = GerritGroups(parsing: "uuid-repl\tmediawiki-replication\n")

    static func visibility(_ allProjects: String, changes: [Int: ChangeFacts] = [:]) throws -> ProjectVisibility {
        let access = try ProjectAccess(projectConfig: allProjects, groups: Self.groups, file: "project.config")
        let read = ReadAccess(chain: [.init(project: "All-Projects", access: access)], groups: ["uuid-repl"])
        return ProjectVisibility(state: .active, read: read, changes: changes)
    }

    static let readAll = """
        [access "refs/*"]
          read = group mediawiki-replication
        [access "refs/heads/secret/*"]
          read = block group mediawiki-replication
        """

    @Test func changeRefsFollowTheirChangesBranchAndPrivacy() throws {
        let visibility = try Self.visibility(
            Self.readAll,
            changes: [
                1: ChangeFacts(branch: "refs/heads/main", isPrivate: false),
                2: ChangeFacts(branch: "refs/heads/secret/x", isPrivate: false),
                3: ChangeFacts(branch: "refs/heads/main", isPrivate: true),
            ]
        )
        #expect(visibility.hiddenReason(of: "refs/changes/01/1/1") == nil)
        #expect(visibility.hiddenReason(of: "refs/changes/01/1/meta") == nil)
        #expect(
            visibility.hiddenReason(of: "refs/changes/02/2/1")?.contains("change 2 is for refs/heads/secret/x") == true
        )
        #expect(visibility.hiddenReason(of: "refs/changes/03/3/1")?.contains("change 3 is private") == true)
        #expect(visibility.hiddenReason(of: "refs/changes/04/4/1")?.contains("no readable NoteDb meta") == true)
        let privateReader = try Self.visibility(
            Self.readAll + "\n[access \"refs/heads/*\"]\n  viewPrivateChanges = group mediawiki-replication\n",
            changes: [3: ChangeFacts(branch: "refs/heads/main", isPrivate: true)]
        )
        #expect(privateReader.hiddenReason(of: "refs/changes/03/3/1") == nil)
    }

    @Test func otherGerritRefsNeedAccessDatabase() throws {
        let plain = try Self.visibility(Self.readAll)
        for ref in [
            "refs/users/01/1000001", "refs/groups/ab/abcdef", "refs/sequences/changes", "refs/meta/group-names",
        ] {
            #expect(plain.hiddenReason(of: ref)?.contains("Access Database") == true, "\(ref)")
        }
        let database = try Self.visibility(
            Self.readAll + "\n[capability]\n  accessDatabase = group mediawiki-replication\n"
        )
        #expect(database.hiddenReason(of: "refs/users/01/1000001") == nil)
        #expect(database.hiddenReason(of: "refs/changes/04/4/1") == nil, "no NoteDb needed with Access Database")
        #expect(database.hiddenReason(of: "refs/cache-automerge/01/1") != nil, "visible to no one")
        #expect(database.hiddenReason(of: "refs/heads/secret/x") != nil, "branches keep their own rules")
    }

    @Test func readsChangeNumbersAndNoteDbFooters() {
        #expect(ChangeFacts.changeNumber(of: "refs/changes/45/12345/1") == 12345)
        #expect(ChangeFacts.changeNumber(of: "refs/changes/01/1/meta") == 1)
        #expect(ChangeFacts.changeNumber(of: "refs/changes/44/12345/1") == nil, "wrong shard")
        #expect(ChangeFacts.changeNumber(of: "refs/heads/main") == nil)
        #expect(ChangeFacts.metaRef(of: 7) == "refs/changes/07/7/meta")
        let footers = ChangeFacts.footers(
            in: "Update patch set 2\n\nPatch-set: 2\nBranch: refs/heads/dev\nPrivate: true\n"
        )
        #expect(footers.branch == "refs/heads/dev" && footers.isPrivate == true)
        #expect(ChangeFacts.footers(in: "Set topic\n\nTopic: x\n").branch == nil)
    }
}
