import Foundation

/// `git http-backend` behind a small TLS server on 127.0.0.1 (Python's http.server with a
/// self-signed certificate made by openssl), with HTTP basic authentication: a real smart-HTTP
/// git host for the HTTPS push tests. `mode` makes it misbehave: `silent` never answers,
/// `redirect` answers every request with a 302 to another host, `capped` and `stalled` take only
/// the first 64 KiB of a push. Under `/a/projects/` it plays
/// Gerrit's REST API (create, set HEAD, delete), recording each call.
package final class SmartHTTPServer: @unchecked Sendable {
    package enum Mode: String {
        case normal
        case silent
        case redirect
        /// A push's POST is answered 413 after its first 64 KiB (nginx's `client_max_body_size`).
        case capped
        /// A push's POST stops being read after its first 64 KiB.
        case stalled
    }

    package let directory: TemporaryDirectory
    /// The repositories served, as `https://127.0.0.1:PORT/NAME.git`.
    package let root: String
    package let certificate: String
    package let port: Int
    package let user = "mirror-bot"
    package let password = "s3cret-token"
    private let process: BackgroundProcess

    package var base: String { "https://127.0.0.1:\(self.port)" }
    package var requestLog: String {
        (try? String(contentsOfFile: self.directory.path("requests.log"), encoding: .utf8)) ?? ""
    }

    /// The REST calls, one `METHOD PATH BODY` line each.
    package var restCalls: [String] {
        let text = (try? String(contentsOfFile: self.directory.path("requests.log.rest"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }

    package init(mode: Mode = .normal) throws {
        try Command.requireInstalled("/usr/bin/openssl", package: "openssl")
        self.directory = try TemporaryDirectory("smart-http")
        self.root = self.directory.path("repos")
        try FileManager.default.createDirectory(atPath: self.root, withIntermediateDirectories: true)
        self.certificate = self.directory.path("cert.pem")
        let key = self.directory.path("key.pem")
        let made = try Command.run(
            "/usr/bin/openssl",
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                key, "-out", self.certificate, "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
                "subjectAltName=IP:127.0.0.1,DNS:localhost",
            ]
        )
        guard made.status == 0 else { throw Command.Failure(description: "openssl: \(made.standardError)") }
        let script = Self.scriptPath
        let portFile = self.directory.path("port")
        self.process = try BackgroundProcess(
            "/usr/bin/env",
            [
                "python3", script, self.root, self.certificate, key, self.user, self.password, portFile,
                mode.rawValue, self.directory.path("requests.log"),
            ],
            log: self.directory.path("server.log")
        )
        let deadline = Date().addingTimeInterval(20)
        var port: Int?
        while port == nil && Date() < deadline {
            port = (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap { Int($0) }
            if port == nil { Thread.sleep(forTimeInterval: 0.05) }
        }
        guard let port else {
            throw Command.Failure(description: "the HTTPS server did not start: \(self.process.log)")
        }
        self.port = port
    }

    deinit {
        self.process.signal(SIGKILL)
    }

    /// `https://USER:PASSWORD@127.0.0.1:PORT`, for URLs that carry their credentials.
    package func base(withPassword password: String) -> String {
        "https://\(self.user):\(password)@127.0.0.1:\(self.port)"
    }

    /// The server: `smart_http_server.py` beside this file (the HTTPS benchmark runs it too).
    static let scriptPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("smart_http_server.py").path
}
