#!/usr/bin/env python3
"""End-to-end: the watcher delivers over HL7 v2 too (issue 13 item 4,
docs/hl7v2.md). With deliver_mllp and the hl7_* keys in its config file,
every packet it writes goes through the outbox to a small MLLP listener on
loopback (tests/delivery/mllp_listener.py) as MDM^T02 messages that carry
every field we promise. Checked:
  - a running watcher: a case dropped into the inbox arrives as 5 messages,
    each valid, OBX-5 the PDF on disk;
  - SIGTERM stops it cleanly; with the engine answering AE, `--once` leaves
    the 5 entries in the outbox; with AA again, the next `--once` sends
    them, each accepted once;
  - the same case dropped again sends nothing;
  - a config with deliver_mllp and no hl7_* keys is refused (exit 2).

usage: check_hl7v2.py P2PDOC_BINARY REPO_ROOT
"""
import json
import os
import signal
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "delivery"))
import watchlib as w  # noqa: E402
import mllp_listener  # noqa: E402

BIN, ROOT = sys.argv[1], sys.argv[2]
c = w.Checker("watch/hl7v2")
samples = w.load_samples(ROOT)
types = mllp_listener.document_types(ROOT)
SETTINGS = {"hl7_sending_application": "P2PDOC", "hl7_sending_facility": "RIVERSIDE",
            "hl7_receiving_application": "EHR", "hl7_receiving_facility": "MAIN", "hl7_mrn_authority": "RSH"}


def drop(inbox, name, case):
    tmp = os.path.join(inbox, name + ".part")
    open(tmp, "w", encoding="utf-8").write(json.dumps(case))
    os.rename(tmp, os.path.join(inbox, name))


with tempfile.TemporaryDirectory() as tmp:
    engine = mllp_listener.Listener()
    inbox, out = os.path.join(tmp, "inbox"), os.path.join(tmp, "out")
    os.makedirs(inbox)
    conf = os.path.join(tmp, "watch.conf")
    open(conf, "w").write("".join(f"{k} = {v}\n" for k, v in SETTINGS.items()) +
                          "retry_initial_ms = 100\nretry_max_ms = 400\nno_ledger = true\n")
    args = ["--config", conf, "--deliver-mllp", engine.address, "--workers", "1", "--quiet-period", "0"]
    log = os.path.join(tmp, "watch.log")

    # 1. a running watcher delivers what it writes
    case = json.loads(w.make_case(samples, 0, "WH-1"))
    case["encounter"] = {"id": "enc-77", "start": "2026-11-02"}
    proc = w.start(BIN, inbox, out, *args, log=log)
    drop(inbox, "one.json", case)
    c.check(w.wait_for(lambda: len(engine.accepted()) >= 5, 60), f"5 messages accepted: {len(engine.accepted())}")
    for m in engine.accepted():
        problems = mllp_listener.problems(m, case, os.path.join(out, m.case_id, m.file), SETTINGS, types)
        c.check(problems == [], f"{m.key}: {problems[:6]}")
    c.check(sorted(m.file for m in engine.accepted()) ==
            sorted(["brief.pdf", "p2p-script.pdf", "lomn.pdf", "appeal-cover.pdf", "post-call.pdf"]),
            f"one per PDF: {[m.file for m in engine.accepted()]}")

    # an ACK is not the end of a delivery: the outbox records it as sent next,
    # and a SIGTERM before that leaves it waiting (step 3 counts the waiting)
    outbox = os.path.join(out, ".outbox")
    c.check(w.wait_for(lambda: not [f for f in os.listdir(outbox) if f.endswith(".json")], 30),
            "the outbox recorded the 5 as sent")

    # 2. stopped cleanly
    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(30)
    except subprocess.TimeoutExpired:
        w.kill_tree(proc)
        code = None
    c.check(code == 0, f"SIGTERM: exit {code}")

    # 3. the engine answering AE: the outbox keeps it; --once with AA sends it
    engine.always["WH-2"] = "AE"
    other = json.loads(w.make_case(samples, 1, "WH-2"))
    drop(inbox, "two.json", other)
    r = w.run_once(BIN, inbox, out, *args, log=log)
    c.check(r.returncode == 0, f"--once with AE: exit {r.returncode}")
    pending = [f for f in os.listdir(os.path.join(out, ".outbox")) if f.endswith(".json")]
    c.check(len(pending) == 5, f"5 deliveries wait in the outbox: {pending}")
    c.check(not engine.accepted("WH-2"), "none accepted while the engine answers AE")
    del engine.always["WH-2"]
    r = w.run_once(BIN, inbox, out, *args, log=log)
    c.check(r.returncode == 0, f"--once with AA: exit {r.returncode}")
    got = engine.accepted("WH-2")
    c.check(len(got) == 5 and len({m.control_id for m in got}) == 5, f"the waiting 5 accepted, once each: {len(got)}")
    for m in got:
        problems = mllp_listener.problems(m, other, os.path.join(out, m.case_id, m.file), SETTINGS, types)
        c.check(problems == [], f"{m.key}: {problems[:6]}")

    # 4. the same case again: nothing new
    n = len(engine.received())
    drop(inbox, "one-again.json", case)
    r = w.run_once(BIN, inbox, out, *args, log=log)
    c.check(r.returncode == 0 and len(engine.received()) == n, f"a repeat sends nothing: exit {r.returncode}, {len(engine.received()) - n}")
    queued = [l for l in w.log_lines(log) if l.get("event") == "delivery_queued" and l.get("case_id") == "WH-1"]
    c.check(queued and set(queued[-1]["documents"].values()) == {"already delivered"}, f"already delivered: {queued[-1:]}")
    c.check(not any(s in open(log, encoding="utf-8").read() for s in w.patient_strings(samples)), "no patient data in the log")

    # 5. refused at start-up without the hl7_* keys
    bad = os.path.join(tmp, "bad.conf")
    open(bad, "w").write(f"deliver_mllp = {engine.address}\n")
    r = subprocess.run([BIN, "watch", inbox, "--out", out, "--once", "--config", bad],
                       capture_output=True, text=True, env=w.ENV, timeout=30)
    c.check(r.returncode == 2 and "hl7_sending_facility" in r.stderr and "hl7_mrn_authority" in r.stderr,
            f"no hl7 keys: exit {r.returncode} {r.stderr!r}")
    engine.close()

c.finish()
