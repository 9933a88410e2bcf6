import Foundation
import ReplicationCore
import ReplicationDaemon

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Reads the running daemon's `/status` (with the configured bearer token).
struct DaemonClient {
    let address: ListenAddress
    let bearerToken: String?

    init(configuration: ReplicationConfiguration, listen: String?) throws {
        self.address = try ListenAddress(parsing: listen ?? configuration.daemon.listen)
        self.bearerToken = configuration.daemon.bearerToken
    }

    /// The daemon's status, or `nil` when nothing answers at the address.
    func status() async throws -> DaemonStatus? {
        let host = self.address.host.contains(":") ? "[\(self.address.host)]" : self.address.host
        var request = URLRequest(url: URL(string: "http://\(host):\(self.address.port)/status")!)
        request.timeoutInterval = 5
        if let token = self.bearerToken { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await URLSession.shared.data(for: request)
        } catch {
            return nil
        }
        guard (response as? HTTPURLResponse)?.statusCode == 200 else {
            throw CommandFailure("the daemon at \(self.address) answered \(String(decoding: data, as: UTF8.self))")
        }
        return try JSONDecoder().decode(DaemonStatus.self, from: data)
    }
}
