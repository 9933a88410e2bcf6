#!/usr/bin/env python3
"""Benchmark: how planning and a full sync scale with the number of refs, next to git.

For each size (10,000 / 100,000 / 1,000,000 refs by default), a source with that many Gerrit-like
refs (packed) and a mirror that differs in 1,000 of them (300 for the dry-run: 100 missing, 100
stale, 100 extra). Side by side in one run, same repositories:
- dry-run: `replicator start --dry-run --all --json` next to `git push --prune --dry-run --porcelain`;
- full sync, 1,000 changed: `replicator start --all --wait --now` next to `git push --prune`, each on
  its own fresh copy of the mirror (copying is not timed); local path, and ssh through the same
  loopback sshd.
Prints wall seconds and peak RSS (children included) and, per case, how each tool's time grew from
the previous size.
Usage: Benchmarks/scale.py [SIZES] [RUNS] [DIRECTORY]   e.g. `Benchmarks/scale.py 10000,100000,1000000 3`
(after `swift build -c release --product replicator`; repositories go to /dev/shm unless DIRECTORY)
"""
import os, shutil, statistics, sys, tempfile
from bench_common import REPLICATOR, SSHD, make_source, measure, require_build, sh

SIZES = [int(x) for x in sys.argv[1].split(",")] if len(sys.argv) > 1 else [10_000, 100_000, 1_000_000]
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 1


def make_mirror(source, mirror, refs, commits, changed):
    """A copy of `source` whose refs differ in `changed` places (a third each: missing, stale, extra)."""
    shutil.rmtree(mirror, ignore_errors=True)
    shutil.copytree(source, mirror)
    third = changed // 3
    edits = [f"delete refs/changes/{i % 100:02d}/{i}/1" for i in range(third)]
    edits += [f"update refs/changes/{i % 100:02d}/{i}/1 {commits[(i + 1) % 5]}" for i in range(third, 2 * third)]
    edits += [f"create refs/changes/99/{refs + i}/1 {commits[0]}" for i in range(changed - 2 * third)]
    sh("git", "update-ref", "--stdin", cwd=mirror, stdin="\n".join(edits) + "\n")
    sh("git", "pack-refs", "--all", cwd=mirror)


def config(work, sshd, base):
    path = f"{work}/etc/replication.config"
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(f"[gerrit]\n  basePath = {base}\n"
                f"[remote \"local\"]\n  url = {work}/ours/${{name}}.git\n  push = +refs/*:refs/*\n  mirror = true\n"
                f"  maxDeletions = 0\n"
                f"[remote \"ssh\"]\n  url = {sshd.url(work)}/ours/${{name}}.git\n  push = +refs/*:refs/*\n"
                f"  mirror = true\n  maxDeletions = 0\n  identityFile = {sshd.client_key}\n"
                f"  knownHostsFile = {sshd.known_hosts}\n")
    return path


def median_case(ours, theirs, prepare, env):
    a, b = [], []
    for _ in range(RUNS):
        prepare()
        a.append(measure(ours))
        b.append(measure(theirs, env=env))
    return (statistics.median(x[0] for x in a), max(x[1] for x in a),
            statistics.median(x[0] for x in b), max(x[1] for x in b))


def main():
    require_build()
    base = sys.argv[3] if len(sys.argv) > 3 else ("/dev/shm" if os.access("/dev/shm", os.W_OK) else None)
    work = tempfile.mkdtemp(prefix="replicator-scale-", dir=base)
    sshd = SSHD(work)
    previous = {}
    try:
        print(f"median of {RUNS} run(s); same repositories and loopback sshd for both tools; under {work}")
        print(f"{'case':<36} {'refs':>9} {'ours s':>7} {'git s':>7} {'ratio':>6} {'ours MiB':>9} {'git MiB':>8} "
              f"{'ours growth':>11} {'git growth':>10}", flush=True)
        for refs in SIZES:
            source = f"{work}/git/p.git"
            shutil.rmtree(f"{work}/git", ignore_errors=True)
            commits = make_source(source, refs)
            path = config(work, sshd, f"{work}/git")
            ours_mirror, git_mirror = f"{work}/ours/p.git", f"{work}/theirs/p.git"
            seed = f"{work}/seed.git"
            make_mirror(source, seed, refs, commits, 300)

            def fresh():
                for mirror in (ours_mirror, git_mirror):
                    shutil.rmtree(mirror, ignore_errors=True)
                    shutil.copytree(seed, mirror)
            cases = []
            for transport, target in (("local path", git_mirror), ("ssh", sshd.url(git_mirror))):
                remote = "local" if transport == "local path" else "ssh"
                cases.append((f"dry-run, {transport}", fresh,
                              [REPLICATOR, "start", "--dry-run", "--all", "--json", "--remote", remote, "--config", path],
                              ["git", "-C", source, "push", "--prune", "--dry-run", "--porcelain", target, "+refs/*:refs/*"]))
            make_mirror(source, seed + "-1000", refs, commits, 1000)

            def fresh_1000():
                for mirror in (ours_mirror, git_mirror):
                    shutil.rmtree(mirror, ignore_errors=True)
                    shutil.copytree(seed + "-1000", mirror)
            for transport, target in (("local path", git_mirror), ("ssh", sshd.url(git_mirror))):
                remote = "local" if transport == "local path" else "ssh"
                cases.append((f"full sync, 1,000 changed, {transport}", fresh_1000,
                              [REPLICATOR, "start", "--all", "--wait", "--now", "--remote", remote, "--config", path],
                              ["git", "-C", source, "push", "-q", "--prune", target, "+refs/*:refs/*"]))
            for name, prepare, ours, theirs in cases:
                ta, ma, tb, mb = median_case(ours, theirs, prepare, sshd.git_env)
                growth = ""
                if name in previous:
                    pa, pb = previous[name]
                    growth = f"{ta / pa:>11.1f}× {tb / pb:>9.1f}×"
                previous[name] = (ta, tb)
                print(f"{name:<36} {refs:>9,} {ta:>7.2f} {tb:>7.2f} {ta / tb:>6.2f} {ma:>9.0f} {mb:>8.0f} {growth}",
                      flush=True)
    finally:
        sshd.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
