import Foundation
import ReplicationCore
import ReplicationDaemon

/// Reads the running daemon's `/status` (with the configured bearer token).
struct DaemonClient {
    let address: ListenAddress
    let bearerToken: String?

    init(configuration: ReplicationConfiguration, listen: String?) throws {
        self.address = try ListenAddress(parsing: listen ?? configuration.daemon.listen)
        self.bearerToken = configuration.daemon.bearerToken
    }

    /// The daemon's status, or `nil` when nothing answers at the address.
    /// `timeout`: how long a daemon that accepts but does not answer (stopped, overloaded) is given.
    func status(timeout: Duration = .seconds(5)) async throws -> DaemonStatus? {
        let host = self.address.host.contains(":") ? "[\(self.address.host)]" : self.address.host
        let answer: DaemonHTTPRequest.Answer
        do {
            answer = try await DaemonHTTPRequest.send(
                .get,
                "http://\(host):\(self.address.port)/status",
                bearerToken: self.bearerToken,
                timeout: timeout
            )
        } catch {
            return nil
        }
        guard answer.status == 200 else {
            throw CommandFailure(
                "the daemon at \(self.address) answered \(String(decoding: answer.body, as: UTF8.self))"
            )
        }
        return try JSONDecoder().decode(DaemonStatus.self, from: answer.body)
    }
}
