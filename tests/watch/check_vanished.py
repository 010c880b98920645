#!/usr/bin/env python3
"""End-to-end (issue 8, seen 10): a claimed file that someone else deletes
from working/ while its worker has it left an error file in failed/ beside no
input. Now nothing is written: one log line says the input was removed, and
done/, failed/ and working/ stay empty.

The single worker is stopped (SIGSTOP) so that the file can be deleted after
the claim and before the worker reads it; no timing is involved.

usage: check_vanished.py P2PDOC_BINARY REPO_ROOT
"""
import os
import signal
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import watchlib as w  # noqa: E402

BIN, ROOT = sys.argv[1], sys.argv[2]
c = w.Checker("watch/vanished")
samples = w.load_samples(ROOT)


with tempfile.TemporaryDirectory() as tmp:
    inbox, out, log = os.path.join(tmp, "inbox"), os.path.join(tmp, "out"), os.path.join(tmp, "watch.log")
    os.makedirs(inbox)
    proc = w.start(BIN, inbox, out, "--workers", "1", "--quiet-period", "0", log=log)
    c.check(w.wait_for(lambda: any(l.get("event") == "start" for l in w.log_lines(log)), 20), "the watcher did not start")
    workers = w.children(proc.pid)
    c.check(len(workers) == 1, f"worker processes: {workers}")

    for name, kind in (("valid.json", None), ("invalid.json", "no_dob")):
        for pid in workers:
            os.kill(pid, signal.SIGSTOP)
        tmpname = os.path.join(inbox, "." + name + ".tmp")
        with open(tmpname, "wb") as f:
            f.write(w.make_case(samples, 0, "GONE-1", kind))
        os.rename(tmpname, os.path.join(inbox, name))
        claimed = os.path.join(inbox, "working", name)
        c.check(w.wait_for(lambda: os.path.exists(claimed), 20), f"{name} was not claimed")
        os.unlink(claimed)  # someone else removes it
        for pid in workers:
            os.kill(pid, signal.SIGCONT)
        c.check(w.wait_for(lambda: [l for l in w.log_lines(log) if l.get("file") == name and "outcome" in l], 20),
                f"{name}: no outcome logged")
        line = next((l for l in w.log_lines(log) if l.get("file") == name and "outcome" in l), {})
        c.check("input_gone" in line and "move_error" not in line and "moved_to" not in line, f"{name}: logged {line}")

    for sub in ("done", "failed", "working"):
        c.check(w.visible(os.path.join(inbox, sub)) == [], f"{sub}/ holds {os.listdir(os.path.join(inbox, sub))}")
    proc.send_signal(signal.SIGTERM)
    c.check(proc.wait(timeout=20) == 0, "SIGTERM: exit not 0")

c.finish()
