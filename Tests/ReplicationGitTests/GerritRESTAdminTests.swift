import Foundation
import ReplicationCore
import ReplicationGit
import ReplicationTestSupport
import Testing

/// `gerrit+https://` admin URLs call Gerrit's REST API, against ``SmartHTTPServer``'s stand-in.
@Suite(.offThePool)
struct GerritRESTAdminTests {
    static func admin(_ server: SmartHTTPServer, password: String? = nil) throws -> GerritRESTAdmin {
        GerritRESTAdmin(
            admin: try RemoteURL(parsing: "gerrit+https://127.0.0.1:\(server.port)/"),
            options: HTTPTransportOptions(
                username: server.user,
                password: password ?? server.password,
                caFile: server.certificate
            ),
            connectTimeout: .seconds(10),
            timeout: .seconds(10)
        )
    }

    @Test func createsSetsHeadAndDeletesThroughTheRESTAPI() throws {
        let server = try SmartHTTPServer()
        let admin = try Self.admin(server)
        try admin.createProject("team/app", head: "refs/heads/main")
        try admin.createProject("team/app", head: "refs/heads/main")  // exists: fine
        try admin.setHead("team/app", to: "refs/heads/dev")
        let head = try Command.git(["--git-dir", "\(server.root)/team/app.git", "symbolic-ref", "HEAD"])
        #expect(head == "refs/heads/dev")
        #expect(try admin.deleteProject("team/app"))
        #expect(try !admin.deleteProject("team/app"), "404: nothing was there")
        #expect(
            server.restCalls == [
                #"PUT /a/projects/team%2Fapp {"branches":["refs\/heads\/main"]}"#,
                #"PUT /a/projects/team%2Fapp {"branches":["refs\/heads\/main"]}"#,
                #"PUT /a/projects/team%2Fapp/HEAD {"ref":"refs\/heads\/dev"}"#,
                "DELETE /a/projects/team%2Fapp ",
                "DELETE /a/projects/team%2Fapp ",
            ]
        )
    }

    @Test func aWrongPasswordIsAnAuthenticationFailure() throws {
        let server = try SmartHTTPServer()
        #expect {
            try Self.admin(server, password: "wrong").createProject("p", head: nil)
        } throws: { error in
            (error as? GitError)?.code == .authentication
        }
        #expect(server.restCalls.isEmpty, "refused before the API was reached")
    }
}
