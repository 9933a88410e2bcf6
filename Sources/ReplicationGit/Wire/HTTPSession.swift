import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import ReplicationCore
import Synchronization

/// One HTTP client for one mirror or admin URL, as the push path needs it: TLS verified against the
/// system's trust store or `caFile`, redirects refused, bounded connects and reads, basic
/// credentials, and blocking calls (pushes run on their own threads, never on an event loop).
final class HTTPSession {
    let client: HTTPClient
    let headers: HTTPHeaders
    private let deadline: Duration
    /// The body of the last answer that was not a success, for error messages.
    private(set) var lastError = ""
    private let interruption = HTTPInterruption()

    init(url: RemoteURL, options: HTTPTransportOptions, connectTimeout: Duration, timeout: Duration) {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile = options.caFile { tls.trustRoots = .file(caFile) }
        // Closing a connection to a server that went silent must not wait NIOSSL's default 5 s for a
        // close_notify that never comes: a timeout bounds the whole wait it names.
        tls.shutdownTimeout = .milliseconds(200)
        let read = timeout > .zero ? TimeAmount.milliseconds(Int64(timeout.milliseconds)) : nil
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls,
            redirectConfiguration: .disallow,
            timeout: .init(connect: .milliseconds(Int64(connectTimeout.milliseconds)), read: read)
        )
        // A refused certificate or connection fails now: the scheduler retries pushes with backoff.
        configuration.connectionPool.retryConnectionEstablishment = false
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        var headers = HTTPHeaders([("User-Agent", "git/2.0 (replicator)")])
        let user = url.user.map { ($0, url.password) } ?? (options.username, options.password)
        if let name = user.0 {
            let token = Data("\(name):\(user.1 ?? "")".utf8).base64EncodedString()
            headers.add(name: "Authorization", value: "Basic \(token)")
        }
        self.headers = headers
        // Without a read timeout a silent server could hold the push forever: cap the whole request.
        self.deadline = timeout > .zero ? .seconds(86_400) : .seconds(3_600)
    }

    deinit { try? self.client.syncShutdown() }

    /// The answer's body when its status is one of `accepted`; any other status is an error.
    func send(
        _ method: HTTPMethod,
        _ address: String,
        headers extra: [(String, String)] = [],
        body: HTTPClient.Body? = nil,
        accepted: Set<UInt> = [200]
    ) throws(GitError) -> (status: UInt, body: [UInt8]) {
        let task = try self.start(method, address, headers: extra, body: body)
        let response: HTTPClient.Response
        do {
            response = try task.futureResult.wait()
        } catch {
            throw self.interrupted ?? Self.failure(error, address: Credentials.redact(address))
        }
        return try self.answer(response, from: address, accepted: accepted)
    }

    /// Starts a request, which ``interrupt`` cancels; its answer is the task's result.
    func start(
        _ method: HTTPMethod,
        _ address: String,
        headers extra: [(String, String)] = [],
        body: HTTPClient.Body? = nil
    ) throws(GitError) -> HTTPClient.Task<HTTPClient.Response> {
        var headers = self.headers
        for (name, value) in extra { headers.add(name: name, value: value) }
        let request: HTTPClient.Request
        do {
            request = try HTTPClient.Request(url: address, method: method, headers: headers, body: body)
        } catch {
            throw Self.failure(error, address: Credentials.redact(address))
        }
        let deadline = NIODeadline.now() + .milliseconds(Int64(self.deadline.milliseconds))
        let task = self.client.execute(
            request: request,
            delegate: ResponseAccumulator(request: request),
            deadline: deadline
        )
        if let stopped = self.interruption.started(task) { throw stopped }
        return task
    }

    /// `response`'s body when its status is one of `accepted`; any other status is an error.
    func answer(_ response: HTTPClient.Response, from address: String, accepted: Set<UInt> = [200]) throws(GitError)
        -> (status: UInt, body: [UInt8])
    {
        let bytes = response.body.map { Array($0.readableBytesView) } ?? []
        guard accepted.contains(response.status.code) else {
            self.lastError = String(decoding: bytes.prefix(2_000), as: UTF8.self)
            throw Self.failure(response.status, address: Credentials.redact(address), body: self.lastError)
        }
        return (response.status.code, bytes)
    }

    /// Cancels the request under way and every later one, failing them with `reason` (a push
    /// stopped by its ``PushCancellation``).
    var interrupt: @Sendable (GitError) -> Void { { [interruption] reason in interruption.interrupt(reason) } }

    /// The reason requests stop, once ``interrupt`` was called.
    var interrupted: GitError? { self.interruption.reason }
}

/// The request an ``HTTPSession`` has under way, which a cancelling thread stops.
final class HTTPInterruption: Sendable {
    private let state = Mutex<(task: HTTPClient.Task<HTTPClient.Response>?, reason: GitError?)>((nil, nil))

    var reason: GitError? { self.state.withLock { $0.reason } }

    /// Records `task` as the one under way; cancels it at once (returning why) if already stopped.
    func started(_ task: HTTPClient.Task<HTTPClient.Response>) -> GitError? {
        let reason = self.state.withLock { state in
            state.task = task
            return state.reason
        }
        if reason != nil { task.cancel() }
        return reason
    }

    func interrupt(_ reason: GitError) {
        let task = self.state.withLock { state in
            state.reason = state.reason ?? reason
            return state.task
        }
        task?.cancel()
    }
}
