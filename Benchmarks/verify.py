#!/usr/bin/env python3
"""Benchmark: `replicator verify --all` against a loop of `git ls-remote` over the same projects.

Same loopback sshd, one run: PROJECTS projects of 100 refs each (branches and tags over a short
history, packed) with one mirror each over ssh; every tenth mirror has one stale branch, so verify
has something to report. `git ls-remote` only lists (it compares nothing); it runs once per project
as a cron job would, first with a fresh ssh login each time, then over one multiplexed ssh
connection (ControlMaster), the fastest a script can get.
Usage: Benchmarks/verify.py [PROJECTS] [RUNS]   (after `swift build -c release --product replicator`)
"""
import json, os, shutil, statistics, subprocess, sys, tempfile, time
from bench_common import REPLICATOR, SSHD, measure, require_build, sh

PROJECTS = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 3


def make_template(path):
    sh("git", "init", "-q", "--bare", "-b", "main", path)
    tree = sh("git", "hash-object", "-t", "tree", "-w", "/dev/null", cwd=path).strip()
    commits, parent = [], []
    for i in range(20):
        commit = sh("git", "-c", "user.name=b", "-c", "user.email=b@b", "commit-tree", tree, "-m", f"c{i}", *parent,
                    cwd=path).strip()
        commits.append(commit)
        parent = ["-p", commit]
    lines = [f"create refs/heads/b{i} {commits[i % 19]}" for i in range(60)]
    lines += [f"create refs/tags/t{i} {commits[i % 20]}" for i in range(39)]
    lines.append(f"create refs/heads/main {commits[-1]}")
    sh("git", "update-ref", "--stdin", cwd=path, stdin="\n".join(lines) + "\n")
    sh("git", "pack-refs", "--all", cwd=path)
    return commits


def main():
    require_build()
    work = tempfile.mkdtemp(prefix="verify-bench-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    sshd = SSHD(work)
    try:
        template = f"{work}/template.git"
        commits = make_template(template)
        for i in range(PROJECTS):
            shutil.copytree(template, f"{work}/git/p{i}.git")
            shutil.copytree(template, f"{work}/mirror/p{i}.git")
            if i % 10 == 0:
                sh("git", "update-ref", "refs/heads/main", commits[-2], cwd=f"{work}/mirror/p{i}.git")
        os.makedirs(f"{work}/etc")
        config = f"{work}/etc/replication.config"
        with open(config, "w") as f:
            f.write(f"[gerrit]\n  basePath = {work}/git\n"
                    f"[remote \"ssh\"]\n  url = {sshd.url(work)}/mirror/${{name}}.git\n"
                    "  push = +refs/heads/*:refs/heads/*\n  push = +refs/tags/*:refs/tags/*\n  mirror = true\n"
                    f"  identityFile = {sshd.client_key}\n  knownHostsFile = {sshd.known_hosts}\n")
        # Sanity: verify finds exactly the stale mirrors.
        out = subprocess.run([REPLICATOR, "verify", "--all", "--json", "--config", config], capture_output=True, text=True)
        report = json.loads(out.stdout)
        differing = sum(1 for v in report["verifications"] if v["result"] == "differs")
        assert out.returncode == 1 and differing == (PROJECTS + 9) // 10, (out.returncode, differing, out.stderr[-500:])

        listings = [f"git ls-remote -q {sshd.url(work)}/mirror/p{i}.git > /dev/null" for i in range(PROJECTS)]
        loop = ["sh", "-c", " && ".join(listings)]
        control = f"{work}/cm"
        mux_env = dict(sshd.git_env, GIT_SSH_COMMAND=sshd.git_env["GIT_SSH_COMMAND"]
                       + f" -o ControlMaster=auto -o ControlPath={control} -o ControlPersist=60")
        ours = [measure([REPLICATOR, "verify", "--all", "--config", config], ok_status=(1,)) for _ in range(RUNS)]
        fresh = [measure(loop, env=sshd.git_env) for _ in range(RUNS)]
        muxed = [measure(loop, env=mux_env) for _ in range(RUNS)]
        print(f"{PROJECTS} projects x 1 mirror (100 refs each, {differing} differing), same loopback sshd, "
              f"median of {RUNS} runs")
        print(f"{'tool':<44} {'seconds':>8} {'listings/s':>11} {'ratio':>6} {'peak MiB':>9}")
        base = statistics.median(x[0] for x in ours)
        for name, runs in [("replicator verify --all (lists and compares)", ours),
                           ("git ls-remote loop, one ssh login each", fresh),
                           ("git ls-remote loop, ssh ControlMaster", muxed)]:
            seconds = statistics.median(x[0] for x in runs)
            print(f"{name:<44} {seconds:>8.2f} {PROJECTS / seconds:>11.0f} {seconds / base:>6.2f} "
                  f"{max(x[1] for x in runs):>9.0f}")
        subprocess.run(["ssh", "-o", f"ControlPath={control}", "-O", "exit", "x"], capture_output=True)
    finally:
        sshd.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
