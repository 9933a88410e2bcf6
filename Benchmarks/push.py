#!/usr/bin/env python3
"""Benchmark: `replicator start` against `git push` over the same loopback sshd, one run.

Scenarios: initial replication of 10,000 and 100,000 refs to an empty mirror; an incremental sync of
10 changed refs out of 100,000; a no-op sync. Each tool pushes to its own copy of the same mirror
state. Reports wall time, the ratio and peak memory (push workers included).
Usage: Benchmarks/push.py [RUNS] [DIRECTORY]   (after `swift build -c release --product replicator`;
repositories go to /dev/shm unless DIRECTORY is given)
"""
import os, shutil, statistics, sys, tempfile
from bench_common import REPLICATOR, SSHD, make_source, measure, require_build, sh

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 1


def write_config(work, sshd, name):
    path = f"{work}/etc-{name}/replication.config"
    os.makedirs(os.path.dirname(path))
    with open(path, "w") as f:
        f.write(f"[gerrit]\n  basePath = {work}/git-{name}\n"
                f"[remote \"mirror\"]\n  url = {sshd.url(work)}/replicator/${{name}}.git\n  push = +refs/*:refs/*\n"
                f"  mirror = true\n  maxDeletions = 0\n  identityFile = {sshd.client_key}\n  knownHostsFile = {sshd.known_hosts}\n")
    return path


def run_case(work, sshd, name, refs, prepare_mirror):
    """Times both tools on identical mirror states prepared by `prepare_mirror(path)`."""
    source = f"{work}/git-{name}/p.git"
    config = write_config(work, sshd, name)
    ours, theirs = [], []
    for _ in range(RUNS):
        for tool in ("replicator", "git"):
            mirror = f"{work}/{tool}/p.git"
            shutil.rmtree(mirror, ignore_errors=True)
            prepare_mirror(mirror)
        ours.append(measure([REPLICATOR, "start", "--all", "--wait", "--now", "--config", config]))
        theirs.append(measure(["git", "-C", source, "push", "-q", "--prune", sshd.url(f"{work}/git/p.git"), "+refs/*:refs/*"], env=sshd.git_env))
    (ta, tb) = statistics.median(x[0] for x in ours), statistics.median(x[0] for x in theirs)
    ma, mb = max(x[1] for x in ours), max(x[1] for x in theirs)
    print(f"{name:<28} {ta:>12.2f} {tb:>8.2f} {ta / tb:>6.2f} {ma:>15.0f} {mb:>8.0f}", flush=True)


def main():
    require_build()
    # Mirrors writing 100k loose ref files make disk timings vary tenfold between runs; tmpfs measures
    # the protocol and CPU cost (pass a directory as the second argument to measure a disk instead).
    base = sys.argv[2] if len(sys.argv) > 2 else ("/dev/shm" if os.access("/dev/shm", os.W_OK) else None)
    work = tempfile.mkdtemp(prefix="replicator-push-bench-", dir=base)
    sshd = SSHD(work)
    try:
        print(f"median of {RUNS} run(s), tools alternating, same loopback sshd; repositories under {work}")
        print(f"{'scenario':<28} {'replicator s':>12} {'git s':>8} {'ratio':>6} {'replicator MiB':>15} {'git MiB':>8}", flush=True)
        for refs in (10_000, 100_000):
            name = f"initial {refs // 1000}k refs"
            make_source(f"{work}/git-{name}/p.git", refs)
            run_case(work, sshd, name, refs, lambda m: sh("git", "init", "-q", "--bare", m))
        source = f"{work}/git-initial 100k refs/p.git"
        synced = f"{work}/synced.git"
        shutil.copytree(source, synced)
        for name, edit in (("incremental 10 of 100k refs", True), ("no-op 100k refs", False)):
            shutil.copytree(source, f"{work}/git-{name}/p.git")
            if edit:
                commits = sh("git", "rev-list", "refs/heads/main", cwd=source).split()
                lines = [f"update refs/changes/{i % 100:02d}/{i}/1 {commits[(i + 1) % 5]}" for i in range(10)]
                sh("git", "update-ref", "--stdin", cwd=f"{work}/git-{name}/p.git", stdin="\n".join(lines) + "\n")
            run_case(work, sshd, name, 100_000, lambda m: shutil.copytree(synced, m))
    finally:
        sshd.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
