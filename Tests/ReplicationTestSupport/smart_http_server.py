"""git http-backend behind TLS with basic auth, and a stand-in for Gerrit's project REST API.

Used by the HTTPS tests (Tests/ReplicationTestSupport/SmartHTTPServer.swift) and Benchmarks/https.py.
Arguments: ROOT CERT KEY USER PASSWORD PORT_FILE MODE LOG (MODE: normal, silent, redirect, and for a
push's POST only: capped answers 413 after 64 KiB of it, as nginx's client_max_body_size does, and
stalled stops reading it after 64 KiB). Each request is logged with how its body came: chunked or
with its length.
"""
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
            framing = "chunked" if self.headers.get("Transfer-Encoding", "").lower() == "chunked" else \
                f"length={self.headers.get('Content-Length', '0')}"
            f.write(f"{self.command} {self.path} {self.headers.get('User-Agent', '')} {framing}\n")
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
        if mode in ("capped", "stalled") and path.endswith("/git-receive-pack"):
            return self.refuse_body()
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = self.chunked_body()  # git push sends large packs chunked
        else:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
        length = len(body)
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

    def refuse_body(self):
        length = self.headers.get("Content-Length")
        self.rfile.read(min(65536, int(length)) if length else 65536)
        if mode == "stalled":
            time.sleep(3600)
        answer = b"<html><body>413 Request Entity Too Large</body></html>"
        self.send_response(413)
        self.send_header("Content-Length", str(len(answer)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(answer)
        self.wfile.flush()
        # As nginx's lingering close: the client reads the answer before the connection goes.
        self.connection.settimeout(5)
        try:
            while self.rfile.read1(65536):
                pass
        except OSError:
            pass
        self.close_connection = True

    def chunked_body(self):
        parts = []
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip(), 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(parts)
            parts.append(self.rfile.read(size))
            self.rfile.readline()

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
