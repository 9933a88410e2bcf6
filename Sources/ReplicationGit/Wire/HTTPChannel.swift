import AsyncHTTPClient
import Foundation
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
/// (commands and pack, spooled to a temporary file, never held in memory) goes in one `POST
/// git-receive-pack`, whose answer is the report. TLS is verified, redirects are refused (a push must
/// not follow a 302 to another host), and credentials are sent as HTTP basic authentication.
final class HTTPChannel: WireChannel {
    private let session: HTTPSession
    private let endpoint: String
    private var response: [UInt8] = []
    private var offset = 0
    private var spool: (path: String, handle: FileHandle)?
    private(set) var bytesWritten = 0

    init(url: RemoteURL, options: HTTPTransportOptions, connectTimeout: Duration, timeout: Duration) throws(GitError) {
        self.session = HTTPSession(url: url, options: options, connectTimeout: connectTimeout, timeout: timeout)
        self.endpoint = HTTPSession.origin(of: url, scheme: url.scheme ?? "https") + HTTPSession.path(of: url)
        try self.advertise()
    }

    deinit {
        if let spool { try? FileManager.default.removeItem(atPath: spool.path) }
    }

    func read(into buffer: inout [UInt8]) throws(GitError) -> Int {
        let count = min(buffer.count, self.response.count - self.offset)
        guard count > 0 else { return 0 }
        buffer.replaceSubrange(0..<count, with: self.response[self.offset..<(self.offset + count)])
        self.offset += count
        return count
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws(GitError) {
        do {
            if self.spool == nil {
                let path = NSTemporaryDirectory() + "replicator-push-\(UUID().uuidString)"
                guard FileManager.default.createFile(atPath: path, contents: nil) else {
                    throw GitError(code: .other, function: "http", status: -1, message: "cannot create \(path)")
                }
                self.spool = (path, try FileHandle(forWritingTo: URL(fileURLWithPath: path)))
            }
            try self.spool?.handle.write(contentsOf: Data(bytes))
            self.bytesWritten += bytes.count
        } catch let error as GitError {
            throw error
        } catch {
            throw GitError(code: .other, function: "http", status: -1, message: "spooling the push: \(error)")
        }
    }

    /// Sends what was written as the POST; a bare flush (nothing to push) is not sent, as git does.
    func finishWriting() throws(GitError) {
        guard let spool else { return }
        try? spool.handle.close()
        let size = (try? FileManager.default.attributesOfItem(atPath: spool.path)[.size] as? Int) ?? 0
        self.response = []
        self.offset = 0
        if size <= 4 { return }
        let path = spool.path
        let body = HTTPClient.Body.stream(contentLength: Int64(size)) { writer in Self.stream(path, to: writer) }
        let headers = [
            ("Content-Type", "application/x-git-receive-pack-request"),
            ("Accept", "application/x-git-receive-pack-result"),
        ]
        self.response = try self.session.send(.POST, "\(self.endpoint)/git-receive-pack", headers: headers, body: body)
            .body
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

    /// The spooled request, 64 KiB at a time.
    private static func stream(_ path: String, to writer: HTTPClient.Body.StreamWriter) -> EventLoopFuture<Void> {
        let file = SpoolReader(FileHandle(forReadingAtPath: path))
        @Sendable func next() -> EventLoopFuture<Void> {
            let chunk = file.next()
            let written = writer.write(.byteBuffer(ByteBuffer(bytes: chunk)))
            return chunk.isEmpty ? written : written.flatMap { next() }
        }
        return next()
    }
}

/// The spool file, read by one stream on one event loop at a time.
private final class SpoolReader: @unchecked Sendable {
    private let handle: FileHandle?

    init(_ handle: FileHandle?) {
        self.handle = handle
    }

    deinit { try? self.handle?.close() }

    func next() -> Data {
        (try? self.handle?.read(upToCount: 65_536)) ?? Data()
    }
}
