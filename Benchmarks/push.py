#!/usr/bin/env python3
"""Benchmark: `replicator start` against `git push` over the same loopback sshd, in one run.

Scenarios (each tool pushes to its own copy of the same mirror state):
- first mirror and a 10-commit update of a long history (20,000 commits editing 300 files, made
  with `git fast-import`, repacked with deltas as a server keeps it);
- first mirror and no-op of a real public history (libgit2/libgit2 as the search tool's `fetch`
  brings it, or BENCH_REAL_REPOSITORY);
- a one-line change to a 1.6 MB file, on a mirror that has the previous version;
- initial replication of 100,000 refs (also timed outside the mirror's receive-pack, which both
  tools run through a wrapper that logs when it ran), an incremental sync of 10 of them, a no-op sync;
- a fleet of 600 small projects, first sync and re-sync, `start --all --wait --now` with
  `threads = 4` next to a 4-way parallel loop of `git push`;
- first mirrors under a push-size cap (`maxPushSize`): an 88 MiB history that does not compress
  and the long history, capped and uncapped, next to git's uncapped push (git cannot cap).
Reports wall time, the ratio, peak RSS (children included) and bytes sent on the wire, counted by a
loopback TCP proxy in front of sshd that both tools go through.
Usage: Benchmarks/push.py [RUNS] [DIRECTORY] [long,real,large,refs,fleet,capped]   (after `swift build -c release
--product replicator`; repositories go to /dev/shm unless DIRECTORY is given, "-" for /dev/shm)
"""
import os, re, shutil, statistics, subprocess, sys, tempfile
from bench_common import REPLICATOR, SSHD, ByteCounter, make_long_history, make_source, measure, require_build, sh

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 1
REAL_REPOSITORY = os.environ.get("BENCH_REAL_REPOSITORY", "/work/.mirror/libgit2+libgit2/repo")


def slug(name):
    """A scenario's name as a directory name."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


class Bench:
    def __init__(self, work):
        self.work = work
        self.sshd = SSHD(work)
        self.proxy = ByteCounter(self.sshd.port)
        # A receive-pack that logs when it ran: the time a push spends outside the mirror's work.
        self.receive_pack_log = f"{work}/receive-pack.log"
        self.timed_receive_pack = f"{work}/timed-receive-pack"
        with open(self.timed_receive_pack, "w") as f:
            f.write(f"#!/bin/sh\nstart=$(date +%s.%N)\ngit-receive-pack \"$@\"\nstatus=$?\n"
                    f"echo \"$start $(date +%s.%N)\" >> {self.receive_pack_log}\nexit $status\n")
        os.chmod(self.timed_receive_pack, 0o755)
        host_key = " ".join(open(f"{self.sshd.dir}/host.pub").read().split()[:2])
        with open(self.sshd.known_hosts, "a") as f:
            f.write(f"[127.0.0.1]:{self.proxy.port} {host_key}\n")

    def url(self, path):
        return self.proxy.url(self.sshd, path)

    def write_config(self, name, threads=1, extra=""):
        path = f"{self.work}/etc-{slug(name)}/replication.config"
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(f"[gerrit]\n  basePath = {self.work}/git-{slug(name)}\n"
                    f"[remote \"mirror\"]\n  url = {self.url(self.work)}/replicator-{slug(name)}/${{name}}.git\n"
                    f"  push = +refs/*:refs/*\n  mirror = true\n  maxDeletions = 0\n  threads = {threads}\n"
                    f"  identityFile = {self.sshd.client_key}\n  knownHostsFile = {self.sshd.known_hosts}\n{extra}")
        return path

    def run_case(self, name, projects, prepare_mirror, threads=1, extra="", outside=False):
        """Times both tools on identical mirror states, which `prepare_mirror(project, None)` makes.
        `outside`: also the time each spent outside the mirror's receive-pack (one project)."""
        if outside:
            extra += f"  receivepack = {self.timed_receive_pack}\n"
        config = self.write_config(name, threads, extra)
        ours, theirs = [], []
        for _ in range(RUNS):
            for project in projects:
                prepare_mirror(project, None)
            self.proxy.take()
            ours.append(measure([REPLICATOR, "start", "--all", "--wait", "--now", "--config", config]) + (self.proxy.take(),))
            ours[-1] += (self.receive_pack_seconds(),)
            loop = self.git_loop(name, threads, self.timed_receive_pack if outside else None)
            theirs.append(measure(["sh", "-c", loop], env=self.sshd.git_env) + (self.proxy.take(),))
            theirs[-1] += (self.receive_pack_seconds(),)
        ta, tb = statistics.median(x[0] for x in ours), statistics.median(x[0] for x in theirs)
        ma, mb = max(x[1] for x in ours), max(x[1] for x in theirs)
        ba, bb = statistics.median(x[2] for x in ours), statistics.median(x[2] for x in theirs)
        print(f"{name:<34} {ta:>8.2f} {tb:>7.2f} {ta / tb:>6.2f} {ma:>8.0f} {mb:>7.0f} {ma / mb:>5.2f} "
              f"{ba:>13,} {bb:>12,} {ba / max(bb, 1):>6.2f}", flush=True)
        if outside:
            oa, ob = (statistics.median(x[0] - x[3] for x in runs) for runs in (ours, theirs))
            print(f"  outside receive-pack: ours {oa:.2f} s, git {ob:.2f} s (medians)", flush=True)

    def receive_pack_seconds(self):
        """The wall time of the receive-packs logged since the last call (0 if none was timed)."""
        if not os.path.exists(self.receive_pack_log):
            return 0.0
        with open(self.receive_pack_log) as f:
            spans = [line.split() for line in f if line.strip()]
        os.remove(self.receive_pack_log)
        return sum(float(end) - float(start) for start, end in spans)

    def git_loop(self, name, threads, receive_pack=None):
        sources = f"{self.work}/git-{slug(name)}"
        mirrors = self.url(f"{self.work}/git-{slug(name)}-mirrors")
        option = f" --receive-pack={receive_pack}" if receive_pack else ""
        return (f"cd {sources} && ls | sed 's/[.]git$//' | xargs -P {threads} -I PROJECT "
                f"git -C {sources}/PROJECT.git push -q --prune{option} {mirrors}/PROJECT.git '+refs/*:refs/*'")


