#!/usr/bin/env python3
"""End-to-end: HL7 v2 delivery from the service (issue 13 item 4,
docs/hl7v2.md). `p2pdoc serve` with deliver_mllp sends every PDF of every
sample as an MDM^T02 message to a small MLLP listener on loopback
(mllp_listener.py), which checks every segment and field we fill against
the case and the PDF on disk. Checked:
  - refused at start-up without the hl7_* keys, or with two targets;
  - every sample (and one with an encounter) arrives, each message valid,
    OBX-5 the exact PDF bytes;
  - AE and a dropped connection are retried with the same MSH-10 until AA;
  - AR moves the entry to failed/ and it is not sent again;
  - signing the letters sends two new versions naming their parents (TXA-13),
    authenticated (TXA-17 AU);
  - entries still waiting at a stop are sent after the restart, and nothing
    is accepted twice (one AA per MSH-10 over the whole run);
  - no patient data in the log, not even the ACK's text.
Waits for states, never for a time.

usage: check_hl7v2.py P2PDOC_BINARY REPO_ROOT
"""
import copy
import json
import os
import statistics
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "serve"))
from serve_common import *  # noqa: E402,F403
import mllp_listener  # noqa: E402

BIN, ROOT = sys.argv[1], sys.argv[2]
work = workdir("hl7v2")
types = mllp_listener.document_types(ROOT)
SETTINGS = {"hl7_sending_application": "P2PDOC", "hl7_sending_facility": "RIVERSIDE",
            "hl7_receiving_application": "EHR", "hl7_receiving_facility": "MAIN", "hl7_mrn_authority": "RSH"}


def config(path, address, **extra):
    lines = [f"deliver_mllp = {address}", "retry_initial_ms = 100", "retry_max_ms = 400", "no_ledger = true"]
    lines += [f"{k} = {v}" for k, v in {**SETTINGS, **extra}.items() if v is not None]
    open(path, "w").write("\n".join(lines) + "\n")
    return path


def pdf_path(out, m):
    return os.path.join(out, m.case_id, m.file)


# 0. refused at start-up
for label, extra, args, words in [
        ("no hl7 keys", {k: None for k in SETTINGS if k != "hl7_sending_application"}, [],
         ["hl7_sending_facility", "hl7_receiving_application", "hl7_receiving_facility", "hl7_mrn_authority"]),
        ("not host:port", {}, ["--deliver-mllp", "engine"], ["HOST:PORT"]),
        ("two targets", {}, ["--deliver-webhook", "http://127.0.0.1:9/hook"], ["one target"])]:
    conf = config(os.path.join(work, "refused.conf"), "127.0.0.1:9", **extra)
    s = Service(BIN, os.path.join(work, "refused"), "--config", conf, *args, expect_start=False)
    code = s.proc.wait(20)
    err = s.proc.stderr.read().decode()
    check(code == 2 and all(w in err for w in words), f"{label}: exit {code}, {err!r}")

# 1. every sample, and one with an encounter
engine = mllp_listener.Listener()
out = os.path.join(work, "out")
conf = config(os.path.join(work, "serve.conf"), engine.address)
svc = Service(BIN, out, "--config", conf)
cases = {}
for p in samples(ROOT):
    case = json.load(open(p, encoding="utf-8"))
    cases[case["case_id"]] = case
enc = copy.deepcopy(cases["RSP-2026-00417"])
enc["case_id"] = "RSP-2026-00417-ENC"
enc["encounter"] = {"id": "enc-5521.a", "start": "2026-11-02", "end": "2026-11-04"}
cases[enc["case_id"]] = enc
for cid, case in cases.items():
    st, m = svc.json("POST", "/v1/packets", json.dumps(case))
    check(st == 201 and (m or {}).get("delivery", {}).get("target") == "hl7v2", f"POST {cid} -> {st}")
expected = 5 * len(cases)
check(wait_for(lambda: len(engine.accepted()) >= expected, 90), f"{len(engine.accepted())} of {expected} messages accepted")
for m in engine.accepted():
    problems = mllp_listener.problems(m, cases[m.case_id], pdf_path(out, m), SETTINGS, types)
    check(problems == [], f"{m.key}: {problems[:6]}")
check(len({m.control_id for m in engine.accepted()}) == expected, "one control id per document")
# the checker can fail: a wrong setting, another patient, other bytes
one = engine.accepted()[0]
check(mllp_listener.problems(one, cases[one.case_id], pdf_path(out, one), dict(SETTINGS, hl7_mrn_authority="X"), types) != [],
      "the checker sees a wrong assigning authority")
other_case = next(c for c in cases.values() if c["patient"]["mrn"] != cases[one.case_id]["patient"]["mrn"])
check(len(mllp_listener.problems(one, other_case, pdf_path(out, one), SETTINGS, types)) >= 3, "the checker sees another patient")
tampered = mllp_listener.Message(one.text.replace("^Base64^JVBER", "^Base64^JVBFR"), "AA")
check(any("bytes" in p for p in mllp_listener.problems(tampered, cases[one.case_id], pdf_path(out, one), SETTINGS, types)),
      "the checker sees other bytes in OBX-5")
check(len(engine.received()) == expected, f"nothing sent twice: {len(engine.received())}")


def post_variant(cid, base="RSP-2026-00417"):
    case = dict(cases[base], case_id=cid)
    cases[cid] = case
    st, _ = svc.json("POST", "/v1/packets", json.dumps(case))
    check(st == 201, f"POST {cid} -> {st}")


