import Foundation
package import ReplicationCore

/// Gerrit's ssh commands, for `gerrit+ssh://[USER@]HOST[:PORT]/` admin URLs (the replica is itself a
/// Gerrit server, as Gerrit's `GerritSshApi` assumes): the project is named, not a path.
package enum GerritSSHAdmin {
    /// `gerrit create-project --branch HEAD-BRANCH NAME`.
    package static func createProject(
        _ project: String,
        head: String?,
        at admin: RemoteURL,
        channel: SSHAdminChannel
    ) throws(GitError) {
        var command = "gerrit create-project"
        if let head { command += " --branch \(ShellQuoting.quote(head))" }
        command += " \(try Self.argument(project))"
        _ = try channel.run(command, on: try Self.endpoint(admin), purpose: "creating the project")
    }

    /// `gerrit set-head NAME --new-head BRANCH`.
    package static func setHead(_ project: String, to head: String, at admin: RemoteURL, channel: SSHAdminChannel)
        throws(GitError)
    {
        let command = "gerrit set-head \(try Self.argument(project)) --new-head \(ShellQuoting.quote(head))"
        _ = try channel.run(command, on: try Self.endpoint(admin), purpose: "setting HEAD")
    }

    /// `deleteproject delete --yes-really-delete --force NAME` (the delete-project plugin); exit
    /// status 1 means the plugin is not installed there.
    package static func deleteProject(_ project: String, at admin: RemoteURL, channel: SSHAdminChannel)
        throws(GitError)
    {
        let endpoint = try Self.endpoint(admin)
        let command = "deleteproject delete --yes-really-delete --force \(try Self.argument(project))"
        let result = try channel.status(of: command, on: endpoint)
        guard result.status == 0 else {
            let detail = result.errorOutput.trimmingCharacters(in: .whitespacesAndNewlines)
            let message =
                result.status == 1
                ? "deleting the project at \(admin): the delete-project plugin is not installed there (\(detail))"
                : "deleting the project at \(admin) failed: \(detail)"
            throw GitError(code: .invalid, function: "deleting the project", status: result.status, message: message)
        }
    }

    /// The project as one argument; Gerrit's command line parser would take a leading `-` for an
    /// option, so such names are refused.
    private static func argument(_ project: String) throws(GitError) -> String {
        guard !project.hasPrefix("-") else {
            throw GitError(
                code: .invalid,
                function: "gerrit+ssh",
                status: -1,
                message: "project '\(project)' begins with '-' and cannot be named to Gerrit's ssh commands"
            )
        }
        return ShellQuoting.quote(project)
    }

    /// The ssh endpoint of a `gerrit+ssh` URL: Gerrit's ssh port 29418 unless another is given.
    private static func endpoint(_ admin: RemoteURL) throws(GitError) -> RemoteURL {
        let user = admin.user.map { "\($0)@" } ?? ""
        let host = admin.host.map { $0.contains(":") ? "[\($0)]" : $0 } ?? ""
        do {
            return try RemoteURL(parsing: "ssh://\(user)\(host):\(admin.port ?? 29418)/")
        } catch {
            throw GitError(code: .invalid, function: "gerrit+ssh", status: -1, message: "\(admin): \(error)")
        }
    }
}
