#!/usr/bin/env python3
"""Benchmark: 1, 2 and 3 `replicator serve` nodes on one PostgreSQL store, next to one node on the
embedded SQLite store, over the same loopback sshd and the same workload.

Workload: 24 projects; 5 rounds; each round updates one new branch in every project and posts its
ref-updated event (round-robin over the nodes), without waiting. Commits are made before the clock
starts; refs are written as loose ref files while it runs (a git process per event would dominate). Reports pushes per second (pushes
the nodes logged / time until every mirror has every ref) and event-to-mirror latency (median, p99).
Usage: Benchmarks/cluster.py   (after `swift build -c release --product replicator`; needs Debian's
postgresql package; run as root or as a user who may run initdb). With REPLICATOR_BEFORE=PATH (another
build's binary), every case runs with that binary and then with this build's, side by side.
"""
import glob, http.client, json, os, shutil, statistics, subprocess, sys, tempfile, time
from bench_common import REPLICATOR, SSHD, require_build, sh

PROJECTS, ROUNDS = 24, 5


class Postgres:
    def __init__(self, work):
        self.dir = f"{work}/pg"
        os.makedirs(self.dir)
        binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1]
        self.prefix = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        if os.getuid() == 0:
            sh("chown", "-R", "postgres:postgres", self.dir)
        import socket
        s = socket.socket(); s.bind(("127.0.0.1", 0)); self.port = s.getsockname()[1]; s.close()
        self.pg_ctl = f"{binaries}/pg_ctl"
        sh(*self.prefix, f"{binaries}/initdb", "-D", f"{self.dir}/data", "-A", "trust", "-U", "replicator", "--no-sync")
        subprocess.run([*self.prefix, self.pg_ctl, "-D", f"{self.dir}/data", "-l", f"{self.dir}/log", "-w", "-o",
                        f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=200", "start"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, close_fds=True)

    def database(self, name):
        sh("psql", "-X", "-q", "-h", "127.0.0.1", "-p", str(self.port), "-U", "replicator", "-d", "postgres",
           "-c", f"CREATE DATABASE {name}")
        return f"postgres://replicator@127.0.0.1:{self.port}/{name}"

    def stop(self):
        subprocess.run([*self.prefix, self.pg_ctl, "-D", f"{self.dir}/data", "-m", "fast", "stop"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def new_commit(repository, message):
    tree = sh("git", "hash-object", "-t", "tree", "-w", "/dev/null", cwd=repository).strip()
    return sh("git", "-c", "user.name=b", "-c", "user.email=b@b", "commit-tree", tree, "-m", message, cwd=repository).strip()


def run(work, sshd, label, store, nodes, binary=REPLICATOR):
    mirrors = f"{work}/mirror-{label}"
    os.makedirs(mirrors)
    config = f"{work}/etc-{label}/replication.config"
    os.makedirs(os.path.dirname(config))
    with open(config, "w") as f:
        f.write(f"[gerrit]\n  basePath = {work}/src\n[replicator]\n  store = {store}\n  leaseTimeout = 10 s\n"
                f"[remote \"mirror\"]\n  url = {sshd.url(mirrors)}/${{name}}.git\n  push = +refs/heads/*:refs/heads/*\n"
                f"  replicationDelay = 0\n  threads = 4\n  identityFile = {sshd.client_key}\n  knownHostsFile = {sshd.known_hosts}\n")
    ports, processes = [], []
    for index in range(nodes):
        import socket
        s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
        ports.append(port)
        processes.append(subprocess.Popen([binary, "serve", "--config", config, "--listen", f"127.0.0.1:{port}", "--log-level", "info"],
                                          stdout=subprocess.DEVNULL, stderr=open(f"{work}/{label}-{index}.log", "w")))
    for port in ports:
        for _ in range(200):
            try:
                c = http.client.HTTPConnection("127.0.0.1", port); c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.1)
    connections = [http.client.HTTPConnection("127.0.0.1", port) for port in ports]
    expected = []  # (mirror path, ref, value, posted at)
    # Commits are made before the clock starts, and refs are written as loose ref files while it
    # runs: three git processes per event would make this measure the workload, not Replicator.
    commits = {(r, i): new_commit(f"{work}/src/p{i:02d}.git", f"{label} {r}") for r in range(ROUNDS) for i in range(PROJECTS)}
    started = time.perf_counter()
    for round_number in range(ROUNDS):
        for index in range(PROJECTS):
            project = f"p{index:02d}"
            source = f"{work}/src/{project}.git"
            ref = f"refs/heads/{label}-{round_number}"
            value = commits[(round_number, index)]
            with open(f"{source}/{ref}", "w") as f:
                f.write(value + "\n")
            body = json.dumps({"type": "ref-updated", "refUpdate": {"project": project, "refName": ref}})
            connection = connections[(round_number * PROJECTS + index) % nodes]
            connection.request("POST", "/events", body=body)
            response = connection.getresponse(); response.read()
            assert response.status == 202
            expected.append((f"{mirrors}/{project}.git", ref, value, time.perf_counter()))
    latencies = {}
    while len(latencies) < len(expected):
        for mirror, ref, value, posted in expected:
            if (mirror, ref) in latencies:
                continue
            try:
                with open(f"{mirror}/{ref}") as f:
                    if f.read().strip() == value:
                        latencies[(mirror, ref)] = time.perf_counter() - posted
            except OSError:
                pass
        time.sleep(0.005)
    elapsed = time.perf_counter() - started
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=60)
    pushes = sum(open(f"{work}/{label}-{i}.log").read().count("Replication finished") for i in range(nodes))
    values = sorted(latencies.values())
    p99 = values[min(len(values) - 1, int(round(0.99 * (len(values) - 1))))]
    print(f"{label:<22} {nodes:>5} {pushes:>7} {elapsed:>8.2f} {pushes / elapsed:>9.1f} {statistics.median(values) * 1000:>10.0f} {p99 * 1000:>8.0f}", flush=True)


def main():
    require_build()
    work = tempfile.mkdtemp(prefix="cluster-bench-", dir="/dev/shm")
    os.chmod(work, 0o755)
    sshd = SSHD(work)
    postgres = Postgres(work)
    try:
        for index in range(PROJECTS):
            source = f"{work}/src/p{index:02d}.git"
            sh("git", "init", "-q", "--bare", "-b", "main", source)
            sh("git", "update-ref", "refs/heads/main", new_commit(source, "first"), cwd=source)
        print(f"{'store':<22} {'nodes':>5} {'pushes':>7} {'seconds':>8} {'pushes/s':>9} {'median ms':>10} {'p99 ms':>8}")
        before = os.environ.get("REPLICATOR_BEFORE")
        builds = [("before-", before), ("", REPLICATOR)] if before else [("", REPLICATOR)]
        for prefix, binary in builds:
            run(work, sshd, f"{prefix}sqlite", f"{work}/{prefix}tasks.sqlite", 1, binary)
        for nodes in (1, 2, 3):
            for prefix, binary in builds:
                run(work, sshd, f"{prefix}postgres-{nodes}", postgres.database(f"{prefix.strip('-')}bench{nodes}"), nodes, binary)
    finally:
        postgres.stop()
        sshd.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
