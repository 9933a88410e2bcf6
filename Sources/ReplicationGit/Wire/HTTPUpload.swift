import AsyncHTTPClient
import Dispatch
import NIOCore
import NIOHTTP1
import ReplicationCore
import Synchronization

/// One POST whose body is sent as it is made (a push's commands, then its pack): the request starts
/// before the first byte, every write waits until the client has taken it, so that no more than a
/// few writes are in memory whatever the pack's size, and ``finish()`` ends the body and reads the
/// answer. With a `length` the request says it (`Content-Length`); without, it goes chunked, as
/// git sends a request larger than its `http.postBuffer`.
final class HTTPUpload {
    private let session: HTTPSession
    private let address: String
    private let task: HTTPClient.Task<HTTPClient.Response>
    private let writer: EventLoopFuture<HTTPClient.Body.StreamWriter>
    private let end: EventLoopPromise<Void>
    /// How long one write may wait for the client to take it; zero: as long as the request's deadline.
    private let timeout: Duration
    private var answer: Result<[UInt8], GitError>?

    init(
        session: HTTPSession,
        address: String,
        headers: [(String, String)],
        length: Int?,
        timeout: Duration
    ) throws(GitError) {
        let loop = session.client.eventLoopGroup.any()
        let writer = loop.makePromise(of: HTTPClient.Body.StreamWriter.self)
        let end = loop.makePromise(of: Void.self)
        let body = HTTPClient.Body.stream(contentLength: length.map(Int64.init)) { stream in
            writer.succeed(stream)
            return end.futureResult
        }
        self.session = session
        self.address = address
        self.writer = writer.futureResult
        self.end = end
        self.timeout = timeout
        do {
            self.task = try session.start(.POST, address, headers: headers, body: body)
        } catch {
            // Promises must be completed (NIO stops a debug build that drops one unfulfilled).
            writer.fail(error)
            end.fail(error)
            throw error
        }
        // An answer before the body started (a refused connection, an early 401): no writer comes.
        self.task.futureResult.whenComplete { _ in writer.fail(Self.answeredEarly) }
    }

    deinit {
        // A push that failed mid-pack leaves the request open: it must not wait for a body's end.
        self.end.fail(Self.answeredEarly)
        self.task.cancel()
    }

    /// Sends `bytes` once the client has taken what came before. A failure is the server's answer
    /// when it gave one (an HTTP 413 from a size cap), else why the bytes could not be sent.
    func write(_ bytes: ByteBuffer) throws(GitError) {
        let writer = try self.value(of: self.writer, doing: "starting the request")
        try self.value(of: writer.write(.byteBuffer(bytes)), doing: "sending the push")
    }

    /// Ends the body and returns the answer's body (the report); an answer that is not a 200 is an
    /// error. Called again, it returns the same answer.
    func finish() throws(GitError) -> [UInt8] {
        if let answer { return try answer.get() }
        self.end.succeed(())
        let answer = self.receive()
        self.answer = answer
        return try answer.get()
    }

    private func receive() -> Result<[UInt8], GitError> {
        do {
            let response = try self.task.futureResult.wait()
            return .success(try self.session.answer(response, from: self.address).body)
        } catch let error as GitError {
            return .failure(error)
        } catch {
            return .failure(self.failure(error))
        }
    }

    /// `future`'s value, waiting at most ``timeout`` (then the request is cancelled). When the
    /// request ended first, or `future` failed because the server answered (and stopped reading),
    /// the answer's error stands.
    @discardableResult
    private func value<Value: Sendable>(of future: EventLoopFuture<Value>, doing step: String) throws(GitError)
        -> Value
    {
        let limit: DispatchTime? = self.timeout > .zero ? .now() + .milliseconds(self.timeout.milliseconds) : nil
        let failure: (any Error)?
        switch self.wait(for: future, until: limit) {
        case .value(let value):
            return value
        case .timedOut:
            self.task.cancel()
            throw GitError(
                code: .network,
                function: "http",
                status: -1,
                message: "\(Credentials.redact(self.address)): timed out \(step) (the server stopped reading)"
            )
        case .failed(let error):
            failure = error
        case .ended:
            failure = nil
        }
        if self.answer == nil, self.wait(for: self.task.futureResult, until: .now() + .seconds(5)).isOver {
            self.answer = self.receive()
        }
        if case .failure(let refusal)? = self.answer { throw refusal }
        throw self.failure(failure ?? Self.answeredEarly)
    }

    private func failure(_ error: any Error) -> GitError {
        self.session.interrupted ?? HTTPSession.failure(error, address: Credentials.redact(self.address))
    }

    private enum Waited<Value> {
        case value(Value)
        case failed(any Error)
        /// The request ended (answered, failed or cancelled) before `future` completed: AHC drops
        /// a paused write's promise when its request fails.
        case ended
        case timedOut

        var isOver: Bool {
            if case .timedOut = self { false } else { true }
        }
    }

    /// What came first: `future`'s result, the request's end, or `limit`.
    private func wait<Value: Sendable>(for future: EventLoopFuture<Value>, until limit: DispatchTime?)
        -> Waited<Value>
    {
        let first = Mutex<Waited<Value>?>(nil)
        let done = DispatchSemaphore(value: 0)
        future.whenComplete { outcome in
            first.withLock { first in
                guard first == nil else { return }
                switch outcome {
                case .success(let value): first = .value(value)
                case .failure(let error): first = .failed(error)
                }
            }
            done.signal()
        }
        self.task.futureResult.whenComplete { _ in
            first.withLock { first in if first == nil { first = .ended } }
            done.signal()
        }
        if let limit {
            guard done.wait(timeout: limit) == .success else { return .timedOut }
        } else {
            done.wait()
        }
        return first.withLock { $0 } ?? .timedOut
    }

    private struct AnsweredEarly: Error {}
    private static let answeredEarly = AnsweredEarly()
}
