#!/usr/bin/env python3
"""A receive-pack that answers as a mirror host does, over git's real protocol: run in place of
git-receive-pack (`remote.NAME.receivepack`), as `fake_receive_pack.py SCENARIO REPOSITORY`.

It advertises the repository's refs with GitHub's capabilities, reads the commands and the pack
(stored with `git index-pack --fix-thin`), and then answers from SCENARIO, a JSON file:
  "limit": N           refuse every ref of a push of more than N refs, as GitHub's push limit
                       (ruleset GH013) does: its reason and sideband block for each ref;
  "refuse": {REF: {"reason": TEXT, "said": TEXT}}
                       refuse REF with the report reason TEXT, writing "said" on the sideband
                       first, as the host does (GH006, GitLab, Gerrit, rate limits);
  "log": PATH          append "accepted N" or "refused N" per push.
Accepted refs are updated with `git update-ref`, compare-and-swap on the old id.
"""
import json, os, subprocess, sys

ZERO = "0" * 40


def read_exact(count):
    data = b""
    while len(data) < count:
        chunk = os.read(0, count - len(data))
        if not chunk:
            raise SystemExit("fake receive-pack: the client hung up")
        data += chunk
    return data


def read_pkt():
    length = int(read_exact(4), 16)
    return None if length == 0 else read_exact(length - 4)


def pkt(data):
    return b"%04x" % (len(data) + 4) + data


def write(data):
    os.write(1, data)


def advertise(repository):
    refs = subprocess.run(["git", "--git-dir", repository, "for-each-ref", "--format=%(objectname) %(refname)"],
                          capture_output=True, text=True, check=True).stdout.split("\n")
    refs = [line for line in refs if line]
    caps = b"report-status side-band-64k ofs-delta atomic push-options quiet agent=github/fake-receive-pack"
    first = (refs[0] if refs else f"{ZERO} capabilities^{{}}").encode()
    lines = [pkt(first + b"\0" + caps + b"\n")] + [pkt(line.encode() + b"\n") for line in refs[1:]]
    write(b"".join(lines) + b"0000")


def main():
    scenario = json.load(open(sys.argv[1]))
    repository = sys.argv[2]
    advertise(repository)
    commands, capabilities = [], set()
    while (line := read_pkt()) is not None:
        if b"\0" in line:
            line, caps = line.split(b"\0", 1)
            capabilities = set(caps.decode().split())
        old, new, ref = line.decode().strip().split(" ")
        commands.append((old, new, ref))
    if not commands:
        return
    if "push-options" in capabilities:
        while read_pkt() is not None:
            pass
    if any(new != ZERO for _, new, _ in commands):
        subprocess.run(["git", "--git-dir", repository, "index-pack", "--stdin", "--fix-thin"], stdin=0,
                       stdout=subprocess.DEVNULL, check=True)
    said, results = [], []
    limit = scenario.get("limit")
    over = limit is not None and len(commands) > limit
    for old, new, ref in commands:
        if over:
            said.append(f"error: GH013: Repository rule violations found for {ref}.\n"
                        f"Review all repository rules at https://github.com/OWNER/REPO/rules?ref={ref}\n\n"
                        f"- Pushes can not update more than {limit} branches or tags.\n\n")
            results.append(f"ng {ref} push declined due to repository rule violations\n")
        elif ref in scenario.get("refuse", {}):
            refusal = scenario["refuse"][ref]
            said.append(refusal.get("said", ""))
            results.append(f"ng {ref} {refusal['reason']}\n")
        else:
            update = ["git", "--git-dir", repository, "update-ref"]
            update += ["-d", ref, old] if new == ZERO else [ref, new, "" if old == ZERO else old]
            done = subprocess.run(update, capture_output=True).returncode == 0
            results.append(f"ok {ref}\n" if done else f"ng {ref} failed to update ref\n")
    if "log" in scenario:
        with open(scenario["log"], "a") as log:
            log.write(f"{'refused' if over else 'accepted'} {len(commands)}\n")
    sideband = "side-band-64k" in capabilities
    for text in said:
        if text:
            write(pkt(b"\x02" + text.encode()) if sideband else b"")
    report = pkt(b"unpack ok\n") + b"".join(pkt(line.encode()) for line in results) + b"0000"
    write(pkt(b"\x01" + report) + b"0000" if sideband else report)


main()
