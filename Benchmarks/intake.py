#!/usr/bin/env python3
"""Benchmark: fsync'd event intake of `replicator serve` (POST /events answered 202 only after the
SQLite commit and its fsync), with 1 and 16 concurrent clients, 1 and 100 events per request.

The store lives on the machine's disk (a tmpfs fsync costs nothing and would measure nothing);
the same runs with the store on tmpfs are printed beside them as the ceiling without a disk.
A last 16-client run under strace counts the daemon's fsync/fdatasync calls, which shows the group
commit (many acknowledged events per fsync).
Usage: Benchmarks/intake.py [SECONDS]   (after `swift build -c release --product replicator`)
"""
import http.client, json, os, shutil, subprocess, sys, tempfile, threading, time
from bench_common import REPLICATOR, require_build, sh, wait_healthy

SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0


def event(index):
    return json.dumps({"type": "ref-updated", "refUpdate": {"project": "p", "refName": f"refs/heads/b{index % 50}"}})


def write_config(work, store_directory):
    config = f"{work}/etc/replication.config"
    with open(config, "w") as f:
        # A long replicationDelay: nothing is pushed while intake is measured.
        f.write(f"[gerrit]\n  basePath = {work}/git\n"
                f"[remote \"mirror\"]\n  url = {work}/mirror/${{name}}.git\n"
                f"  push = +refs/heads/*:refs/heads/*\n  replicationDelay = 600\n"
                f"[replicator]\n  store = {store_directory}/tasks.sqlite\n")
    return config


def start_daemon(work, store_directory, port):
    config = write_config(work, store_directory)
    daemon = subprocess.Popen([REPLICATOR, "serve", "--config", config, "--listen", f"127.0.0.1:{port}",
                               "--log-level", "warning"], stdout=subprocess.DEVNULL,
                              stderr=open(f"{work}/serve.log", "a"))
    wait_healthy(port)
    return daemon


def run_clients(port, clients, per_request, seconds):
    """Events acknowledged per second by `clients` connections posting for `seconds`."""
    counts = [0] * clients
    deadline = time.perf_counter() + seconds

    def client(number):
        connection = http.client.HTTPConnection("127.0.0.1", port)
        sent = 0
        while time.perf_counter() < deadline:
            body = "\n".join(event(sent + i) for i in range(per_request))
            connection.request("POST", "/events", body=body, headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            assert response.status == 202, response.status
            sent += per_request
        counts[number] = sent

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.perf_counter() - started), sum(counts)


def count_syncs(work, store_directory):
    """fsync/fdatasync calls of a daemon run under strace while 16 clients post one event each per
    request (a run of its own: strace slows the daemon, so its rate is not reported)."""
    port = free_port()
    write_config(work, store_directory)
    trace = f"{work}/strace.txt"
    tracer = subprocess.Popen(["strace", "-f", "-qq", "-c", "-o", trace, "-e", "trace=fsync,fdatasync",
                               REPLICATOR, "serve", "--config", f"{work}/etc/replication.config",
                               "--listen", f"127.0.0.1:{port}", "--log-level", "warning"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_healthy(port)
    _, total = run_clients(port, 16, 1, SECONDS)
    daemon = int(subprocess.run(["pgrep", "-P", str(tracer.pid)], capture_output=True, text=True).stdout.split()[0])
    os.kill(daemon, 15)
    tracer.wait(timeout=120)
    with open(trace) as f:
        calls = sum(int(line.split()[3]) for line in f if line.strip().endswith(("fsync", "fdatasync")))
    return calls, total


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    require_build()
    disk = tempfile.mkdtemp(prefix="intake-bench-", dir=os.path.dirname(os.path.abspath(__file__)) + "/..")
    memory = tempfile.mkdtemp(prefix="intake-bench-", dir="/dev/shm")
    try:
        os.makedirs(f"{disk}/etc")
        sh("git", "init", "-q", "--bare", "-b", "main", f"{disk}/git/p.git")
        print(f"{'events acknowledged per second':<40} {'disk (fsync)':>12} {'tmpfs':>10}")
        results = {}
        for label, store in (("disk", f"{disk}/data"), ("tmpfs", memory)):
            port = free_port()
            daemon = start_daemon(disk, store, port)
            try:
                for clients, per_request in ((1, 1), (16, 1), (1, 100), (16, 100)):
                    results[(label, clients, per_request)] = run_clients(port, clients, per_request, SECONDS)[0]
            finally:
                daemon.terminate()
                daemon.wait(timeout=60)
        for clients, per_request in ((1, 1), (16, 1), (1, 100), (16, 100)):
            name = f"{clients} client(s), {per_request} event(s)/request"
            print(f"{name:<40} {results[('disk', clients, per_request)]:>12.0f} "
                  f"{results[('tmpfs', clients, per_request)]:>10.0f}")
        if shutil.which("strace"):
            calls, total = count_syncs(disk, f"{disk}/data")
            print(f"fsync+fdatasync calls during the 16-client 1-event run: {calls} for {total} events "
                  f"({total / max(calls, 1):.1f} events per sync)")
    finally:
        shutil.rmtree(disk, ignore_errors=True)
        shutil.rmtree(memory, ignore_errors=True)


if __name__ == "__main__":
    main()
