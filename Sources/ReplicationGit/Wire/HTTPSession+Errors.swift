import AsyncHTTPClient
import Foundation
import NIOHTTP1
import NIOSSL
import ReplicationCore

extension HTTPSession {
    /// `SCHEME://host[:port]` of `url`, without user information.
    static func origin(of url: RemoteURL, scheme: String) -> String {
        let host = url.host.map { $0.contains(":") ? "[\($0)]" : $0 } ?? "localhost"
        return "\(scheme)://\(host)\(url.port.map { ":\($0)" } ?? "")"
    }

    /// `url`'s path without trailing slashes (`/` for none).
    static func path(of url: RemoteURL) -> String {
        var path = url.path.hasPrefix("/") ? url.path : "/" + url.path
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        return path
    }

    /// A transport failure, classified as the ssh path's are: TLS problems are permanent.
    static func failure(_ error: any Error, address: String) -> GitError {
        if let error = error as? HTTPClientError {
            switch error {
            case .readTimeout, .deadlineExceeded:
                return GitError(
                    code: .network,
                    function: "http",
                    status: -1,
                    message: "\(address): timed out waiting for the server"
                )
            case .connectTimeout:
                return GitError(code: .network, function: "http", status: -1, message: "\(address): connect timed out")
            default:
                break
            }
        }
        if error is NIOSSLError || "\(error)".contains("certificate") {
            return GitError(
                code: .hostKey,
                function: "http",
                status: -1,
                message: "\(address): TLS verification failed: \(error)"
            )
        }
        return GitError(code: .network, function: "http", status: -1, message: "\(address): \(error)")
    }

    /// A non-200 answer: 401/403 are authentication failures, 404 a missing repository, a redirect is
    /// refused (a push must not follow it to another host).
    static func failure(_ status: HTTPResponseStatus, address: String, body: String) -> GitError {
        let said = body.trimmingCharacters(in: .whitespacesAndNewlines).prefix(300)
        let message = "\(address): HTTP \(status.code) \(status.reasonPhrase)\(said.isEmpty ? "" : ": \(said)")"
        switch status.code {
        case 401, 403:
            return GitError(code: .authentication, function: "http", status: -1, message: message)
        case 404:
            return GitError(code: .repositoryNotFound, function: "http", status: -1, message: message)
        case 300..<400:
            return GitError(
                code: .invalid,
                function: "http",
                status: -1,
                message: "\(message); redirects are refused for pushes"
            )
        default:
            return GitError(code: .network, function: "http", status: -1, message: message)
        }
    }
}

extension Duration {
    var milliseconds: Int {
        Int(self.components.seconds) * 1_000 + Int(self.components.attoseconds / 1_000_000_000_000_000)
    }
}
