import Foundation

/// `git http-backend` behind a small TLS server on 127.0.0.1 (Python's http.server with a
/// self-signed certificate made by openssl), with HTTP basic authentication: a real smart-HTTP
/// git host for the HTTPS push tests. `mode` makes it misbehave: `silent` never answers,
/// `redirect` answers every request with a 302 to another host. Under `/a/projects/` it plays
/// Gerrit's REST API (create, set HEAD, delete), recording each call.
package final class SmartHTTPServer: @unchecked Sendable {
    package enum Mode: String {
        case normal
        case silent
        case redirect
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
        let script = self.directory.path("server.py")
        try Self.script.write(toFile: script, atomically: true, encoding: .utf8)
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

    static let script = #"""
        import base64, http.server, json, os, shutil, ssl, subprocess, sys, time, urllib.parse
        root, cert, key, user, password, port_file, mode, log = sys.argv[1:9]
        expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                self.serve()

            def do_POST(self):
                self.serve()

            def do_PUT(self):
                self.serve()

            def do_DELETE(self):
                self.serve()

            def serve(self):
                with open(log, "a") as f:
                    f.write(f"{self.command} {self.path} {self.headers.get('User-Agent', '')}\n")
                if mode == "silent":
                    time.sleep(3600)
                if mode == "redirect":
                    self.send_response(302)
                    self.send_header("Location", "https://example.invalid" + self.path)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if self.headers.get("Authorization") != expected:
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="git"')
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                path, _, query = self.path.partition("?")
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if path.startswith("/a/projects/"):
                    return self.rest(path[len("/a/projects/"):], body)
                env = dict(os.environ, GIT_PROJECT_ROOT=root, GIT_HTTP_EXPORT_ALL="1", PATH_INFO=path,
                           QUERY_STRING=query, REQUEST_METHOD=self.command, REMOTE_USER=user,
                           REMOTE_ADDR="127.0.0.1", CONTENT_TYPE=self.headers.get("Content-Type", ""),
                           CONTENT_LENGTH=str(length))
                out = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True).stdout
                sep = b"\r\n\r\n" if b"\r\n\r\n" in out else b"\n\n"
                head, _, content = out.partition(sep)
                status, headers = 200, []
                for line in head.splitlines():
                    name, _, value = line.decode().partition(":")
                    if name.lower() == "status":
                        status = int(value.split()[0])
                    elif name:
                        headers.append((name, value.strip()))
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            # Gerrit's REST API, as the replication plugin calls it: create, set HEAD, delete.
            def rest(self, rest, body):
                with open(log + ".rest", "a") as f:
                    f.write(f"{self.command} /a/projects/{rest} {body.decode()}\n")
                name, _, suffix = rest.partition("/")
                repo = os.path.join(root, urllib.parse.unquote(name) + ".git")
                status = 200
                if self.command == "PUT" and suffix == "":
                    if os.path.exists(repo):
                        status = 409
                    else:
                        subprocess.run(["git", "init", "-q", "--bare", repo], check=True)
                        for branch in json.loads(body or b"{}").get("branches", [])[:1]:
                            subprocess.run(["git", "--git-dir", repo, "symbolic-ref", "HEAD", branch], check=True)
                        status = 201
                elif self.command == "PUT" and suffix == "HEAD":
                    ref = json.loads(body)["ref"]
                    subprocess.run(["git", "--git-dir", repo, "symbolic-ref", "HEAD", ref], check=True)
                elif self.command == "DELETE":
                    if os.path.exists(repo):
                        shutil.rmtree(repo)
                        status = 204
                    else:
                        status = 404
                answer = b")]}'\n{}" if status in (200, 201) else b""
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        with open(port_file + ".tmp", "w") as f:
            f.write(str(server.server_address[1]))
        os.rename(port_file + ".tmp", port_file)
        server.serve_forever()
        """#
}
