#!/usr/bin/env python3
"""End-to-end (issue 8, seen 10): with the inbox's file system full, an
invalid case could not get its error file written and stayed in working/
until the watcher was restarted. Now the move is retried: the input waits in
working/ (nothing half-written in failed/) and lands in failed/ with its
error file as soon as space comes back, without a restart.

The inbox is a 512 KiB tmpfs in a private mount namespace (unshare; as root
directly, otherwise in a user namespace). Exit 77 (skipped) where neither is
permitted.

usage: check_full_disk.py P2PDOC_BINARY REPO_ROOT
"""
import errno
import os
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import watchlib as w  # noqa: E402

SKIP = 77

if os.environ.get("P2P_PRIVATE_MOUNTS") != "1":
    # the tmpfs lives in a mount namespace of its own: it goes away with the test, whatever happens
    unshare = ["unshare", "--mount", "--propagation", "private"]
    if os.geteuid() != 0:
        unshare = ["unshare", "--user", "--map-root-user", "--mount"]
    try:
        if subprocess.run(unshare + ["true"], capture_output=True).returncode != 0:
            print("watch/full_disk: skipped (no private mount namespace here)")
            sys.exit(SKIP)
    except FileNotFoundError:
        print("watch/full_disk: skipped (no unshare)")
        sys.exit(SKIP)
    env = dict(os.environ, P2P_PRIVATE_MOUNTS="1")
    sys.exit(subprocess.run(unshare + [sys.executable, os.path.abspath(__file__), *sys.argv[1:]], env=env).returncode)

BIN, ROOT = sys.argv[1], sys.argv[2]
c = w.Checker("watch/full_disk")
samples = w.load_samples(ROOT)

with tempfile.TemporaryDirectory() as tmp:
    inbox, out, log = os.path.join(tmp, "inbox"), os.path.join(tmp, "out"), os.path.join(tmp, "watch.log")
    os.makedirs(inbox)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", inbox], capture_output=True, text=True)
    if r.returncode != 0:
        print(f"watch/full_disk: skipped (cannot mount a tmpfs: {r.stderr.strip()})")
        sys.exit(SKIP)
    failed_dir, working = os.path.join(inbox, "failed"), os.path.join(inbox, "working")

    proc = w.start(BIN, inbox, out, "--workers", "1", "--quiet-period", "0", log=log)
    c.check(w.wait_for(lambda: any(l.get("event") == "start" for l in w.log_lines(log)), 20), "the watcher did not start")

    # written while there is room, under a name the watcher never takes
    part = os.path.join(inbox, ".bad.json.part")
    with open(part, "wb") as f:
        f.write(w.make_case(samples, 0, "FULL-1", "no_dob"))
    # fill the file system to the last page
    filler = os.path.join(inbox, ".filler")
    with open(filler, "wb", buffering=0) as f:
        for size in (65536, 4096, 512, 1):
            try:
                while True:
                    f.write(b"\0" * size)
            except OSError as e:
                if e.errno != errno.ENOSPC:
                    raise
    os.rename(part, os.path.join(inbox, "bad.json"))  # a rename needs no space

    def lines_for(pred):
        return [l for l in w.log_lines(log) if l.get("file") == "bad.json" and pred(l)]

    c.check(w.wait_for(lambda: lines_for(lambda l: "outcome" in l and "move_error" in l), 20),
            f"no move_error logged for bad.json: {w.log_lines(log)[-3:]}")
    c.check(w.wait_for(lambda: lines_for(lambda l: l.get("event") == "move" and "move_error" in l), 20),
            "the move was not tried again while the disk was full")
    c.check(os.path.exists(os.path.join(working, "bad.json")), "bad.json left working/ while the disk was full")
    c.check(w.visible(failed_dir) == [], f"failed/ holds {os.listdir(failed_dir)} while the disk was full")
    c.check(not [n for n in os.listdir(failed_dir) if ".tmp-" in n], "a temporary was left in failed/")

    os.unlink(filler)  # space comes back; no restart
    c.check(w.wait_for(lambda: lines_for(lambda l: l.get("moved_to") == "failed/bad.json"), 30),
            f"bad.json not moved after space came back: {w.log_lines(log)[-3:]}")
    c.check(sorted(os.listdir(failed_dir)) == ["bad.error.json", "bad.json"], f"failed/ holds {os.listdir(failed_dir)}")
    c.check(os.listdir(working) == [], f"working/ holds {os.listdir(working)}")
    if os.path.exists(os.path.join(failed_dir, "bad.error.json")):
        err = open(os.path.join(failed_dir, "bad.error.json"), encoding="utf-8").read()
        c.check('"invalid"' in err and "/patient/dob" in err, f"the error file: {err[:300]}")

    proc.send_signal(signal.SIGTERM)
    c.check(proc.wait(timeout=20) == 0, "SIGTERM: exit not 0")
    subprocess.run(["umount", inbox])

c.finish()
