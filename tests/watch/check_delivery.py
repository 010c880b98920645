#!/usr/bin/env python3
"""End-to-end: the watcher delivers too (issue 13). With deliver_fhir in its
config file, every packet it writes is queued in OUT/.outbox and posted to
the EHR (a small FHIR listener on loopback) as DocumentReferences that are
records (tests/delivery/fhir_records.py: HL7's R4 schema and the US Core
must-support table). Checked:
  - a running watcher (not --once): a case dropped into the inbox arrives
    as 5 DocumentReferences, valid, with the case's values;
  - SIGTERM stops it and its delivery process cleanly; restarted with the
    EHR down (503), the outbox keeps what it could not send, and a
    `--once` run with the EHR back sends it before it exits, once each;
  - the same case dropped again delivers nothing new;
  - a config with deliver_fhir and no fhir_mrn_system is refused at start-up
    (exit 2) naming the key.

usage: check_delivery.py P2PDOC_BINARY REPO_ROOT
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
sys.path.insert(0, os.path.join(HERE, "..", "serve"))
import watchlib as w  # noqa: E402
import fhir_records  # noqa: E402

BIN, ROOT = sys.argv[1], sys.argv[2]
c = w.Checker("watch/delivery")
records = fhir_records.Records(ROOT)
samples = w.load_samples(ROOT)
MRN_SYSTEM = "urn:oid:2.16.840.1.113883.3.999.1"  # an invented hospital OID


def drop(inbox, name, case):
    tmp = os.path.join(inbox, name + ".part")
    open(tmp, "w", encoding="utf-8").write(json.dumps(case))
    os.rename(tmp, os.path.join(inbox, name))


with tempfile.TemporaryDirectory() as tmp:
    ehr = fhir_records.DocumentReferenceListener()
    inbox, out = os.path.join(tmp, "inbox"), os.path.join(tmp, "out")
    os.makedirs(inbox)
    conf = os.path.join(tmp, "watch.conf")
    open(conf, "w").write(f"deliver_fhir = {ehr.server.url}/fhir\nfhir_mrn_system = {MRN_SYSTEM}\n"
                          "retry_initial_ms = 100\nretry_max_ms = 400\nno_ledger = true\n")
    log = os.path.join(tmp, "watch.log")

    # 1. a running watcher delivers what it writes
    case = json.loads(w.make_case(samples, 0, "WD-1"))
    case["encounter"] = {"id": "enc-77", "start": "2026-11-02"}
    proc = w.start(BIN, inbox, out, "--config", conf, "--workers", "1", "--quiet-period", "0", log=log)
    drop(inbox, "one.json", case)
    c.check(w.wait_for(lambda: len(ehr.keys()) >= 5, 60), f"5 DocumentReferences arrived: {len(ehr.keys())}")
    # the EHR answering is not the end of a delivery: the outbox records it
    # as sent next, and a SIGTERM before that leaves it waiting (step 3 counts them)
    outbox = os.path.join(out, ".outbox")
    c.check(w.wait_for(lambda: not [f for f in os.listdir(outbox) if f.endswith(".json")], 30),
            "the outbox recorded the 5 as sent")
    for ref in ehr.bodies():
        problems = records.problems(ref, case)
        c.check(problems == [], f"{ref['identifier'][0]['value']}: {problems[:6]}")
    c.check(sorted(k.split("/")[1] for k in ehr.keys()) ==
            sorted(["brief.pdf", "p2p-script.pdf", "lomn.pdf", "appeal-cover.pdf", "post-call.pdf"]),
            f"one per PDF: {ehr.keys()}")

    # 2. stopped cleanly, delivery process included
    kids = w.children(proc.pid)
    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(30)
    except subprocess.TimeoutExpired:
        w.kill_tree(proc)
        code = None
    c.check(code == 0, f"SIGTERM: exit {code}")
    c.check(w.wait_for(lambda: not any(os.path.exists(f"/proc/{k}") and
                                       "zombie" not in open(f"/proc/{k}/status").read().lower() for k in kids), 10),
            "no child outlives the watcher")

    # 3. the EHR down: the outbox keeps it; --once with the EHR back sends it
    ehr.down = True
    other = json.loads(w.make_case(samples, 1, "WD-2"))
    drop(inbox, "two.json", other)
    r = w.run_once(BIN, inbox, out, "--config", conf, "--workers", "1", "--quiet-period", "0", log=log)
    c.check(r.returncode == 0, f"--once with the EHR down: exit {r.returncode}")
    pending = [f for f in os.listdir(os.path.join(out, ".outbox")) if f.endswith(".json")]
    c.check(len(pending) == 5, f"5 deliveries wait in the outbox: {pending}")
    c.check(len(ehr.keys()) == 5, f"nothing new stored while down: {len(ehr.keys())}")
    ehr.down = False
    r = w.run_once(BIN, inbox, out, "--config", conf, "--workers", "1", "--quiet-period", "0", log=log)
    c.check(r.returncode == 0, f"--once with the EHR back: exit {r.returncode}")
    keys = ehr.keys()
    c.check(len(keys) == 10 and len(set(keys)) == 10, f"the waiting 5 sent, once each: {len(keys)}")
    for ref in ehr.bodies()[5:]:
        problems = records.problems(ref, other)
        c.check(problems == [], f"{ref['identifier'][0]['value']}: {problems[:6]}")

    # 4. the same case again: nothing new
    drop(inbox, "one-again.json", case)
    r = w.run_once(BIN, inbox, out, "--config", conf, "--workers", "1", "--quiet-period", "0", log=log)
    c.check(r.returncode == 0 and len(ehr.keys()) == 10, f"a repeat delivers nothing: exit {r.returncode}, {len(ehr.keys())}")
    queued = [l for l in w.log_lines(log) if l.get("event") == "delivery_queued" and l.get("case_id") == "WD-1"]
    c.check(queued and set(queued[-1]["documents"].values()) == {"already delivered"},
            f"the log says already delivered: {queued[-1:] }")
    c.check(not any(s in open(log, encoding="utf-8").read() for s in w.patient_strings(samples)),
            "no patient data in the log")

    # 5. refused at start-up without the MRN's identifier system
    bad = os.path.join(tmp, "bad.conf")
    open(bad, "w").write(f"deliver_fhir = {ehr.server.url}/fhir\n")
    r = subprocess.run([BIN, "watch", inbox, "--out", out, "--once", "--config", bad],
                       capture_output=True, text=True, env=w.ENV, timeout=30)
    c.check(r.returncode == 2 and "fhir_mrn_system" in r.stderr, f"no fhir_mrn_system: exit {r.returncode} {r.stderr!r}")
    ehr.server.close()

c.finish()
