#!/usr/bin/env python3
"""Benchmark: `replicator start --dry-run` against `git push --prune --dry-run --porcelain`.

Same repositories, same refspec, same loopback sshd, one run. The source has N refs (Gerrit-like
refs/changes/XX/N/1 over 5 commits, packed); the mirror has the same refs packed, minus 100, plus 100
of its own and 100 pointing elsewhere, so both tools find creates, updates and deletes.
Usage: Benchmarks/dry-run.py [REFS] [RUNS]   (builds nothing: run `swift build -c release` first)
"""
import os, shutil, statistics, sys, tempfile
from bench_common import REPLICATOR, SSHD, make_source, measure, require_build, sh

REFS = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 3


def make_repositories(work):
    source, mirror = f"{work}/git/p.git", f"{work}/mirror/p.git"
    commits = make_source(source, REFS)
    shutil.copytree(source, mirror)
    edits = [f"delete refs/changes/{i % 100:02d}/{i}/1" for i in range(0, 100)]
    edits += [f"update refs/changes/{i % 100:02d}/{i}/1 {commits[(i + 1) % 5]}" for i in range(100, 200)]
    edits += [f"create refs/changes/99/{REFS + i}/1 {commits[0]}" for i in range(100)]
    sh("git", "update-ref", "--stdin", cwd=mirror, stdin="\n".join(edits) + "\n")
    sh("git", "pack-refs", "--all", cwd=mirror)
    return source, mirror


def main():
    require_build()
    work = tempfile.mkdtemp(prefix="replicator-bench-")
    sshd = SSHD(work)
    try:
        source, mirror = make_repositories(work)
        os.makedirs(f"{work}/etc")
        config = f"{work}/etc/replication.config"
        with open(config, "w") as f:
            f.write(f"[gerrit]\n  basePath = {work}/git\n"
                    f"[remote \"local\"]\n  url = {work}/mirror/${{name}}.git\n  push = +refs/*:refs/*\n  mirror = true\n  maxDeletions = 0\n"
                    f"[remote \"ssh\"]\n  url = {sshd.url(work)}/mirror/${{name}}.git\n  push = +refs/*:refs/*\n"
                    f"  mirror = true\n  maxDeletions = 0\n  identityFile = {sshd.client_key}\n  knownHostsFile = {sshd.known_hosts}\n")
        cases = [
            ("local path", [REPLICATOR, "start", "--dry-run", "--all", "--json", "--remote", "local", "--config", config],
             ["git", "-C", source, "push", "--prune", "--dry-run", "--porcelain", mirror, "+refs/*:refs/*"]),
            ("ssh", [REPLICATOR, "start", "--dry-run", "--all", "--json", "--remote", "ssh", "--config", config],
             ["git", "-C", source, "push", "--prune", "--dry-run", "--porcelain", sshd.url(mirror), "+refs/*:refs/*"]),
        ]
        print(f"{REFS} refs per side (packed), 300 differences, median of {RUNS} runs, same loopback sshd")
        print(f"{'transport':<11} {'replicator s':>12} {'git s':>8} {'ratio':>6} {'replicator MiB':>15} {'git MiB':>8}")
        for name, ours, theirs in cases:
            a = [measure(ours) for _ in range(RUNS)]
            b = [measure(theirs, env=sshd.git_env) for _ in range(RUNS)]
            ta, tb = statistics.median(x[0] for x in a), statistics.median(x[0] for x in b)
            ma, mb = max(x[1] for x in a), max(x[1] for x in b)
            print(f"{name:<11} {ta:>12.2f} {tb:>8.2f} {ta / tb:>6.2f} {ma:>15.0f} {mb:>8.0f}")
    finally:
        sshd.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
