import AsyncHTTPClient
import NIOCore
import NIOHTTP1
package import ReplicationCore

/// How pushes reach an `https://` (or `http://`) mirror.
package struct HTTPTransportOptions: Sendable {
    package var username: String?
    package var password: String?
    /// PEM certificates to trust instead of the system's (`remote.NAME.sslCAInfo`).
    package var caFile: String?

    package init(username: String? = nil, password: String? = nil, caFile: String? = nil) {
        self.username = username
        self.password = password
        self.caFile = caFile
    }

    /// `remote`'s credentials (replication.config, then secure.config) and `sslCAInfo`.
    package init(remote: RemoteConfiguration) {
        self.init(username: remote.username, password: remote.password, caFile: remote.sslCAInfo)
    }
}

/// git's smart HTTP for one receive-pack exchange (gitprotocol-http): `GET
/// info/refs?service=git-receive-pack` gives the advertisement, then everything the client writes
/// (commands and pack) goes in one `POST git-receive-pack`, whose answer is the report. As git does,
/// a request of up to ``postBuffer`` bytes is held and sent with its length; a larger one starts
/// as soon as it passes that size and streams, chunked, while the pack is made (never spooled,
/// never held whole). TLS is verified, redirects are refused (a push must not follow a 302 to
/// another host), and credentials are sent as HTTP basic authentication.
final class HTTPChannel: WireChannel {
    /// git's `http.postBuffer` default.
    static let postBuffer = 1 << 20

    private let session: HTTPSession
    private let endpoint: String
    private let timeout: Duration
    private var response: [UInt8] = []
    private var offset = 0
    private var held: [UInt8] = []
    private var upload: HTTPUpload?
    private var cancellation: (PushCancellation, Int)?
    private(set) var bytesWritten = 0

    init(
        url: RemoteURL,
        options: HTTPTransportOptions,
        connectTimeout: Duration,
        timeout: Duration,
        cancellation: PushCancellation?
    ) throws(GitError) {
        let session = HTTPSession(url: url, options: options, connectTimeout: connectTimeout, timeout: timeout)
        self.session = session
        self.endpoint = HTTPSession.origin(of: url, scheme: url.scheme ?? "https") + HTTPSession.path(of: url)
        self.timeout = timeout
        let interrupt = session.interrupt
        self.cancellation = cancellation.map { cancellation in
            (cancellation, cancellation.register { interrupt(cancellation.stopped) })
        }
        try self.advertise()
    }

    deinit {
        if let (cancellation, token) = self.cancellation { cancellation.unregister(token) }
    }

    func read(into buffer: inout [UInt8]) throws(GitError) -> Int {
        let count = min(buffer.count, self.response.count - self.offset)
        guard count > 0 else { return 0 }
        buffer.replaceSubrange(0..<count, with: self.response[self.offset..<(self.offset + count)])
        self.offset += count
        return count
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws(GitError) {
        self.bytesWritten += bytes.count
        if let upload {
            try upload.write(ByteBuffer(bytes: bytes))
            return
        }
        self.held.append(contentsOf: bytes)
        if self.held.count > Self.postBuffer { try self.sendHeld(length: nil) }
    }

    /// Ends the POST and reads its answer; a bare flush (nothing to push) is not sent, as git does.
    func finishWriting() throws(GitError) {
        guard self.upload != nil || !self.held.isEmpty else { return }
        self.response = []
        self.offset = 0
        if self.upload == nil {
            guard self.held.count > 4 else { return }
            try self.sendHeld(length: self.held.count)
        }
        self.response = try self.upload?.finish() ?? []
    }

    /// Starts the POST with what was held (`length`: the whole request's, when it is all here).
    private func sendHeld(length: Int?) throws(GitError) {
        let upload = try HTTPUpload(
            session: self.session,
            address: "\(self.endpoint)/git-receive-pack",
            headers: [
                ("Content-Type", "application/x-git-receive-pack-request"),
                ("Accept", "application/x-git-receive-pack-result"),
            ],
            length: length,
            timeout: self.timeout
        )
        self.upload = upload
        let held = ByteBuffer(bytes: self.held)
        self.held = []
        try upload.write(held)
    }

    func errorOutput() -> String { self.session.lastError }

    func abandon() {}

    /// `GET info/refs`: the advertisement, without the `# service=git-receive-pack` line and its flush.
    private func advertise() throws(GitError) {
        let bytes = try self.session.send(.GET, "\(self.endpoint)/info/refs?service=git-receive-pack").body
        let announcement = Array("# service=git-receive-pack\n".utf8)
        guard bytes.count >= 8, let length = Int(String(decoding: bytes[0..<4], as: UTF8.self), radix: 16),
            length >= 4, bytes.count >= length + 4, Array(bytes[4..<length]) == announcement,
            bytes[length..<(length + 4)].elementsEqual("0000".utf8)
        else {
            throw GitError(
                code: .network,
                function: "http",
                status: -1,
                message: "\(self.endpoint) is not a smart-HTTP git server (no receive-pack advertisement)"
            )
        }
        self.response = Array(bytes[(length + 4)...])
    }
}
