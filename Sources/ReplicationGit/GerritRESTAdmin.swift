import AsyncHTTPClient
import Foundation
import NIOHTTP1
package import ReplicationCore

/// Gerrit's REST API, for `gerrit+http(s)://HOST[:PORT][/PREFIX]/` admin URLs (Gerrit's
/// `GerritRestApi`): `PUT /a/projects/NAME` creates, `PUT /a/projects/NAME/HEAD` re-points and
/// `DELETE /a/projects/NAME` (the delete-project plugin) deletes, with the remote's HTTP credentials
/// and the same TLS, redirect and timeout rules as `https://` pushes.
package struct GerritRESTAdmin {
    package let admin: RemoteURL
    package let options: HTTPTransportOptions
    package let connectTimeout: Duration
    package let timeout: Duration

    package init(admin: RemoteURL, options: HTTPTransportOptions, connectTimeout: Duration, timeout: Duration) {
        self.admin = admin
        self.options = options
        self.connectTimeout = connectTimeout
        self.timeout = timeout
    }

    /// Creates the project (with HEAD at `head`); one that exists already (409) is fine.
    package func createProject(_ project: String, head: String?) throws(GitError) {
        var body: [String: Any] = [:]
        if let head { body["branches"] = [head] }
        _ = try self.call(.PUT, project, suffix: "", json: body, accepted: [200, 201, 409], purpose: "creating")
    }

    package func setHead(_ project: String, to head: String) throws(GitError) {
        _ = try self.call(
            .PUT,
            project,
            suffix: "/HEAD",
            json: ["ref": head],
            accepted: [200],
            purpose: "setting HEAD of"
        )
    }

    /// 404: nothing to delete there; `false`.
    package func deleteProject(_ project: String) throws(GitError) -> Bool {
        let status = try self.call(
            .DELETE,
            project,
            suffix: "",
            json: nil,
            accepted: [200, 204, 404],
            purpose: "deleting"
        )
        return status != 404
    }

    /// `gerrit+https://host/r/` → `https://host/r/a/projects/team%2Fapp`.
    package func address(of project: String, suffix: String) -> String {
        let origin = HTTPSession.origin(of: self.admin, scheme: self.admin.scheme == "gerrit+http" ? "http" : "https")
        var prefix = HTTPSession.path(of: self.admin)
        if prefix == "/" { prefix = "" }
        return "\(origin)\(prefix)/a/projects/\(Self.encode(project))\(suffix)"
    }

    /// Gerrit's `Url.encode`: everything but unreserved characters escaped, `/` included.
    static func encode(_ project: String) -> String {
        let unreserved = CharacterSet(
            charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~"
        )
        return project.addingPercentEncoding(withAllowedCharacters: unreserved) ?? project
    }

    private func call(
        _ method: HTTPMethod,
        _ project: String,
        suffix: String,
        json: [String: Any]?,
        accepted: Set<UInt>,
        purpose: String
    ) throws(GitError) -> UInt {
        let session = HTTPSession(
            url: self.admin,
            options: self.options,
            connectTimeout: self.connectTimeout,
            timeout: self.timeout
        )
        var headers: [(String, String)] = [("Accept", "application/json")]
        var body: HTTPClient.Body?
        if let json {
            let data = (try? JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])) ?? Data("{}".utf8)
            body = .bytes(Array(data))
            headers.append(("Content-Type", "application/json; charset=UTF-8"))
        }
        do {
            return try session.send(
                method,
                self.address(of: project, suffix: suffix),
                headers: headers,
                body: body,
                accepted: accepted
            ).status
        } catch {
            throw GitError(
                code: error.code,
                function: "gerrit+http",
                status: error.status,
                message: "\(purpose) project \(project): \(error.message)"
            )
        }
    }
}
