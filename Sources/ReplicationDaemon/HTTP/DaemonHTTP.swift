import Foundation
package import Hummingbird
import NIOCore
package import ReplicationCore

/// The daemon's HTTP interface: `POST /events`, `GET /events/stream`, `GET /status`, `GET /`,
/// `GET /wait`, `GET /healthz`, `GET /healthz/caught-up`, `GET /metrics`.
package enum DaemonHTTP {
    /// Bodies above this size get 413.
    package static let maximumEventBodyBytes = 4 << 20

    package static func makeRouter(
        intake: EventIntake,
        statusBoard: StatusBoard,
        metrics: ReplicationMetrics,
        reconcileBoard: ReconcileBoard = ReconcileBoard(),
        webhookBoard: WebhookBoard = WebhookBoard(),
        wait: (
            preparer: any WaitPreparing, waiter: ReplicationWaiter,
            configuration: @Sendable () -> ReplicationConfiguration
        )? = nil,
        notices: (store: any NoticeStore, signal: NoticeSignal)? = nil,
        control: ControlHandlers? = nil,
        bearerToken: String?,
        requestTimeout: Duration = .seconds(30)
    ) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("healthz") { _, _ in try Self.health(statusBoard.status, requireCaughtUp: false) }
        router.get("healthz/caught-up") { _, _ in try Self.health(statusBoard.status, requireCaughtUp: true) }
        let protected = router.group()
        if let bearerToken { protected.add(middleware: BearerTokenMiddleware(token: bearerToken)) }
        protected.post("events") { request, _ in
            let body = try await Self.collect(request.body, within: requestTimeout)
            do {
                let decoded = try await intake.accept(Data(body.readableBytesView), source: .http)
                return try Self.json(.accepted, Accepted(accepted: decoded.events.count, ignored: decoded.ignored))
            } catch let error as EventIntakeError {
                throw HTTPError(
                    HTTPResponse.Status(code: error.httpStatus),
                    message: "\(error.code.rawValue): \(error.message)"
                )
            }
        }
        protected.get("/") { _, _ in
            var status = statusBoard.status
            status.webhooks = webhookBoard.webhooks
            let model = StatusPageModel(
                status: status,
                verifications: reconcileBoard.verifications,
                now: Date().timeIntervalSince1970
            )
            return Response(
                status: .ok,
                headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(string: Credentials.redact(StatusPage.render(model))))
            )
        }
        protected.get("status") { _, _ in
            var status = statusBoard.status
            status.verifications = reconcileBoard.verifications
            status.webhooks = webhookBoard.webhooks
            return try Self.json(.ok, SchemaVersioned(status), redacting: true)
        }
        if let notices { Self.addEventStreamRoute(to: protected, store: notices.store, signal: notices.signal) }
        if let control {
            Self.addControlRoutes(to: protected, control: control, intake: intake, requestTimeout: requestTimeout)
        }
        if let wait {
            Self.addWaitRoute(
                to: protected,
                preparer: wait.preparer,
                waiter: wait.waiter,
                configuration: wait.configuration
            )
        }
        protected.get("metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(string: metrics.render()))
            )
        }
        return router
    }

    /// The whole body, within `timeout`: a sender that never finishes must not hold a connection
    /// (and a handler) open without end.
    static func collect(_ body: RequestBody, within timeout: Duration) async throws -> ByteBuffer {
        try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
            group.addTask {
                do {
                    return try await body.collect(upTo: Self.maximumEventBodyBytes)
                } catch is NIOTooManyBytesError {
                    // The docs promise every refusal says why: Hummingbird's own 413 has no body.
                    throw HTTPError(
                        .contentTooLarge,
                        message:
                            "too-large: the body exceeds \(Self.maximumEventBodyBytes) bytes (4 MiB); send the events in several requests"
                    )
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let buffer = first else {
                throw HTTPError(.requestTimeout, message: "the request body did not arrive within \(timeout)")
            }
            return buffer
        }
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

    /// How every JSON body the daemon sends is written (responses, stream lines, webhook POSTs).
    static func jsonEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// `redacting`: URL credentials replaced (``Credentials/redact(_:)``) in the whole document.
    static func json(_ status: HTTPResponse.Status, _ value: some Encodable, redacting: Bool = false) throws
        -> Response
    {
        var data = try Self.jsonEncoder().encode(value)
        if redacting { data = Data(Credentials.redact(String(decoding: data, as: UTF8.self)).utf8) }
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
        guard let header = request.headers[.authorization], BearerToken.isPresented(self.token, in: header) else {
            throw HTTPError(.unauthorized, message: "a bearer token is required (Authorization: Bearer ...)")
        }
        return try await next(request, context)
    }

}

/// Checks `Authorization` headers against `replicator.bearerToken`.
package enum BearerToken {
    /// `Bearer TOKEN` with the scheme in any case (RFC 9110 §11.1), the token compared byte for
    /// byte in constant time (no Unicode equivalence: `é` and `e\u{301}` differ).
    package static func isPresented(_ token: String, in header: String) -> Bool {
        let scheme = "bearer "
        guard header.utf8.count > scheme.utf8.count,
            header.utf8.prefix(scheme.utf8.count).map({ $0 | 0x20 }).elementsEqual(scheme.utf8)
        else { return false }
        let offered = Array(header.utf8.dropFirst(scheme.utf8.count))
        let expected = Array(token.utf8)
        var difference: UInt8 = offered.count == expected.count ? 0 : 1
        for index in 0..<max(offered.count, expected.count) {
            let left = index < offered.count ? offered[index] : 0
            let right = index < expected.count ? expected[index] : 0
            difference |= left ^ right
        }
        return difference == 0
    }
}
