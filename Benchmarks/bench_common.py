"""Shared helpers for the side-by-side benchmarks: repositories, a loopback sshd, measurements."""
import os, shutil, socket, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# REPLICATOR_BINARY measures another build, e.g. the one `scripts/install` makes with the Swift
# runtime linked in: .build-static/release/replicator.
REPLICATOR = os.environ.get("REPLICATOR_BINARY") or os.path.join(ROOT, ".build/release/replicator")

# Runs a command and prints the peak RSS (KiB) of it and every descendant it waited for.
_PEAK = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL); "
         "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(r.returncode)")


def sh(*args, cwd=None, env=None, stdin=None):
    return subprocess.run(args, cwd=cwd, env=env, input=stdin, check=True, capture_output=True, text=True).stdout


def measure(args, env=None, ok_status=(0,)):
    """Wall seconds and peak RSS (MiB) of a command and its children (push workers included)."""
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", _PEAK, *args], env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode not in ok_status:
        raise SystemExit(f"failed ({result.returncode}): {' '.join(args)}\n{result.stderr}")
    return elapsed, int(result.stdout.split()[-1]) / 1024


def make_source(path, refs):
    """A bare repository with `refs` Gerrit-like refs/changes/XX/N/1 over 5 commits, plus main; packed."""
    sh("git", "init", "-q", "--bare", "-b", "main", path)
    tree = sh("git", "hash-object", "-t", "tree", "-w", "/dev/null", cwd=path).strip()
    commits, parent = [], []
    for i in range(5):
        commit = sh("git", "-c", "user.name=b", "-c", "user.email=b@b", "commit-tree", tree, "-m", f"c{i}", *parent, cwd=path).strip()
        commits.append(commit)
        parent = ["-p", commit]
    lines = [f"create refs/changes/{i % 100:02d}/{i}/1 {commits[i % 5]}" for i in range(refs)]
    lines.append(f"create refs/heads/main {commits[-1]}")
    sh("git", "update-ref", "--stdin", cwd=path, stdin="\n".join(lines) + "\n")
    sh("git", "pack-refs", "--all", cwd=path)
    return commits


class SSHD:
    """A daemonized OpenSSH server on 127.0.0.1 with fresh ed25519 keys.

    Its sessions get an empty HOME (sshd's `SetEnv`), so the login shell that runs each
    `git-receive-pack` reads no `~/.bashrc`: a git host's receive-pack is run by Gerrit's own sshd or a
    git user's plain shell, while this machine's root profile (pyenv) costs every ssh command about
    90 ms of CPU. BENCH_LOGIN_PROFILE=1 keeps the user's own HOME, as the benchmarks before did.
    """

    def __init__(self, work):
        self.dir = d = f"{work}/sshd"
        os.makedirs(d)
        for key in ("host", "client"):
            sh("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", f"{d}/{key}")
        shutil.copy(f"{d}/client.pub", f"{d}/authorized_keys")
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        self.user = sh("id", "-un").strip()
        with open(f"{d}/sshd_config", "w") as f:
            f.write(f"Port {self.port}\nListenAddress 127.0.0.1\nHostKey {d}/host\nPidFile {d}/pid\n"
                    f"AuthorizedKeysFile {d}/authorized_keys\nAllowUsers {self.user}\nPasswordAuthentication no\n"
                    "UsePAM no\nStrictModes no\nPermitRootLogin prohibit-password\nMaxStartups 100:30:200\n")
            if os.environ.get("BENCH_LOGIN_PROFILE") != "1":
                os.makedirs(f"{d}/home")
                f.write(f"SetEnv HOME={d}/home\n")
        if os.getuid() == 0:
            os.makedirs("/run/sshd", exist_ok=True)
        sh("/usr/sbin/sshd", "-f", f"{d}/sshd_config", "-E", f"{d}/log")
        time.sleep(0.5)
        host_key = " ".join(open(f"{d}/host.pub").read().split()[:2])
        with open(f"{d}/known_hosts", "w") as f:
            f.write(f"[127.0.0.1]:{self.port} {host_key}\n")
        self.client_key = f"{d}/client"
        self.known_hosts = f"{d}/known_hosts"
        self.git_env = dict(os.environ, GIT_SSH_COMMAND=f"ssh -i {d}/client -o IdentitiesOnly=yes -o BatchMode=yes "
                            f"-o StrictHostKeyChecking=yes -o UserKnownHostsFile={d}/known_hosts")

    def url(self, path):
        return f"ssh://{self.user}@127.0.0.1:{self.port}{path}"

    def stop(self):
        if os.path.exists(f"{self.dir}/pid"):
            os.kill(int(open(f"{self.dir}/pid").read()), 15)


