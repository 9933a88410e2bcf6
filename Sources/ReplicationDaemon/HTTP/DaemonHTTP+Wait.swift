import Foundation
import Hummingbird
import ReplicationCore
import ServiceLifecycle

extension DaemonHTTP {
    /// `GET /wait` waits at most this long, whatever `timeout` asks.
    static let longestWait = Duration.seconds(3600)

    /// `GET /wait?project=&ref=&sha=&remote=&timeout=&deleted=`: a long-poll with `replicator wait`'s
    /// answer as JSON: 200 when the ref is at every URL that should have it, 408 when the time ran out,
    /// 409 when it was refused, is out of scope or a URL fails permanently, 400 for a bad request,
    /// 404 for a project or (without `deleted`) a ref the source does not have, 503 when the daemon
    /// shuts down meanwhile.
    static func addWaitRoute(
        to group: RouterGroup<BasicRequestContext>,
        preparer: any WaitPreparing,
        waiter: ReplicationWaiter,
        configuration: @escaping @Sendable () -> ReplicationConfiguration
    ) {
        group.get("wait") { request, _ in
            let query = request.uri.queryParameters
            guard let project = query.get("project"), let ref = query.get("ref") else {
                throw HTTPError(.badRequest, message: "invalid: project and ref are required")
            }
            var timeout = Duration.seconds(60)
            if let text = query.get("timeout") {
                guard let parsed = ConfigValue.duration(text, defaultUnit: .seconds) else {
                    throw HTTPError(
                        .badRequest,
                        message: "invalid: timeout '\(text)' is not a duration such as 30s or 5min"
                    )
                }
                timeout = min(parsed, Self.longestWait)
            }
            let waitRequest = WaitRequest(
                project: project,
                ref: ref,
                sha: query.get("sha"),
                remotes: query.getAll("remote").map { String($0) },
                deleted: query.get("deleted").map { ["", "1", "true", "yes"].contains($0.lowercased()) } ?? false
            )
            let prepared: PreparedWait
            do {
                prepared = try await preparer.prepare(waitRequest, configuration: configuration())
            } catch let error as WaitError {
                let status: HTTPResponse.Status =
                    switch error.code {
                    case .invalid: .badRequest
                    case .notFound: .notFound
                    case .unreadable: .serviceUnavailable
                    }
                throw HTTPError(status, message: "\(error.code.rawValue): \(error.message)")
            }
            let answer = await waiter.run(prepared, timeout: timeout)
            if answer.status == .timeout, Task.isShuttingDownGracefully {
                throw HTTPError(
                    .serviceUnavailable,
                    message: "unavailable: the daemon is shutting down; the wait ended early, ask again once it is back"
                )
            }
            return try Self.json(Self.httpStatus(of: answer.status), SchemaVersioned(answer))
        }
    }

    static func httpStatus(of status: ReplicationWait.Status) -> HTTPResponse.Status {
        switch status {
        case .replicated: .ok
        case .timeout, .pending: .requestTimeout
        case .refused, .outOfScope, .failing: .conflict
        }
    }
}
