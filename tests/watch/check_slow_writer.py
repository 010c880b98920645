#!/usr/bin/env python3
"""End-to-end (issue 4, test b): writers that take their time are never read
half way. While the daemon runs:
  - a writer keeps x.json open and writes it in chunks with short pauses
    (shorter than the quiet period): the close-write event, not the pauses, decides;
  - a writer pauses longer than the quiet period with the file open: the
    kernel's view of open writers (a read lease is refused) holds it back;
  - a writer copies to a .part name and renames when done (moved-to);
  - a file appears in the inbox with an old mtime and no event (as after a
    restart): the scan takes it.
All end in done/ with their packets; failed/ stays empty; SIGTERM exits 0.

usage: check_slow_writer.py P2PDOC_BINARY REPO_ROOT
"""
import os
import signal
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import watchlib as w  # noqa: E402

BIN, ROOT = sys.argv[1], sys.argv[2]
c = w.Checker("watch/slow_writer")
samples = w.load_samples(ROOT)
QUIET_MS = 600


def chunked(path, data, chunks, pause):
    with open(path, "wb") as f:
        step = max(1, len(data) // chunks)
        for i in range(0, len(data), step):
            f.write(data[i:i + step])
            f.flush()
            time.sleep(pause)


with tempfile.TemporaryDirectory() as tmp:
    inbox, out, log = os.path.join(tmp, "inbox"), os.path.join(tmp, "out"), os.path.join(tmp, "watch.log")
    os.makedirs(inbox)
    proc = w.start(BIN, inbox, out, "--workers", "2", "--quiet-period", str(QUIET_MS), log=log)
    c.check(w.wait_for(lambda: os.path.isdir(os.path.join(inbox, "working")), 10), "the daemon did not start")
    time.sleep(0.3)

    cases = {
        "short-pauses.json": w.make_case(samples, 0, "SLOW-1"),
        "long-pauses.json": w.make_case(samples, 1, "SLOW-2"),
        "renamed.json": w.make_case(samples, 2, "SLOW-3"),
        "old-file.json": w.make_case(samples, 3, "SLOW-4"),
    }
    threads = [
        # 40 chunks, 0.1 s apart: 4 s of writing, each pause well inside the quiet period
        threading.Thread(target=chunked, args=(os.path.join(inbox, "short-pauses.json"), cases["short-pauses.json"], 40, 0.1)),
        # 4 chunks, 1.5 s apart: pauses longer than the quiet period, file open all along
        threading.Thread(target=chunked, args=(os.path.join(inbox, "long-pauses.json"), cases["long-pauses.json"], 4, 1.5)),
    ]
    for t in threads:
        t.start()

    def copy_then_rename():
        part = os.path.join(inbox, "renamed.json.part")
        chunked(part, cases["renamed.json"], 10, 0.2)
        os.rename(part, os.path.join(inbox, "renamed.json"))

    t3 = threading.Thread(target=copy_then_rename)
    t3.start()
    threads.append(t3)

    # written elsewhere, linked in with an old mtime: no close-write, no moved-to in the inbox
    other = os.path.join(tmp, "old-file.json")
    open(other, "wb").write(cases["old-file.json"])
    old = time.time() - 3600
    os.utime(other, (old, old))
    os.link(other, os.path.join(inbox, "old-file.json"))

    for t in threads:
        t.join()
    done = os.path.join(inbox, "done")
    c.check(w.wait_for(lambda: len(os.listdir(done)) == len(cases), 20), f"done/ holds {os.listdir(done)}")
    proc.send_signal(signal.SIGTERM)
    try:
        rc = proc.wait(timeout=20)
    except Exception:
        w.kill_tree(proc)
        rc = "hung"
    c.check(rc == 0, f"SIGTERM: exit {rc}, want 0")

    c.check(os.listdir(os.path.join(inbox, "failed")) == [], f"failed/ holds {os.listdir(os.path.join(inbox, 'failed'))}")
    for name, data in cases.items():
        p = os.path.join(done, name)
        if c.check(os.path.exists(p), f"{name}: not in done/"):
            c.check(open(p, "rb").read() == data, f"{name}: content differs")
    for cid in ("SLOW-1", "SLOW-2", "SLOW-3", "SLOW-4"):
        w.check_packet(c, os.path.join(out, cid))
    w.check_no_leftovers(c, inbox, out)
    lines = [l for l in w.log_lines(log) if "outcome" in l]
    c.check(sorted(l["file"] for l in lines) == sorted(cases), f"log lines for {[l['file'] for l in lines]}")
    c.check(all(l["outcome"] == "ok" for l in lines), f"outcomes {[l['outcome'] for l in lines]}")

c.finish()