def require_build():
    if not os.access(REPLICATOR, os.X_OK):
        raise SystemExit(f"build first: swift build -c release --product replicator (no {REPLICATOR})")


def wait_healthy(port, attempts=400):
    """Waits until `replicator serve` on `port` answers /healthz with 200."""
    import http.client
    for _ in range(attempts):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise SystemExit(f"the daemon on port {port} did not come up")


def make_long_history(path, commits=20_000, files=300, seed=7):
    """A bare repository with `commits` commits, each editing one or two of `files` text files (so
    the pack has real delta chains), plus 20 branches and 50 tags along the way; built with
    `git fast-import`, then repacked as a server would keep it."""
    import random
    rng = random.Random(seed)
    sh("git", "init", "-q", "--bare", "-b", "main", path)
    contents = [[f"file {f} line {i}\n" for i in range(60)] for f in range(files)]
    process = subprocess.Popen(["git", "fast-import", "--quiet"], cwd=path, stdin=subprocess.PIPE)
    write = process.stdin.write
    for n in range(1, commits + 1):
        message = f"commit {n}\n".encode()
        write(b"commit refs/heads/main\n")
        write(f"mark :{n}\ncommitter B <b@b> {1_600_000_000 + n * 60} +0000\n".encode())
        write(b"data %d\n%s" % (len(message), message))
        if n > 1:
            write(f"from :{n - 1}\n".encode())
        for f in rng.sample(range(files), 2 if n % 3 == 0 else 1):
            lines = contents[f]
            lines[rng.randrange(len(lines))] = f"edit {n} of file {f}: {rng.random()}\n"
            if rng.random() < 0.3:
                lines.append(f"appended in {n}\n")
            blob = "".join(lines).encode()
            write(f"M 100644 inline dir{f % 10}/file{f}.txt\n".encode())
            write(b"data %d\n%s\n" % (len(blob), blob))
        if n % 1000 == 0:
            write(f"reset refs/heads/branch-{n // 1000}\nfrom :{n}\n\n".encode())
        if n % 400 == 0:
            write(f"reset refs/tags/v{n // 400}\nfrom :{n}\n\n".encode())
    process.stdin.close()
    if process.wait() != 0:
        raise SystemExit("git fast-import failed")
    sh("git", "repack", "-adq", "--depth=50", "--window=10", cwd=path)
    sh("git", "pack-refs", "--all", cwd=path)


def forward_at_once(*sockets):
    """A proxy forwards each chunk as it comes: with Nagle's algorithm on its own sockets, a small
    write would wait for the far side's delayed ACK (40 ms), a delay no direct connection has."""
    for s in sockets:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class ByteCounter:
    """A loopback TCP proxy in front of sshd that counts the bytes clients send through it."""

    def __init__(self, target_port):
        import threading
        self.sent = 0
        self._lock = threading.Lock()
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        self._target = target_port
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        import threading
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self._target))
            forward_at_once(client, server)
            threading.Thread(target=self._pipe, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, False), daemon=True).start()

    def _pipe(self, source, sink, counted):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if counted:
                    with self._lock:
                        self.sent += len(data)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def take(self):
        """Bytes counted since the last call."""
        with self._lock:
            sent, self.sent = self.sent, 0
        return sent

    def url(self, sshd, path):
        return f"ssh://{sshd.user}@127.0.0.1:{self.port}{path}"


class DelayProxy:
    """A loopback TCP proxy in front of sshd that holds every chunk for a one-way delay in each
    direction (half the round trip), in order: a WAN link's latency without its bandwidth limit."""

    def __init__(self, target_port, round_trip_seconds):
        import threading
        self.delay = round_trip_seconds / 2
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        self._target = target_port
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, sshd, path):
        return f"ssh://{sshd.user}@127.0.0.1:{self.port}{path}"

    def _accept(self):
        import threading
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self._target))
            forward_at_once(client, server)
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source, sink):
        import queue, threading
        chunks = queue.Queue()

        def release():
            while True:
                due, data = chunks.get()
                pause = due - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                if data is None:
                    try:
                        sink.shutdown(socket.SHUT_WR)
                    except OSError:
                        pass
                    return
                try:
                    sink.sendall(data)
                except OSError:
                    return
        threading.Thread(target=release, daemon=True).start()
        try:
            while True:
                data = source.recv(65536)
                chunks.put((time.monotonic() + self.delay, data or None))
                if not data:
                    return
        except OSError:
            chunks.put((time.monotonic() + self.delay, None))