# 2. AE, then a dropped connection: retried with the same control id until AA
engine.plans["HL7-AE"] = ["AE", "drop"]
post_variant("HL7-AE")
check(wait_for(lambda: len(engine.accepted("HL7-AE")) >= 5, 60), f"HL7-AE accepted: {len(engine.accepted('HL7-AE'))}")
got = engine.received("HL7-AE")
check(len(got) == 7, f"5 documents, 2 attempts again: {len(got)}")
check(sorted(m.action for m in got) == sorted(["AE", "drop"] + ["AA"] * 5), f"the plan was followed: {[m.action for m in got]}")
for ctrl in {m.control_id for m in got}:
    tries = [m for m in got if m.control_id == ctrl]
    check(tries[-1].action == "AA" and [m.action for m in tries].count("AA") == 1 and len({m.text for m in tries}) == 1,
          f"{tries[0].file}: resent byte for byte with the same MSH-10 until accepted once: {[m.action for m in tries]}")
events = [e for e in svc.log_lines() if e.get("event") == "delivery" and e.get("case_id") == "HL7-AE"]
check(any(e.get("outcome") == "retry" and e.get("ack") == "AE" for e in events), "the log shows the AE retry")
check(any(e.get("outcome") == "retry" and "closed" in e.get("error", "") for e in events), "the log shows the dropped connection")

# 3. AR: refused for a person, sent once only
engine.always["HL7-AR"] = "AR"
post_variant("HL7-AR")
failed_dir = os.path.join(out, ".outbox", "failed")
check(wait_for(lambda: len([f for f in os.listdir(failed_dir) if f.endswith(".json")]) >= 5, 60), "5 entries in failed/")
st, health = svc.json("GET", "/healthz")
check(health.get("deliveries_failed") == 5, f"healthz counts them: {health}")
check(len(engine.received("HL7-AR")) == 5, f"each refused message sent once: {len(engine.received('HL7-AR'))}")
kept = [json.load(open(os.path.join(failed_dir, f))) for f in os.listdir(failed_dir) if f.endswith(".json")]
check(all(k["last_error"] == "ACK AR" and "MSA|AR|" in k["response"] for k in kept), "failed/ keeps the ACK")

# 4. signing the letters: two new versions, each naming its parent, authenticated
# (an ACK is not the end of a delivery: the outbox records it as sent next,
# and until then a repost finds a document "already queued")
def outbox_settled():
    return wait_for(lambda: not [f for f in os.listdir(os.path.join(out, ".outbox")) if f.endswith(".json")], 30)


check(outbox_settled(), "the outbox recorded every accepted message")
before = {m.file: m.key for m in engine.accepted("RSP-2026-00417")}
signed = dict(cases["RSP-2026-00417"], letters_signed="2026-11-24")
cases["RSP-2026-00417"] = signed
st, m = svc.json("POST", "/v1/packets", json.dumps(signed))
states = {d["file"]: d["state"] for d in (m or {}).get("delivery", {}).get("documents", [])}
check(states.get("lomn.pdf") == "queued" and states.get("appeal-cover.pdf") == "queued" and
      states.get("brief.pdf") == "already delivered", f"only the letters go again: {states}")
check(wait_for(lambda: len(engine.accepted("RSP-2026-00417")) >= 7, 60), "2 new versions arrived")
for m in engine.accepted("RSP-2026-00417")[5:]:
    problems = mllp_listener.problems(m, signed, pdf_path(out, m), SETTINGS, types, replaces=before[m.file])
    check(problems == [], f"{m.key}: {problems[:6]}")

# 5. waiting at a stop, sent after the restart; nothing accepted twice
engine.always["HL7-R"] = "AE"
post_variant("HL7-R")
check(wait_for(lambda: len({m.file for m in engine.received("HL7-R")}) >= 5, 60), "HL7-R tried")
check(svc.stop() == 0, "clean stop with deliveries waiting")
pending = [f for f in os.listdir(os.path.join(out, ".outbox")) if f.endswith(".json")]
check(len(pending) == 5, f"5 entries wait in the outbox: {len(pending)}")
del engine.always["HL7-R"]
svc = Service(BIN, out, "--config", conf)
check(wait_for(lambda: len(engine.accepted("HL7-R")) >= 5, 60), f"sent after the restart: {len(engine.accepted('HL7-R'))}")
check(outbox_settled(), "the outbox recorded the messages sent after the restart")
for cid in ("HL7-R", "RSP-2026-00417"):
    # a plain repost is a retry (200 from disk, nothing queued); regenerated,
    # the same content is not sent again either
    st, m = svc.json("POST", "/v1/packets", json.dumps(cases[cid]))
    check(st == 200 and "delivery" not in (m or {}), f"{cid} again: a retry -> {st}")
    st, m = svc.json("POST", "/v1/packets?regenerate=1", json.dumps(cases[cid]))
    states = {d["state"] for d in (m or {}).get("delivery", {}).get("documents", [])}
    check(st == 201 and states == {"already delivered"}, f"{cid} regenerated: {st} {states}")
st, health = svc.json("GET", "/healthz")
check(health.get("deliveries_pending") == 0, f"nothing waits: {health}")
check(svc.stop() == 0, "clean stop")
accepted_ids = [m.control_id for m in engine.accepted()]
check(len(accepted_ids) == len(set(accepted_ids)), "no message accepted twice")

# 6. the log: case ids, never the patient or the ACK's text
text = open(svc.log, encoding="utf-8").read()
secrets = ["text that may name the patient"]
for case in cases.values():
    secrets += [case["patient"]["name"], case["patient"]["mrn"], case["patient"]["dob"]]
check(not any(s in text for s in secrets), "no patient data in the log")
times = [e["ms"] for e in svc.log_lines() if e.get("event") == "delivery" and e.get("outcome") == "delivered"]
if times:
    print(f"hl7v2: {len(times)} deliveries, median {statistics.median(times)} ms per round trip")
engine.close()
finish("delivery/hl7v2")
cleanup(work)
