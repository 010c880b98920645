#!/usr/bin/env python3
"""End-to-end (issue 4, test e): one slow or poisonous case does not block the
others.
  - timeout: a case whose worker hangs exceeds --timeout: its worker is
    killed, the case goes to failed/ with outcome "timeout", and the other
    cases are finished meanwhile by the other worker.
  - crash: the worker handling a case is killed by a signal (as a crash
    would); the case is tried again, and after the second crash it goes to
    failed/ with outcome "crash" instead of looping forever.
The slow case is a file whose name holds "fault-hang": with
P2PDOC_TEST_WORKER_FAULTS=1 its worker hangs (a test hook in watch.cpp).

usage: check_poison.py P2PDOC_BINARY REPO_ROOT
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import watchlib as w  # noqa: E402

BIN, ROOT = sys.argv[1], sys.argv[2]
c = w.Checker("watch/poison")
samples = w.load_samples(ROOT)


with tempfile.TemporaryDirectory() as tmp:
    # A file named "*fault-hang*" hangs its worker (P2PDOC_TEST_WORKER_FAULTS=1,
    # a test hook): since issue 8 bounded the work, no valid case is slow.
    w.ENV["P2PDOC_TEST_WORKER_FAULTS"] = "1"

    # --- timeout
    inbox, out, log = os.path.join(tmp, "inbox"), os.path.join(tmp, "out"), os.path.join(tmp, "watch.log")
    os.makedirs(inbox)
    slow = os.path.join(inbox, "A-fault-hang.json")  # oldest name: taken first
    open(slow, "wb").write(w.make_case(samples, 0, "POISON-1"))
    old = time.time() - 60
    os.utime(slow, (old, old))
    made = w.write_batch(inbox, samples, 40, invalid_every=0)
    limit = 2.0  # seconds; the hung worker never finishes, so any limit works
    t0 = time.monotonic()
    r = w.run_once(BIN, inbox, out, "--workers", "2", "--timeout", f"{limit:.2f}", "--quiet-period", "0", log=log)
    secs = time.monotonic() - t0
    c.check(r.returncode == 1, f"timeout run: exit {r.returncode}, want 1 (a case failed for a reason not its input's)")
    err = os.path.join(inbox, "failed", "A-fault-hang.error.json")
    if c.check(os.path.exists(err), "the slow case is not in failed/"):
        e = json.load(open(err, encoding="utf-8"))
        c.check(e["outcome"] == "timeout", f"error file outcome {e['outcome']}")
        c.check("time limit" in e["diagnostics"][0]["message"], f"error file says {e['diagnostics']}")
    c.check(len(os.listdir(os.path.join(inbox, "done"))) == 40, "the other 40 cases are not all done")
    lines = [l for l in w.log_lines(log) if "outcome" in l]
    poison = [l for l in lines if l["file"] == "A-fault-hang.json"]
    c.check(len(poison) == 1 and poison[0]["outcome"] == "timeout", f"poison log lines {poison}")
    if poison:
        before = [l for l in lines if l["ts"] < poison[0]["ts"] and l["outcome"] == "ok"]
        c.check(len(before) >= 5, f"only {len(before)} cases finished while the slow one was in work")
    w.check_no_leftovers(c, inbox, out)
    c.check(not os.path.exists(os.path.join(out, "POISON-1")), "a packet for the killed case")
    print(f"timeout {limit:.2f} s: 40 cases and 1 timeout in {secs:.1f} s")

    # --- crash: a signal ends the worker on the same case twice
    inbox2, out2, log2 = os.path.join(tmp, "inbox2"), os.path.join(tmp, "out2"), os.path.join(tmp, "watch2.log")
    os.makedirs(inbox2)
    proc = w.start(BIN, inbox2, out2, "--workers", "1", "--timeout", "600", "--quiet-period", "0", log=log2)
    c.check(w.wait_for(lambda: os.path.isdir(os.path.join(inbox2, "working")), 10), "daemon 2 did not start")
    time.sleep(0.3)
    tmpname = os.path.join(inbox2, ".fault-hang-crash.json.part")
    open(tmpname, "wb").write(w.make_case(samples, 0, "POISON-2"))
    os.rename(tmpname, os.path.join(inbox2, "fault-hang-crash.json"))
    for attempt in (1, 2):
        working = os.path.join(inbox2, "working", "fault-hang-crash.json")
        c.check(w.wait_for(lambda: os.path.exists(working) and w.children(proc.pid), 10), f"attempt {attempt}: not in work")
        time.sleep(0.3)
        kids = w.children(proc.pid)
        if c.check(len(kids) == 1, f"attempt {attempt}: workers {kids}"):
            os.kill(kids[0], signal.SIGKILL)  # SIGKILL: a sanitizer build would catch SIGSEGV and report it
        c.check(w.wait_for(lambda: kids and kids[0] not in w.children(proc.pid), 10), f"attempt {attempt}: worker not replaced")
        if attempt == 1:
            marker = os.path.join(inbox2, "working", ".fault-hang-crash.json.crashes")
            c.check(w.wait_for(lambda: os.path.exists(marker), 5), "no crash count kept in working/")
    err = os.path.join(inbox2, "failed", "fault-hang-crash.error.json")
    c.check(w.wait_for(lambda: os.path.exists(err), 10), "the crashing case is not in failed/")
    if os.path.exists(err):
        e = json.load(open(err, encoding="utf-8"))
        c.check(e["outcome"] == "crash" and "SIGKILL" in e["diagnostics"][0]["message"], f"error file {e}")
    # the worker pool still works after two crashes
    open(os.path.join(inbox2, "after.json"), "wb").write(w.make_case(samples, 1, "AFTER-1"))
    c.check(w.wait_for(lambda: os.path.exists(os.path.join(inbox2, "done", "after.json")), 10), "no case done after the crashes")
    proc.send_signal(signal.SIGTERM)
    c.check(proc.wait(timeout=20) == 0, "daemon 2: SIGTERM exit not 0")
    lines = [l for l in w.log_lines(log2) if l.get("file") == "fault-hang-crash.json"]
    c.check([l["outcome"] for l in lines] == ["crash", "crash"] and lines[0].get("retry") is True,
            f"crash log lines {lines}")
    c.check(os.listdir(os.path.join(inbox2, "working")) == [], f"working/ holds {os.listdir(os.path.join(inbox2, 'working'))}")

c.finish()
