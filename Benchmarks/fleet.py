#!/usr/bin/env python3
"""Benchmark: per-project fixed costs. A fleet of small projects mirrored to local paths,
`replicator start --all --wait --now` (`threads = 4`) next to a 4-way `xargs git push` loop, same
repositories: a first sync (empty mirrors) and a no-op re-sync. Local paths leave out ssh, so what
remains is each tool's own cost per project (process, repository open, store, receive-pack).
Usage: Benchmarks/fleet.py [PROJECTS] [RUNS] [DIRECTORY]   (after `swift build -c release --product
replicator`; repositories go to /dev/shm unless DIRECTORY is given)
"""
import os, shutil, statistics, sys, tempfile
from bench_common import REPLICATOR, make_source, measure, require_build, sh

PROJECTS = int(sys.argv[1]) if len(sys.argv) > 1 else 600
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 3


def main():
    require_build()
    base = sys.argv[3] if len(sys.argv) > 3 else ("/dev/shm" if os.access("/dev/shm", os.W_OK) else None)
    work = tempfile.mkdtemp(prefix="replicator-fleet-", dir=base)
    try:
        seed = f"{work}/seed.git"
        make_source(seed, 20)
        names = [f"p{i:03d}" for i in range(PROJECTS)]
        for name in names:
            shutil.copytree(seed, f"{work}/git/{name}.git")
        config = f"{work}/replication.config"
        with open(config, "w") as f:
            f.write(f"[gerrit]\n  basePath = {work}/git\n[remote \"m\"]\n  url = {work}/ours/${{name}}.git\n"
                    "  push = +refs/*:refs/*\n  mirror = true\n  threads = 4\n")
        loop = (f"cd {work}/git && ls | sed 's/[.]git$//' | xargs -P 4 -I P "
                f"git -C {work}/git/P.git push -q --prune {work}/theirs/P.git '+refs/*:refs/*'")

        def mirrors(fill):
            for side in ("ours", "theirs"):
                shutil.rmtree(f"{work}/{side}", ignore_errors=True)
                for name in names:
                    if fill:
                        shutil.copytree(seed, f"{work}/{side}/{name}.git")
                    else:
                        sh("git", "init", "-q", "--bare", f"{work}/{side}/{name}.git")
            # Written back before either tool runs: on a disk, the copies' writeback otherwise
            # lands on whichever tool runs first.
            os.sync()
        print(f"{PROJECTS} projects of 21 refs, local-path mirrors, threads 4 vs xargs -P 4; median of {RUNS}")
        print(f"{'case':<20} {'ours s':>7} {'git s':>7} {'ratio':>6} {'ours MiB':>9} {'git MiB':>8}")
        for case, fill in (("first sync", False), ("no-op re-sync", True)):
            ours, theirs = [], []
            for run in range(RUNS):
                mirrors(fill)
                # The store lives in the work directory: one per benchmark, kept across its rounds.
                replicator = [REPLICATOR, "start", "--all", "--wait", "--now", "--log-level", "warning",
                              "--config", config, "--store", f"{work}/data/tasks.sqlite"]
                # Each tool goes first every other run (the first one meets a colder cache).
                if run % 2 == 0:
                    ours.append(measure(replicator))
                    theirs.append(measure(["sh", "-c", loop]))
                else:
                    theirs.append(measure(["sh", "-c", loop]))
                    ours.append(measure(replicator))
            ta, tb = statistics.median(x[0] for x in ours), statistics.median(x[0] for x in theirs)
            ma, mb = max(x[1] for x in ours), max(x[1] for x in theirs)
            print(f"{case:<20} {ta:>7.2f} {tb:>7.2f} {ta / tb:>6.2f} {ma:>9.0f} {mb:>8.0f}", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
