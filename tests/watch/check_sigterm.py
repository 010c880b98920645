#!/usr/bin/env python3
"""End-to-end (issue 4, test d): SIGTERM (and SIGINT) stop the daemon cleanly:
it takes no new file, finishes the cases in flight, exits 0, and leaves
working/ empty (everything not yet claimed stays in the inbox for the next
run). A second watcher on the same inbox is refused while the first runs.

usage: check_sigterm.py P2PDOC_BINARY REPO_ROOT
"""
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import watchlib as w  # noqa: E402

BIN, ROOT = sys.argv[1], sys.argv[2]
c = w.Checker("watch/sigterm")
samples = w.load_samples(ROOT)

with tempfile.TemporaryDirectory() as tmp:
    inbox, out, log = os.path.join(tmp, "inbox"), os.path.join(tmp, "out"), os.path.join(tmp, "watch.log")
    made = w.write_batch(inbox, samples, 400, invalid_every=0)
    done = os.path.join(inbox, "done")

    for sig in (signal.SIGTERM, signal.SIGINT):
        before = len(os.listdir(done)) if os.path.isdir(done) else 0
        proc = w.start(BIN, inbox, out, "--workers", "2", "--quiet-period", "0", log=log)
        c.check(w.wait_for(lambda: os.path.isdir(done) and len(os.listdir(done)) >= before + 30, 20),
                f"{sig.name}: the daemon made no progress")
        mark = len(w.log_lines(log))
        proc.send_signal(sig)
        try:
            rc = proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            w.kill_tree(proc)
            rc = "hung"
        c.check(rc == 0, f"{sig.name}: exit {rc}, want 0")
        c.check(os.listdir(os.path.join(inbox, "working")) == [],
                f"{sig.name}: working/ holds {os.listdir(os.path.join(inbox, 'working'))}")
        after = w.log_lines(log)[mark:]
        stopping = [l for l in after if l.get("event") == "stopping"]
        if c.check(len(stopping) == 1, f"{sig.name}: {len(stopping)} stopping events"):
            i = after.index(stopping[0])
            finished = [l for l in after[i:] if "outcome" in l]
            c.check(len(finished) == stopping[0]["in_flight"],
                    f"{sig.name}: {stopping[0]['in_flight']} in flight, {len(finished)} finished after the signal")
            c.check(any(l.get("event") == "stop" for l in after[i:]), f"{sig.name}: no stop event")
        remaining = len(w.visible(inbox)) - 4  # working/, done/, failed/, outcomes/
        c.check(remaining > 0, f"{sig.name}: the inbox was drained before the signal; nothing shows the stop")
        n_done = len(os.listdir(done))
        c.check(n_done + remaining == len(made), f"{sig.name}: {n_done} done + {remaining} waiting != {len(made)}")
        # every case in done/ has its packet
        c.check(len(w.packet_folders(out)) == n_done,
                f"{sig.name}: {n_done} in done/, packets differ")

    # a second watcher on the same inbox is refused (after waiting a moment for the lock)
    first = w.start(BIN, inbox, out, log=log)
    time.sleep(0.5)
    second = subprocess.run([BIN, "watch", inbox, "--out", out + "-2"], capture_output=True, text=True,
                            env=w.ENV, timeout=30)
    c.check(second.returncode == 1, f"second watcher: exit {second.returncode}, want 1")
    c.check("another watcher" in second.stderr, f"second watcher said {second.stderr[-300:]!r}")
    first.send_signal(signal.SIGTERM)
    c.check(first.wait(timeout=20) == 0, "first watcher: exit not 0")

    r = w.run_once(BIN, inbox, out, "--quiet-period", "0", log=log)
    c.check(r.returncode == 0, f"drain: exit {r.returncode}")
    w.check_no_leftovers(c, inbox, out)
    w.check_outcomes(c, inbox, out, made, qpdf_sample=3)

c.finish()
