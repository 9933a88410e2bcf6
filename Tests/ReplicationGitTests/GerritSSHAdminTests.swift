import Foundation
import ReplicationCore
import ReplicationGit
import ReplicationTestSupport
import Testing

/// `gerrit+ssh://` admin URLs run Gerrit's ssh commands, against ``FakeGerritReplica``.
@Suite(.offThePool)
struct GerritSSHAdminTests {
    typealias Replica = FakeGerritReplica
    @Test func createsSetsHeadAndDeletesThroughGerritsCommands() throws {
        let replica = try Replica()
        try GerritSSHAdmin.createProject(
            "team/app",
            head: "refs/heads/main",
            at: try replica.admin,
            channel: replica.channel
        )
        try GerritSSHAdmin.setHead("team/app", to: "refs/heads/dev", at: try replica.admin, channel: replica.channel)
        try GerritSSHAdmin.deleteProject("team/app", at: try replica.admin, channel: replica.channel)
        #expect(
            replica.calls == [
                "create-project|--branch|refs/heads/main|team/app|",
                "set-head|team/app|--new-head|refs/heads/dev|",
                "deleteproject|delete|--yes-really-delete|--force|team/app|",
            ]
        )
        #expect(FileManager.default.fileExists(atPath: replica.directory.path("git/team/app.git/HEAD")))
    }

    @Test func exitStatusOneMeansTheDeleteProjectPluginIsMissing() throws {
        let replica = try Replica(deleteStatus: 1)
        #expect {
            try GerritSSHAdmin.deleteProject("p", at: try replica.admin, channel: replica.channel)
        } throws: { error in
            guard let error = error as? GitError else { return false }
            return error.code == .invalid && error.message.contains("delete-project plugin is not installed")
        }
    }

    @Test func aNameThatGerritWouldTakeForAnOptionIsRefused() throws {
        let replica = try Replica()
        #expect(throws: GitError.self) {
            try GerritSSHAdmin.createProject("-x", head: nil, at: try replica.admin, channel: replica.channel)
        }
        #expect(replica.calls.isEmpty, "nothing reaches the replica")
    }
}

extension FakeGerritReplica {
    var admin: RemoteURL { get throws { try RemoteURL(parsing: self.adminURL) } }

    var channel: SSHAdminChannel {
        SSHAdminChannel(access: self.server.access, connectTimeout: .seconds(10), timeout: .seconds(10))
    }
}
