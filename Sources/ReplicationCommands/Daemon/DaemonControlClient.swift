import Foundation
import ReplicationCore
import ReplicationDaemon

/// `start --daemon URL` and `allow-deletions --daemon URL`: the daemon's control routes, from any
/// host that reaches its HTTP port. The bearer token comes from `$REPLICATOR_TOKEN`, else from
/// `replicator.bearerToken` of a local configuration when there is one (never from the command
/// line, where other users would see it).
struct DaemonControlClient {
    static let tokenVariable = "REPLICATOR_TOKEN"

    let base: URL
    let token: String?

    init(daemon: String, configuration options: ConfigOptions) throws {
        let text = daemon.hasSuffix("/") ? String(daemon.dropLast()) : daemon
        guard let base = URL(string: text), ["http", "https"].contains(base.scheme ?? "") else {
            throw CommandFailure("--daemon takes the daemon's base URL, such as http://replicator.example.com:8418")
        }
        self.base = base
        let configured =
            FileManager.default.fileExists(atPath: options.path)
            ? (try? ReplicationConfiguration.loadForCommand(options))?.daemon.bearerToken : nil
        self.token = ProcessInfo.processInfo.environment[Self.tokenVariable] ?? configured
    }

    /// POSTs `body` as JSON to `route`; the status and the decoded answer, or a failure with the
    /// daemon's own words for anything it refused.
    func post<Answer: Decodable>(
        _ route: String,
        _ body: some Encodable,
        query: String = "",
        timeout: Duration = .seconds(30),
        accepting statuses: Set<Int> = [200, 202],
        as type: Answer.Type
    ) async throws -> (status: Int, answer: Answer) {
        let sent: DaemonHTTPRequest.Answer
        do {
            sent = try await DaemonHTTPRequest.send(
                .post,
                self.base.absoluteString + "/" + route + query,
                body: try JSONEncoder().encode(body),
                bearerToken: self.token,
                timeout: timeout
            )
        } catch {
            throw CommandFailure("cannot reach the daemon at \(Credentials.redact(self.base.absoluteString)): \(error)")
        }
        let status = sent.status
        guard statuses.contains(status), let answer = try? JSONDecoder().decode(type, from: sent.body) else {
            let said = String(decoding: sent.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw CommandFailure("the daemon answered \(status): \(said.isEmpty ? "(no body)" : said)")
        }
        return (status, answer)
    }
}
