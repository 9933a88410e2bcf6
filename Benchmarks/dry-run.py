#!/usr/bin/env python3
"""Benchmark: `replicator start --dry-run` against `git push --prune --dry-run --porcelain`.

Same repositories, same refspec, same loopback sshd, one run. The source has N refs (Gerrit-like
refs/changes/XX/N/1 over 5 commits, packed); the mirror has the same refs packed, minus 100, plus 100
of its own and 100 pointing elsewhere, so both tools find creates, updates and deletes.
Usage: Benchmarks/dry-run.py [REFS] [RUNS]   (builds nothing: run `swift build -c release` first)
"""
import os, shutil, statistics, subprocess, sys, tempfile, time

REFS = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPLICATOR = os.path.join(ROOT, ".build/release/replicator")


def sh(*args, cwd=None, env=None, stdin=None):
    return subprocess.run(args, cwd=cwd, env=env, input=stdin, check=True, capture_output=True, text=True).stdout


def measure(args, env=None):
    """Wall seconds and peak RSS (MiB) of one process, from wait4's rusage."""
    start = time.perf_counter()
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(args)}\n{process.stderr.read().decode()}")
    return elapsed, usage.ru_maxrss / 1024


def make_repositories(work):
    source, mirror = f"{work}/git/p.git", f"{work}/mirror/p.git"
    sh("git", "init", "-q", "--bare", source)
    tree = sh("git", "hash-object", "-t", "tree", "-w", "/dev/null", cwd=source).strip()
    commits, parent = [], []
    for i in range(5):
        commit = sh("git", "-c", "user.name=b", "-c", "user.email=b@b", "commit-tree", tree, "-m", f"c{i}", *parent, cwd=source).strip()
        commits.append(commit)
        parent = ["-p", commit]
    lines = [f"create refs/changes/{i % 100:02d}/{i}/1 {commits[i % 5]}" for i in range(REFS)]
    lines.append(f"create refs/heads/main {commits[-1]}")
    sh("git", "update-ref", "--stdin", cwd=source, stdin="\n".join(lines) + "\n")
    sh("git", "pack-refs", "--all", cwd=source)
    shutil.copytree(source, mirror)
    edits = [f"delete refs/changes/{i % 100:02d}/{i}/1" for i in range(0, 100)]
    edits += [f"update refs/changes/{i % 100:02d}/{i}/1 {commits[(i + 1) % 5]}" for i in range(100, 200)]
    edits += [f"create refs/changes/99/{REFS + i}/1 {commits[0]}" for i in range(100)]
    sh("git", "update-ref", "--stdin", cwd=mirror, stdin="\n".join(edits) + "\n")
    sh("git", "pack-refs", "--all", cwd=mirror)
    return source, mirror


def start_sshd(work):
    d = f"{work}/sshd"
    os.makedirs(d)
    for key in ("host", "client"):
        sh("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", f"{d}/{key}")
    shutil.copy(f"{d}/client.pub", f"{d}/authorized_keys")
    with socket_port() as port:
        pass
    user = sh("id", "-un").strip()
    with open(f"{d}/sshd_config", "w") as f:
        f.write(f"Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/host\nPidFile {d}/pid\nAuthorizedKeysFile {d}/authorized_keys\n"
                f"AllowUsers {user}\nPasswordAuthentication no\nUsePAM no\nStrictModes no\nPermitRootLogin prohibit-password\n"
                "MaxStartups 100:30:200\n")
    if os.getuid() == 0:
        os.makedirs("/run/sshd", exist_ok=True)
    sh("/usr/sbin/sshd", "-f", f"{d}/sshd_config", "-E", f"{d}/log")
    time.sleep(0.5)
    host_key = " ".join(open(f"{d}/host.pub").read().split()[:2])
    with open(f"{d}/known_hosts", "w") as f:
        f.write(f"[127.0.0.1]:{port} {host_key}\n")
    return d, port, user


class socket_port:
    def __enter__(self):
        import socket
        self.s = socket.socket()
        self.s.bind(("127.0.0.1", 0))
        return self.s.getsockname()[1]

    def __exit__(self, *exc):
        self.s.close()


def main():
    if not os.access(REPLICATOR, os.X_OK):
        raise SystemExit("build first: swift build -c release --product replicator")
    work = tempfile.mkdtemp(prefix="replicator-bench-")
    sshd = None
    try:
        source, mirror = make_repositories(work)
        sshd, port, user = start_sshd(work)
        ssh_url = f"ssh://{user}@127.0.0.1:{port}{work}/mirror/p.git"
        os.makedirs(f"{work}/etc")
        with open(f"{work}/etc/replication.config", "w") as f:
            f.write(f"[gerrit]\n  basePath = {work}/git\n"
                    f"[remote \"local\"]\n  url = {work}/mirror/${{name}}.git\n  push = +refs/*:refs/*\n  mirror = true\n  maxDeletions = 0\n"
                    f"[remote \"ssh\"]\n  url = ssh://{user}@127.0.0.1:{port}{work}/mirror/${{name}}.git\n  push = +refs/*:refs/*\n"
                    f"  mirror = true\n  maxDeletions = 0\n  identityFile = {sshd}/client\n  knownHostsFile = {sshd}/known_hosts\n")
        git_env = dict(os.environ, GIT_SSH_COMMAND=f"ssh -i {sshd}/client -o IdentitiesOnly=yes -o BatchMode=yes "
                       f"-o StrictHostKeyChecking=yes -o UserKnownHostsFile={sshd}/known_hosts")
        config = f"{work}/etc/replication.config"
        cases = [
            ("local path", [REPLICATOR, "start", "--dry-run", "--all", "--json", "--remote", "local", "--config", config],
             ["git", "-C", source, "push", "--prune", "--dry-run", "--porcelain", mirror, "+refs/*:refs/*"]),
            ("ssh", [REPLICATOR, "start", "--dry-run", "--all", "--json", "--remote", "ssh", "--config", config],
             ["git", "-C", source, "push", "--prune", "--dry-run", "--porcelain", ssh_url, "+refs/*:refs/*"]),
        ]
        print(f"{REFS} refs per side (packed), 300 differences, median of {RUNS} runs, same loopback sshd")
        print(f"{'transport':<11} {'replicator s':>12} {'git s':>8} {'ratio':>6} {'replicator MiB':>15} {'git MiB':>8}")
        for name, ours, theirs in cases:
            a = [measure(ours) for _ in range(RUNS)]
            b = [measure(theirs, env=git_env) for _ in range(RUNS)]
            ta, tb = statistics.median(x[0] for x in a), statistics.median(x[0] for x in b)
            ma, mb = max(x[1] for x in a), max(x[1] for x in b)
            print(f"{name:<11} {ta:>12.2f} {tb:>8.2f} {ta / tb:>6.2f} {ma:>15.0f} {mb:>8.0f}")
    finally:
        if sshd and os.path.exists(f"{sshd}/pid"):
            os.kill(int(open(f"{sshd}/pid").read()), 15)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