def main():
    require_build()
    base = sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] != "-" else None
    base = base or ("/dev/shm" if os.access("/dev/shm", os.W_OK) else None)
    work = tempfile.mkdtemp(prefix="replicator-push-bench-", dir=base)
    bench = Bench(work)
    try:
        print(f"median of {RUNS} run(s), same loopback sshd through a byte-counting proxy; repositories under {work}")
        print(f"{'scenario':<34} {'ours s':>8} {'git s':>7} {'ratio':>6} {'ours MiB':>8} {'git MiB':>7} {'ratio':>5} "
              f"{'ours bytes':>13} {'git bytes':>12} {'ratio':>6}", flush=True)
        groups = {"long": long_history, "real": real_history, "large": large_file, "refs": many_refs, "fleet": fleet, "capped": capped}
        chosen = sys.argv[3].split(",") if len(sys.argv) > 3 else list(groups)
        for group in chosen:
            groups[group](bench)
    finally:
        bench.sshd.stop()
        shutil.rmtree(work, ignore_errors=True)


def case_dirs(bench, name):
    """Sources at git-NAME/, mirrors at replicator-NAME/ and git-NAME-mirrors/ (the git tool's)."""
    os.makedirs(f"{bench.work}/git-{slug(name)}", exist_ok=True)
    return f"{bench.work}/git-{slug(name)}"


def prepare(bench, name, make_mirror):
    """Mirror state for both tools: `make_mirror(path)` for each project's two mirrors."""
    def fill(project, _unused):
        for mirror in (f"{bench.work}/replicator-{slug(name)}/{project}.git", f"{bench.work}/git-{slug(name)}-mirrors/{project}.git"):
            shutil.rmtree(mirror, ignore_errors=True)
            os.makedirs(os.path.dirname(mirror), exist_ok=True)
            make_mirror(project, mirror)
    return fill


def empty_mirror(_project, mirror):
    sh("git", "init", "-q", "--bare", mirror)


def long_history(bench):
    seed = f"{bench.work}/long.git"
    make_long_history(seed)
    name = "long history: first mirror"
    shutil.copytree(seed, f"{case_dirs(bench, name)}/p.git")
    bench.run_case(name, ["p"], prepare(bench, name, empty_mirror))
    name = "long history: 10 new commits"
    source = f"{case_dirs(bench, name)}/p.git"
    shutil.copytree(seed, source)
    work_tree = f"{bench.work}/long-work"
    sh("git", "clone", "-q", source, work_tree)
    for i in range(10):
        with open(f"{work_tree}/dir0/file0.txt", "a") as f:
            f.write(f"update {i}\n")
        sh("git", "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qam", f"update {i}", cwd=work_tree)
    sh("git", "push", "-q", source, "HEAD:refs/heads/main", cwd=work_tree)
    bench.run_case(name, ["p"], prepare(bench, name, lambda _p, m: shutil.copytree(seed, m)))


def real_history(bench):
    """A real public repository: libgit2/libgit2 (24,842 commits, 7,007 refs of which 6,736 are
    `refs/pull/*`, an 85 MiB pack) as the search tool's `fetch` brings it, or the bare repository
    BENCH_REAL_REPOSITORY names. First mirror, then a no-op."""
    if not os.path.isdir(f"{REAL_REPOSITORY}/objects"):
        print(f"real history: skipped, no repository at {REAL_REPOSITORY} (set BENCH_REAL_REPOSITORY)", flush=True)
        return
    seed = f"{bench.work}/real.git"
    shutil.copytree(REAL_REPOSITORY, seed)
    sh("git", "init", "-q", "--bare", seed)  # a fetched snapshot may come without a config
    name = "real history: first mirror"
    shutil.copytree(seed, f"{case_dirs(bench, name)}/p.git")
    bench.run_case(name, ["p"], prepare(bench, name, empty_mirror))
    name = "real history: no-op"
    shutil.copytree(seed, f"{case_dirs(bench, name)}/p.git")
    bench.run_case(name, ["p"], prepare(bench, name, lambda _p, m: shutil.copytree(seed, m)))


