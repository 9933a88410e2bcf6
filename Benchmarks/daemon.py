#!/usr/bin/env python3
"""Benchmark: the daemon's event intake and event-to-mirror latency over loopback ssh.

Side by side, in one run, on the same repositories and the same sshd:
- events accepted per second by `POST /events`: one event per request, and 100 per request;
- event-to-mirror latency with replicationDelay = 0 for 1 project and for 20 projects updated at
  once (median and 99th percentile), next to what a post-receive hook running `git push` would take
  (1 push, and 20 pushes at once).
With RTT_MS, both tools reach sshd through a proxy that delays each direction by half of it (a WAN
link's latency); with REFS, project p00 and its mirrors also hold that many packed refs under
refs/changes/ (a Gerrit site's big repository: the push reads the whole advertisement), and only the
1-project latency is measured. Intake is measured only without either.
Usage: Benchmarks/daemon.py [ROUNDS] [RTT_MS] [REFS]   (after `swift build -c release --product replicator`)
"""
import http.client, json, os, shutil, statistics, subprocess, sys, tempfile, threading, time
from bench_common import REPLICATOR, SSHD, DelayProxy, require_build, sh, wait_healthy

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 20
RTT_MS = int(sys.argv[2]) if len(sys.argv) > 2 else 0
REFS = int(sys.argv[3]) if len(sys.argv) > 3 else 0
PROJECTS = 20


def add_refs(paths, count):
    """`count` refs/changes/ refs at p00's main in each repository of `paths`, packed."""
    main = sh("git", "rev-parse", "refs/heads/main", cwd=paths[0]).strip()
    lines = "".join(f"create refs/changes/{i % 100:02d}/{i}/1 {main}\n" for i in range(count))
    for path in paths:
        sh("git", "update-ref", "--stdin", cwd=path, stdin=lines)
        sh("git", "pack-refs", "--all", cwd=path)


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def new_commit(repository, message):
    tree = sh("git", "hash-object", "-t", "tree", "-w", "/dev/null", cwd=repository).strip()
    return sh("git", "-c", "user.name=b", "-c", "user.email=b@b", "commit-tree", tree, "-m", message, cwd=repository).strip()


def mirror_value(path):
    try:
        with open(f"{path}/refs/heads/main") as f:
            return f.read().strip()
    except OSError:
        return None


def wait_for(paths_and_values, started):
    """Seconds from `started` until each mirror's main equals its value."""
    latencies = {}
    while len(latencies) < len(paths_and_values):
        for path, value in paths_and_values:
            if path not in latencies and mirror_value(path) == value:
                latencies[path] = time.perf_counter() - started
        time.sleep(0.001)
    return list(latencies.values())


def post(connection, body):
    connection.request("POST", "/events", body=body, headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    response.read()
    assert response.status == 202, response.status


def event(project):
    return json.dumps({"type": "ref-updated", "refUpdate": {"project": project, "refName": "refs/heads/main"}})


def main():
    require_build()
    work = tempfile.mkdtemp(prefix="daemon-bench-", dir="/dev/shm")
    sshd = SSHD(work)
    try:
        projects = [f"p{i:02d}" for i in range(PROJECTS)]
        for project in projects:
            source = f"{work}/src/{project}.git"
            sh("git", "init", "-q", "--bare", "-b", "main", source)
            sh("git", "update-ref", "refs/heads/main", new_commit(source, "first"), cwd=source)
            for tool in ("replicator", "git"):
                sh("git", "init", "-q", "--bare", "-b", "main", f"{work}/{tool}/{project}.git")
        if REFS:
            for tool in ("replicator", "git"):  # the mirrors start equal to the source
                shutil.rmtree(f"{work}/{tool}/p00.git")
                shutil.copytree(f"{work}/src/p00.git", f"{work}/{tool}/p00.git")
            add_refs([f"{work}/{where}/p00.git" for where in ("src", "replicator", "git")], REFS)
        url = sshd.url
        if RTT_MS:
            proxy = DelayProxy(sshd.port, RTT_MS / 1000)
            host_key = " ".join(open(f"{sshd.dir}/host.pub").read().split()[:2])
            with open(sshd.known_hosts, "a") as f:
                f.write(f"[127.0.0.1]:{proxy.port} {host_key}\n")
            url = lambda path: proxy.url(sshd, path)
        os.makedirs(f"{work}/etc")
        port = sshd.port + 1
        with open(f"{work}/etc/replication.config", "w") as f:
            f.write(f"[gerrit]\n  basePath = {work}/src\n"
                    f"[remote \"mirror\"]\n  url = {url(work)}/replicator/${{name}}.git\n"
                    f"  push = +refs/heads/*:refs/heads/*\n  replicationDelay = 0\n  threads = {PROJECTS}\n"
                    f"  identityFile = {sshd.client_key}\n  knownHostsFile = {sshd.known_hosts}\n")
        daemon = subprocess.Popen([REPLICATOR, "serve", "--config", f"{work}/etc/replication.config",
                                   "--listen", f"127.0.0.1:{port}", "--log-level", "warning"],
                                  stdout=subprocess.DEVNULL, stderr=open(f"{work}/serve.log", "w"))
        wait_healthy(port)
        connection = http.client.HTTPConnection("127.0.0.1", port)

        print(f"round trip {RTT_MS} ms, {REFS:,} extra refs in p00")
        print(f"{'measure':<44} {'replicator':>12} {'git push':>10} {'ratio':>6}")
        # Intake: the events go to p00, whose pushes coalesce (ref names only), so this measures intake.
        for per_request, requests in ((1, 2000), (100, 100)) if not (RTT_MS or REFS) else ():
            body = "\n".join([event("p00")] * per_request)
            started = time.perf_counter()
            for _ in range(requests):
                post(connection, body)
            elapsed = time.perf_counter() - started
            print(f"{f'events accepted/s ({per_request} per request)':<44} {per_request * requests / elapsed:>12.0f} {'-':>10} {'-':>6}", flush=True)
        time.sleep(3)  # let the intake's pushes finish

        for count in (1, PROJECTS) if not REFS else (1,):
            ours, theirs = [], []
            for round_number in range(ROUNDS):
                chosen = projects[:count]
                values = {p: new_commit(f"{work}/src/{p}.git", f"r{round_number}") for p in chosen}
                for p in chosen:
                    sh("git", "update-ref", "refs/heads/main", values[p], cwd=f"{work}/src/{p}.git")
                started = time.perf_counter()
                post(connection, "\n".join(event(p) for p in chosen))
                ours += wait_for([(f"{work}/replicator/{p}.git", values[p]) for p in chosen], started)
                started = time.perf_counter()
                pushes = [subprocess.Popen(["git", "-C", f"{work}/src/{p}.git", "push", "-q", url(f"{work}/git/{p}.git"),
                                            "+refs/heads/main:refs/heads/main"], env=sshd.git_env) for p in chosen]
                for p, push in zip(chosen, pushes):
                    push.wait()
                    theirs.append(time.perf_counter() - started)
            for label, fraction in (("median", 0.5), ("p99", 0.99)):
                a, b = percentile(ours, fraction) * 1000, percentile(theirs, fraction) * 1000
                print(f"{f'event-to-mirror ms, {count} project(s), {label}':<44} {a:>12.0f} {b:>10.0f} {a / b:>6.2f}", flush=True)
        daemon.terminate()
        daemon.wait(timeout=60)
    finally:
        sshd.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
