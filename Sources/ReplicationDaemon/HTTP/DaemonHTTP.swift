import Foundation
package import Hummingbird
import NIOCore

/// The daemon's HTTP interface: `POST /events`, `GET /status`, `GET /healthz`,
/// `GET /healthz/caught-up`, `GET /metrics`.
package enum DaemonHTTP {
    /// Bodies above this size get 413.
    package static let maximumEventBodyBytes = 4 << 20

    package static func makeRouter(
        intake: EventIntake,
        statusBoard: StatusBoard,
        metrics: ReplicationMetrics,
        bearerToken: String?
    ) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("healthz") { _, _ in try Self.health(statusBoard.status, requireCaughtUp: false) }
        router.get("healthz/caught-up") { _, _ in try Self.health(statusBoard.status, requireCaughtUp: true) }
        let protected = router.group()
        if let bearerToken { protected.add(middleware: BearerTokenMiddleware(token: bearerToken)) }
        protected.post("events") { request, _ in
            let body = try await request.body.collect(upTo: Self.maximumEventBodyBytes)
            do {
                let decoded = try await intake.accept(Data(body.readableBytesView), source: "http")
                return try Self.json(.accepted, Accepted(accepted: decoded.events.count, ignored: decoded.ignored))
            } catch let error as EventIntakeError {
                throw HTTPError(
                    HTTPResponse.Status(code: error.httpStatus),
                    message: "\(error.code.rawValue): \(error.message)"
                )
            }
        }
        protected.get("status") { _, _ in try Self.json(.ok, statusBoard.status) }
        protected.get("metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(string: metrics.render()))
            )
        }
        return router
    }

    private struct Accepted: Encodable {
        var accepted: Int
        var ignored: Int
    }

    package struct Health: Encodable {
        var ready: Bool
        var caughtUp: Bool
        var pendingEvents: Int
        var oldestPendingSeconds: Double?
        var storeError: String?
    }

    /// 200 when the engine reads its store (and, for caught-up, has nothing old pending), else 503.
    package static func health(of status: DaemonStatus, requireCaughtUp: Bool) -> (status: Int, body: Health) {
        let healthy = status.ready && (!requireCaughtUp || status.caughtUp)
        let body = Health(
            ready: status.ready,
            caughtUp: status.caughtUp,
            pendingEvents: status.pendingEvents,
            oldestPendingSeconds: status.oldestPendingSeconds,
            storeError: status.storeError
        )
        return (healthy ? 200 : 503, body)
    }

    private static func health(_ status: DaemonStatus, requireCaughtUp: Bool) throws -> Response {
        let (code, body) = Self.health(of: status, requireCaughtUp: requireCaughtUp)
        return try Self.json(HTTPResponse.Status(code: code), body)
    }

    private static func json(_ status: HTTPResponse.Status, _ value: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var data = try encoder.encode(value)
        data.append(UInt8(ascii: "\n"))
        return Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data))
        )
    }
}

/// Requires `Authorization: Bearer TOKEN` (configured with `replicator.bearerToken`).
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard request.headers[.authorization] == "Bearer \(self.token)" else {
            throw HTTPError(.unauthorized, message: "a bearer token is required (Authorization: Bearer ...)")
        }
        return try await next(request, context)
    }
}