def large_file(bench):
    name = "one-line change, 1.6 MB file"
    work_tree = f"{bench.work}/large-work"
    sh("git", "init", "-q", "-b", "main", work_tree)
    lines = [f"line {i:06d} of a large generated file, with enough text to be long\n" for i in range(24_000)]
    with open(f"{work_tree}/large.txt", "w") as f:
        f.writelines(lines)
    sh("git", "add", "large.txt", cwd=work_tree)
    sh("git", "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "large", cwd=work_tree)
    before = f"{bench.work}/large-before.git"
    sh("git", "clone", "-q", "--bare", work_tree, before)
    lines[12_000] = "one changed line\n"
    with open(f"{work_tree}/large.txt", "w") as f:
        f.writelines(lines)
    sh("git", "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qam", "one line", cwd=work_tree)
    sh("git", "clone", "-q", "--bare", work_tree, f"{case_dirs(bench, name)}/p.git")
    bench.run_case(name, ["p"], prepare(bench, name, lambda _p, m: shutil.copytree(before, m)))


def many_refs(bench):
    name = "initial 100k refs"
    source = f"{case_dirs(bench, name)}/p.git"
    make_source(source, 100_000)
    bench.run_case(name, ["p"], prepare(bench, name, empty_mirror), outside=True)
    synced = f"{bench.work}/synced.git"
    shutil.copytree(source, synced)
    for name, edit in (("incremental 10 of 100k refs", True), ("no-op 100k refs", False)):
        target = f"{case_dirs(bench, name)}/p.git"
        shutil.copytree(source, target)
        if edit:
            commits = sh("git", "rev-list", "refs/heads/main", cwd=source).split()
            lines = [f"update refs/changes/{i % 100:02d}/{i}/1 {commits[(i + 1) % 5]}" for i in range(10)]
            sh("git", "update-ref", "--stdin", cwd=target, stdin="\n".join(lines) + "\n")
        bench.run_case(name, ["p"], prepare(bench, name, lambda _p, m: shutil.copytree(synced, m)))


def fleet(bench, count=600):
    name = "fleet of 600: first sync"
    projects = [f"p{i:03d}" for i in range(count)]
    seed = f"{bench.work}/small.git"
    make_source(seed, 20)
    for project in projects:
        shutil.copytree(seed, f"{case_dirs(bench, name)}/{project}.git")
    bench.run_case(name, projects, prepare(bench, name, empty_mirror), threads=4)
    resync = "fleet of 600: no-op re-sync"
    for project in projects:
        shutil.copytree(seed, f"{case_dirs(bench, resync)}/{project}.git")
    bench.run_case(resync, projects, prepare(bench, resync, lambda _p, m: shutil.copytree(seed, m)), threads=4)




def make_heavy_history(path, commits=160, size=500_000):
    """`commits` commits on main each adding `size` random bytes (about 88 MiB that does not
    compress, the size of a real history that hit a 20 MiB cap), a side branch merged half way."""
    sh("git", "init", "-q", "--bare", "-b", "main", path)
    process = subprocess.Popen(["git", "fast-import", "--quiet"], cwd=path, stdin=subprocess.PIPE)
    def commit(ref, mark, parent, merge=None):
        data = os.urandom(size)
        head = f"commit {ref}\nmark :{mark}\ncommitter B <b@b> {1_700_000_000 + mark} +0000\ndata 1\nc\n"
        head += (f"from :{parent}\n" if parent else "") + (f"merge :{merge}\n" if merge else "")
        process.stdin.write(head.encode() + f"M 644 inline f{mark}\ndata {len(data)}\n".encode() + data + b"\n\n")
    side = commits // 10
    for i in range(1, commits + 1):
        if i == commits // 2:
            for j in range(1, side + 1):
                commit("refs/heads/side", 100_000 + j, commits // 4 if j == 1 else 100_000 + j - 1)
        commit("refs/heads/main", i, i - 1 if i > 1 else None, 100_000 + side if i == commits // 2 else None)
    process.stdin.close()
    if process.wait() != 0:
        raise SystemExit("fast-import failed")


def capped(bench):
    """First mirrors under `maxPushSize`, our uncapped first mirror of the same, and git's."""
    heavy = f"{bench.work}/heavy.git"
    make_heavy_history(heavy)
    long = f"{bench.work}/long.git"
    if not os.path.exists(long):
        make_long_history(long)
    for label, seed, cap in (("88 MiB random", heavy, "20m"), ("long history", long, "4m")):
        for extra in ("", f"  maxPushSize = {cap}\n"):
            name = f"{label}: first mirror{' cap ' + cap if extra else ''}"
            shutil.copytree(seed, f"{case_dirs(bench, name)}/p.git")
            bench.run_case(name, ["p"], prepare(bench, name, empty_mirror), extra=extra)


if __name__ == "__main__":
    main()
