#!/usr/bin/env python3
"""End-to-end: how many times a packet waits for the disk (issue 14 item 3).
The real service runs under strace, counting fsync, fdatasync and syncfs.
One POST of a new case costs two syncfs and nothing else: one for the staged
files before they become visible, one for the retry record together with
the swap of the packet folder (write_packet with Durability::by_caller). A
retry of the same body is answered from disk without any flush. `p2pdoc
generate` writes its packets one after another and flushes each before it
reports it: one syncfs, one fsync of the output folder and the ledger's one
fdatasync per packet.

usage: check_flushes.py P2PDOC_BINARY REPO_ROOT
"""
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(__file__))
from serve_common import *  # noqa: E402,F403

BIN, ROOT = sys.argv[1], sys.argv[2]
STRACE = shutil.which("strace")
if not STRACE:
    print("check_flushes: strace is not installed (scripts/install-deps.sh installs it)")
    sys.exit(77)
work = workdir("flushes")
FLUSH = re.compile(r"^\d+\s+(fsync|fdatasync|syncfs)\(")


def traced_env(**extra):
    """The service's environment under strace: LeakSanitizer cannot run
    under ptrace (the sanitizer build), so the traced runs leave leak
    checking to the other tests."""
    env = clean_env(**extra)
    if "ASAN_OPTIONS" in env:
        env["ASAN_OPTIONS"] += ":detect_leaks=0"
    return env


def traced(name):
    """A wrapper that runs the binary under strace, and the log it writes."""
    log = os.path.join(work, name + ".strace")
    wrapper = os.path.join(work, name + ".sh")
    with open(wrapper, "w") as f:
        f.write(f'#!/bin/sh\nexec {STRACE} -f -qq -e trace=fsync,fdatasync,syncfs -o {log} {BIN} "$@"\n')
    os.chmod(wrapper, os.stat(wrapper).st_mode | stat.S_IXUSR)
    return wrapper, log


def flushes(log):
    """{call: count} over the complete lines of the strace log so far."""
    counts = {"fsync": 0, "fdatasync": 0, "syncfs": 0}
    with open(log) as f:
        for line in f:
            m = FLUSH.match(line)
            if m and "unfinished" not in line:
                counts[m.group(1)] += 1
            elif "resumed>" in line:
                call = re.search(r"<\.\.\. (\w+) resumed>", line)
                if call and call.group(1) in counts:
                    counts[call.group(1)] += 1
    return counts


def settled(log, before):
    """The counts once the log has stopped growing (strace writes as calls return)."""
    last = None
    for _ in range(20):
        now = flushes(log)
        if now == last:
            return {k: now[k] - before[k] for k in now}
        last = now
        time.sleep(0.1)
    return {k: last[k] - before[k] for k in last}


# the service: one new case, then the same body again
wrapper, log = traced("serve")
svc = Service(wrapper, os.path.join(work, "out"), env=traced_env())
try:
    body = open(os.path.join(ROOT, "samples", "uhc-lumbar-mri.json"), "rb").read()
    time.sleep(0.3)  # the ledger's start-up writes are done before the first post
    before = flushes(log)
    status, _, _ = svc.request("POST", "/v1/packets", body, {"Content-Type": "application/json"})
    check(status == 201, f"a new case is generated (201), got {status}")
    first = settled(log, before)
    check(first == {"fsync": 0, "fdatasync": 0, "syncfs": 2},
          f"one new packet waits for the disk twice (two syncfs), got {first}")
    before = flushes(log)
    status, _, _ = svc.request("POST", "/v1/packets", body, {"Content-Type": "application/json"})
    check(status == 200, f"the same body again is a retry (200), got {status}")
    again = settled(log, before)
    check(sum(again.values()) == 0, f"a retry answered from disk flushes nothing, got {again}")
finally:
    svc.stop()  # under strace the exit status is strace's
packet = os.path.join(work, "out", json.loads(body)["case_id"])
check(os.path.isfile(os.path.join(packet, ".request.json")) and os.path.isfile(os.path.join(packet, "brief.pdf")),
      "the packet and its retry record are in place")

# the CLI: every sample in one run
wrapper, log = traced("generate")
samples_all = samples(ROOT)
r = subprocess.run([wrapper, "generate", "--out", os.path.join(work, "cli"),
                    "--ledger", os.path.join(work, "cli.db"), *samples_all],
                   env=traced_env(), capture_output=True, text=True)
check(r.returncode == 0, f"generate succeeds: {r.stderr[-300:]}")
made = [d for d in os.listdir(os.path.join(work, "cli")) if not d.startswith(".")]
check(len(made) == len(samples_all), f"generate wrote {len(made)} of {len(samples_all)} packets")
cli = flushes(log)
n = len(samples_all)
check(cli == {"fsync": n, "fdatasync": n, "syncfs": n},
      f"each of {n} packets: one syncfs, one fsync of the output folder and one ledger commit, got {cli}")
finish("check_flushes")
cleanup(work)
