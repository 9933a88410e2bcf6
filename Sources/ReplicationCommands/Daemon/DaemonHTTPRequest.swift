import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// One request to a daemon's HTTP routes, on AsyncHTTPClient: Foundation's URLSession on Linux
/// spins a core for as long as an answer takes (a `--wait` long poll waits up to an hour).
enum DaemonHTTPRequest {
    enum Method {
        case get, post
    }

    struct Answer {
        var status: Int
        var body: Data
    }

    /// The biggest answer read (a `/status` of a large site is a few MB).
    static let maximumAnswer = 64 << 20

    /// Not `HTTPClient.shared`: that one retries a refused connection until the request's
    /// deadline, so `status` with no daemon took 5 s and `start --daemon --wait` at a stopped
    /// daemon would have waited an hour. Here a refused connection fails at once. Never shut
    /// down: it lives as long as the command.
    private static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(10)
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    static func send(
        _ method: Method,
        _ url: String,
        body: Data? = nil,
        bearerToken: String?,
        timeout: Duration
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method == .get ? .GET : .POST
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        if let bearerToken { request.headers.add(name: "Authorization", value: "Bearer \(bearerToken)") }
        let deadline = TimeAmount.nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000)
        let response = try await Self.client.execute(request, timeout: deadline)
        let buffer = try await response.body.collect(upTo: Self.maximumAnswer)
        return Answer(status: Int(response.status.code), body: Data(buffer.readableBytesView))
    }
}
