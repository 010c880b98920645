#!/usr/bin/env python3
"""End-to-end (issue 4, test c): kill -9 of the daemon at random moments, again
and again, with new files arriving between rounds (some re-sending a case id,
some reusing a file name), then a final drain with --once. After every kill:
no packet folder is incomplete. At the end: every input is in done/ or
failed/ exactly once (by content), every valid case id has one complete
packet (and .prev folders are complete too), qpdf is clean on a sample,
every invalid input has its error file, inbox and working/ are empty, no
staging folder or temporary is left.

usage: check_crash_loop.py P2PDOC_BINARY REPO_ROOT [ROUNDS]
"""
import os
import random
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import watchlib as w  # noqa: E402

BIN, ROOT = sys.argv[1], sys.argv[2]
ROUNDS = int(sys.argv[3]) if len(sys.argv) > 3 else 15
c = w.Checker("watch/crash_loop")
samples = w.load_samples(ROOT)
rnd = random.Random(int(os.environ.get("P2P_CRASH_SEED", "4")))


def starts_logged(log):
    return sum(1 for l in w.log_lines(log) if l.get("event") == "start")


def check_all_packets(out, seen_mtimes):
    """Every visible packet folder is complete right now (folders that changed since the last look)."""
    for n in w.packet_folders(out):
        p = os.path.join(out, n)
        try:
            m = os.stat(p).st_mtime_ns
        except FileNotFoundError:
            continue
        if seen_mtimes.get(n) == m:
            continue
        seen_mtimes[n] = m
        w.check_packet(c, p, "after a kill: ")


with tempfile.TemporaryDirectory() as tmp:
    inbox, out, log = os.path.join(tmp, "inbox"), os.path.join(tmp, "out"), os.path.join(tmp, "watch.log")
    made = w.write_batch(inbox, samples, 300, prefix="A", id_prefix="K")
    seen = {}
    kills_mid_work = 0
    for rnd_no in range(ROUNDS):
        if rnd_no > 0:
            # more arrivals: new cases, a re-sent case id (new content), a reused file name
            extra = w.write_batch(inbox, samples, 25, prefix=f"R{rnd_no:02d}-", id_prefix=f"K{rnd_no:02d}")
            made.update(extra)
            resent = f"resent-{rnd_no:02d}.json"
            data = w.make_case(samples, rnd_no, f"K-{rnd_no:05d}")  # the id of one of the first 300
            data = data.replace(b'"urgent": false', b'"urgent": true') if b'"urgent": false' in data else data + b" "
            open(os.path.join(inbox, resent), "wb").write(data)
            made[resent] = (f"K-{rnd_no:05d}", True, w.sha256_file(os.path.join(inbox, resent)))
            reused = "A00000.json"  # done/ already has one: the new one gets a number
            if not os.path.exists(os.path.join(inbox, reused)):
                data = w.make_case(samples, 3, f"K-reused-{rnd_no:02d}")
                open(os.path.join(inbox, reused), "wb").write(data)
                made[f"reused-{rnd_no:02d}"] = (f"K-reused-{rnd_no:02d}", True, w.sha256_file(os.path.join(inbox, reused)))
        started_before = starts_logged(log)
        proc = w.start(BIN, inbox, out, "--workers", "2", "--quiet-period", "0", log=log)
        if rnd_no % 2 == 0:
            # every other kill lands after the daemon has logged its start,
            # however long starting takes (a sanitizer build takes seconds on
            # a slow day); the others may land while it is still starting
            deadline = time.time() + 60
            while starts_logged(log) == started_before and time.time() < deadline and proc.poll() is None:
                time.sleep(0.02)
        time.sleep(rnd.uniform(0.05, 0.9))
        working = os.listdir(os.path.join(inbox, "working")) if os.path.isdir(os.path.join(inbox, "working")) else []
        kills_mid_work += any(not n.startswith(".") for n in working)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        if os.path.isdir(out):
            check_all_packets(out, seen)

    r = w.run_once(BIN, inbox, out, "--quiet-period", "0", log=log)
    c.check(r.returncode in (0, 2), f"final drain: exit {r.returncode}, want 0 or 2")
    w.check_no_leftovers(c, inbox, out)
    w.check_outcomes(c, inbox, out, made, qpdf_sample=15, seed=rnd_no)
    for n in os.listdir(out):
        if n.endswith(".prev"):
            w.check_packet(c, os.path.join(out, n), ".prev: ")
    c.check(kills_mid_work >= ROUNDS // 3, f"only {kills_mid_work} of {ROUNDS} kills hit work in progress")
    starts = [l for l in w.log_lines(log) if l.get("event") == "start"]
    c.check(len(starts) >= ROUNDS // 2, f"only {len(starts)} starts logged")
    recovered = sum(l.get("files", 0) for l in w.log_lines(log) if l.get("event") == "recovered")
    leftovers = sum(l.get("removed_leftovers", 0) for l in starts)
    print(f"{ROUNDS} kills ({kills_mid_work} with files in working/), {recovered} files recovered from working/, "
          f"{leftovers} staging folders or temporaries of killed workers removed, {len(made)} inputs")

c.finish()
