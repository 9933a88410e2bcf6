#!/usr/bin/env python3
"""HTTPS pushes side by side: Replicator and `git push`, to the same `git http-backend` behind TLS
with basic authentication (Tests/ReplicationTestSupport/smart_http_server.py), through one
byte-counting proxy, on the long history the push benchmark uses (20,000 commits, 300 files):
- first mirror (an empty repository on the server);
- 10 new commits on top of a mirror that has the rest.

Usage: Benchmarks/https.py [RUNS]   (after `swift build -c release --product replicator`)
"""
import os, shutil, statistics, subprocess, sys, tempfile, time

from bench_common import REPLICATOR, ROOT, ByteCounter, make_long_history, measure, require_build, sh

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 1
USER, PASSWORD = "bench", "bench-token"


class Server:
    def __init__(self, work):
        self.root = f"{work}/served"
        os.makedirs(self.root)
        self.cert, key = f"{work}/cert.pem", f"{work}/key.pem"
        sh("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
           "-keyout", key, "-out", self.cert, "-days", "2", "-subj", "/CN=127.0.0.1",
           "-addext", "subjectAltName=IP:127.0.0.1")
        port_file = f"{work}/port"
        script = os.path.join(ROOT, "Tests/ReplicationTestSupport/smart_http_server.py")
        self.process = subprocess.Popen([sys.executable, script, self.root, self.cert, key, USER, PASSWORD,
                                         port_file, "normal", f"{work}/requests.log"])
        for _ in range(200):
            if os.path.exists(port_file):
                break
            time.sleep(0.05)
        self.proxy = ByteCounter(int(open(port_file).read()))

    def url(self, name):
        return f"https://127.0.0.1:{self.proxy.port}/{name}.git"


def run_case(work, server, name, seed, make_mirror):
    sources = f"{work}/git-{name}"
    config = f"{work}/etc-{name}/replication.config"
    os.makedirs(os.path.dirname(config), exist_ok=True)
    with open(config, "w") as f:
        f.write(f"[gerrit]\n  basePath = {sources}\n[remote \"mirror\"]\n"
                f"  url = https://127.0.0.1:{server.proxy.port}/ours-{name}-${{name}}.git\n"
                f"  push = +refs/*:refs/*\n  mirror = true\n  maxDeletions = 0\n  sslCAInfo = {server.cert}\n")
    with open(f"{os.path.dirname(config)}/secure.config", "w") as f:
        f.write(f"[remote \"mirror\"]\n  username = {USER}\n  password = {PASSWORD}\n")
    git_env = dict(os.environ, GIT_SSL_CAINFO=server.cert)
    git_url = f"https://{USER}:{PASSWORD}@127.0.0.1:{server.proxy.port}/git-{name}-p.git"
    ours, theirs = [], []
    for _ in range(RUNS):
        for mirror in (f"{server.root}/ours-{name}-p.git", f"{server.root}/git-{name}-p.git"):
            shutil.rmtree(mirror, ignore_errors=True)
            make_mirror(mirror)
        server.proxy.take()
        ours.append(measure([REPLICATOR, "start", "--all", "--wait", "--now", "--config", config]) + (server.proxy.take(),))
        theirs.append(measure(["git", "-C", f"{sources}/p.git", "push", "-q", "--prune", git_url, "+refs/*:refs/*"],
                              env=git_env) + (server.proxy.take(),))
    ta, tb = statistics.median(x[0] for x in ours), statistics.median(x[0] for x in theirs)
    ma, mb = max(x[1] for x in ours), max(x[1] for x in theirs)
    ba, bb = statistics.median(x[2] for x in ours), statistics.median(x[2] for x in theirs)
    print(f"{name:<28} {ta:>8.2f} {tb:>7.2f} {ta / tb:>6.2f} {ma:>8.0f} {mb:>7.0f} {ma / mb:>5.2f} "
          f"{ba:>13,} {bb:>12,} {ba / max(bb, 1):>6.2f}", flush=True)


def main():
    require_build()
    work = tempfile.mkdtemp(prefix="replicator-https-bench-")
    server = Server(work)
    try:
        seed = f"{work}/long.git"
        make_long_history(seed)
        print(f"median of {RUNS} run(s), same TLS git http-backend through a byte-counting proxy")
        print(f"{'scenario':<28} {'ours s':>8} {'git s':>7} {'ratio':>6} {'ours MiB':>8} {'git MiB':>7} {'ratio':>5} "
              f"{'ours bytes':>13} {'git bytes':>12} {'ratio':>6}", flush=True)
        first = f"{work}/git-first"
        os.makedirs(first)
        shutil.copytree(seed, f"{first}/p.git")
        run_case(work, server, "first", seed, lambda m: sh("git", "init", "-q", "--bare", m))
        update = f"{work}/git-update"
        os.makedirs(update)
        shutil.copytree(seed, f"{update}/p.git")
        tree = f"{work}/tree"
        sh("git", "clone", "-q", f"{update}/p.git", tree)
        for i in range(10):
            with open(f"{tree}/dir0/file0.txt", "a") as f:
                f.write(f"update {i}\n")
            sh("git", "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qam", f"update {i}", cwd=tree)
        sh("git", "push", "-q", f"{update}/p.git", "HEAD:refs/heads/main", cwd=tree)
        run_case(work, server, "update", seed, lambda m: shutil.copytree(seed, m))
    finally:
        server.process.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
