import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import ReplicationCore
import ReplicationDaemon

/// Reads the running daemon's `/status` (with the configured bearer token), through AsyncHTTPClient
/// like every other HTTP the process does (URLSession would load FoundationNetworking and libcurl's
/// dozen libraries into every command).
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
        var request = HTTPClientRequest(url: "http://\(host):\(self.address.port)/status")
        if let token = self.bearerToken { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        let status: UInt
        let body: ByteBuffer
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
            status = response.status.code
            body = try await response.body.collect(upTo: 64 << 20)
        } catch {
            return nil
        }
        guard status == 200 else {
            throw CommandFailure("the daemon at \(self.address) answered \(String(buffer: body))")
        }
        return try JSONDecoder().decode(DaemonStatus.self, from: Data(body.readableBytesView))
    }
}
