#!/usr/bin/env python3
"""End-to-end (issue 10): kill -9 of the watcher while it records into the
ledger, again and again, then a final drain with --once. The ledger must
lose nothing and double nothing: every valid case has exactly one case row,
one denial_received and one packet_generated (the packets of a re-run case
are the same content, so they count once), every packet folder is recorded,
and SQLite's integrity check passes. Each kill waits for a state (more
packets done than before), never for a guess at timing.

usage: check_watch_kill.py P2PDOC_BINARY REPO_ROOT [ROUNDS]
"""
import collections
import os
import signal
import sqlite3
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "watch"))
import watchlib as w  # noqa: E402

BIN, ROOT = sys.argv[1], sys.argv[2]
ROUNDS = int(sys.argv[3]) if len(sys.argv) > 3 else 4
CASES = 80
c = w.Checker("ledger/watch_kill")
samples = w.load_samples(ROOT)


def done_count(inbox):
    d = os.path.join(inbox, "done")
    return len([n for n in os.listdir(d) if n.endswith(".json")]) if os.path.isdir(d) else 0


with tempfile.TemporaryDirectory() as tmp:
    inbox, out, log = os.path.join(tmp, "inbox"), os.path.join(tmp, "out"), os.path.join(tmp, "watch.log")
    made = w.write_batch(inbox, samples, CASES, invalid_every=0, prefix="L", id_prefix="LG")
    kills_mid_work = 0
    for rnd in range(ROUNDS):
        before = done_count(inbox)
        proc = w.start(BIN, inbox, out, "--workers", "2", "--quiet-period", "0", log=log)
        # a few more cases finished, so the kill lands among recordings
        w.wait_for(lambda: done_count(inbox) >= before + 3 or proc.poll() is not None, 120)
        working = os.listdir(os.path.join(inbox, "working")) if os.path.isdir(os.path.join(inbox, "working")) else []
        kills_mid_work += any(not n.startswith(".") for n in working)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()

    r = w.run_once(BIN, inbox, out, "--quiet-period", "0", log=log)
    c.check(r.returncode == 0, f"final drain: exit {r.returncode}")
    db = os.path.join(out, "p2pdoc.db")
    con = sqlite3.connect(db)
    c.check(con.execute("PRAGMA integrity_check").fetchone()[0] == "ok", "integrity_check")
    per_kind = collections.Counter(con.execute("SELECT case_id, kind FROM events").fetchall())
    rows = {r[0] for r in con.execute("SELECT case_id FROM cases")}
    con.close()
    ids = {cid for cid, valid, _ in made.values() if valid}
    c.check(rows == ids, f"one case row per case: {len(rows)} rows for {len(ids)} cases")
    for cid in sorted(ids):
        for kind in ("denial_received", "packet_generated"):
            n = per_kind[(cid, kind)]
            c.check(n == 1, f"{cid}: {n} {kind} events, want 1")
    packets = {n for n in os.listdir(out) if not n.startswith(".") and not n.endswith(".prev") and os.path.isfile(os.path.join(out, n, "manifest.json"))}
    c.check(packets == ids, f"every case has its packet: {len(packets)} of {len(ids)}")
    recovered = sum(l.get("packets", 0) for l in w.log_lines(log) if l.get("event") == "ledger_recovered")
    print(f"{ROUNDS} kills ({kills_mid_work} with files in working/), {recovered} packets recorded by recovery, "
          f"{sum(per_kind.values())} events for {len(ids)} cases")

c.finish()
