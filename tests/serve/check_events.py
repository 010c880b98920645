#!/usr/bin/env python3
"""End-to-end: POST /v1/cases/{case_id}/events on the real `p2pdoc serve`
(docs/ledger.md, "Recording outcomes"). A call in the shape of a case's
`call`: 201 and the regenerated packet; the same call again: 200, counted
once; the rules of the filled form, named by JSON pointer (422); bearer
tokens as for packets; an unknown case is 404. The regenerated packet is
rendered in a worker process (a worker lost on it is a 500, the service
lives on) and its PDFs are queued for delivery like any packet's.

usage: check_events.py P2PDOC_BINARY REPO_ROOT
"""
import json
import os
import sqlite3
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(__file__))
from serve_common import *  # noqa: E402,F403

BIN, ROOT = sys.argv[1], sys.argv[2]
work = workdir("events")
out = os.path.join(work, "out")
TOKEN = "events-token-0123456789abcdef"
svc = Service(BIN, out, env=clean_env(P2PDOC_TOKENS=TOKEN))
AUTH = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
CID = "RSP-2026-00417"


def post(path, body, headers=AUTH):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return svc.json("POST", path, data, headers)


def calls():
    con = sqlite3.connect(os.path.join(out, "p2pdoc.db"))
    try:
        return [json.loads(d) for (d,) in con.execute(
            "select data from events where case_id = ? and kind = 'call_held' order by id", (CID,))]
    finally:
        con.close()


try:
    st, _ = post("/v1/packets", open(os.path.join(ROOT, "samples", "uhc-lumbar-mri.json"), "rb").read())
    check(st == 201, f"packet first: {st}")
    events = f"/v1/cases/{CID}/events"
    call = {"started": "2026-11-24T10:30:00-05:00", "duration_minutes": 20, "disposition": "upheld",
            "reviewer": {"name": "Zoë Ødegaard", "specialty": "Internal medicine"},
            "reviewer_reasoning": "Six weeks of conservative care are not documented."}

    st, body = post(events, {"kind": "call_held", "call": call}, headers={"Content-Type": "application/json"})
    check(st == 401, f"no token -> {st}")

    st, body = post(events, {"kind": "call_held", "call": call})
    check(st == 201, f"call_held -> {st} {body}")
    check(isinstance(body, dict) and body.get("already_recorded") is False and body.get("packet") == f"/v1/packets/{CID}",
          f"201 body: {body}")
    check(len(calls()) == 1 and calls()[0].get("reviewer", {}).get("name") == "Zoë Ødegaard", f"ledger: {calls()}")
    kept = json.load(open(os.path.join(out, CID, "case.json"), encoding="utf-8"))
    check(kept.get("call") == call, f"the packet is regenerated with the call: {kept.get('call')}")

    st, body = post(events, {"kind": "call_held", "call": call})
    check(st == 200 and body.get("already_recorded") is True, f"the same call again -> {st} {body}")
    check(len(calls()) == 1, "the same call twice counts once")
    # one key per call: a client's own key does not make the same call a second one
    st, body = post(events, {"kind": "call_held", "call": dict(call, started="2026-11-24T15:30:00Z"),
                             "source_key": "ehr-encounter-88121"})
    check(st == 200 and body.get("already_recorded") is True, f"the same call under a client key -> {st} {body}")
    check(any(w["path"] == "/source_key" for w in body.get("warnings", [])), f"the client key is ignored, said: {body}")
    check(len(calls()) == 1, "the same call under a client key counts once")

    st, body = post(events, {"kind": "call_held", "call": {"disposition": ["upheld", "modified"],
                                                            "started": "tomorrow", "mood": 1}})
    errors = {e["path"]: e["message"] for e in body.get("errors", [])} if isinstance(body, dict) else {}
    warnings = [w["path"] for w in body.get("warnings", [])] if isinstance(body, dict) else []
    check(st == 422, f"bad call -> {st}")
    check("2 dispositions given" in errors.get("/call/disposition", ""), f"two dispositions: {errors}")
    check("is not a date-time" in errors.get("/call/started", ""), f"bad time: {errors}")
    check("/call/mood" in warnings, f"unknown key warns: {warnings}")
    st, body = post(events, {"kind": "call_held", "call": {"duration_minutes": 5}})
    check(st == 422 and any(e["path"] == "/call/disposition" for e in body.get("errors", [])), f"no disposition: {body}")
    st, body = post(events, {"kind": "call_held", "call": {"disposition": "overturned"}})
    check(st == 201 and any(w["path"] == "/call/auth_number" for w in body.get("warnings", [])),
          f"overturned without auth: a warning: {st} {body}")
    st, body = post(events, {"kind": "lunch", "call": call})
    check(st == 422 and body["errors"][0]["path"] == "/kind", f"unknown kind: {st} {body}")
    st, _ = post(events, "{not json")
    check(st == 400, f"malformed JSON -> {st}")
    st, _ = post("/v1/cases/NO-SUCH-CASE/events", {"kind": "call_held", "call": call})
    check(st == 404, f"unknown case -> {st}")
    st, _ = post("/v1/cases/..%2Fx/events", {"kind": "call_held", "call": call})
    check(st in (400, 404), f"unsafe case id -> {st}")
    check(len(calls()) == 2, f"only the valid calls recorded: {len(calls())}")
    lines = "\n".join(json.dumps(l) for l in svc.log_lines())
    check("degaard" not in lines and "conservative" not in lines, "no call details in the log")
finally:
    svc.stop()

# The regenerated packet is rendered in a worker process and delivered like
# any packet: a service delivering to an EHR that is down queues the new
# PDFs; a case whose rendering kills its worker costs that request alone.
out2 = os.path.join(work, "out2")
sample = json.load(open(os.path.join(ROOT, "samples", "uhc-lumbar-mri.json"), encoding="utf-8"))
crashing = dict(sample, case_id="fault-abort")  # the worker aborts on this id (P2PDOC_TEST_WORKER_FAULTS)
path = os.path.join(work, "fault-abort.json")
json.dump(crashing, open(path, "w", encoding="utf-8"))
r = subprocess.run([BIN, "generate", path, "--out", out2], capture_output=True, text=True, env=clean_env())
check(r.returncode == 0, f"generate fault-abort outside the service: {r.stderr}")
svc2 = Service(BIN, out2, "--deliver-fhir", "http://127.0.0.1:9/fhir/", "--fhir-mrn-system", "urn:oid:2.16.840.1.113883.3.999.1",
               env=clean_env(P2PDOC_TOKENS=TOKEN, P2PDOC_DELIVER_TOKEN="ehr", P2PDOC_TEST_WORKER_FAULTS="1"))
try:
    st, m = svc2.json("POST", "/v1/packets", json.dumps(sample), AUTH)
    check(st == 201 and [d["state"] for d in m["delivery"]["documents"]] == ["queued"] * 5, f"packet queued: {st}")
    first = {d["file"]: d["idempotency_key"] for d in m["delivery"]["documents"]}
    st, body = svc2.json("POST", f"/v1/cases/{CID}/events", json.dumps({"kind": "call_held", "call": call}), AUTH)
    check(st == 201, f"call_held with delivery -> {st} {body}")
    docs = {d["file"]: d for d in body.get("delivery", {}).get("documents", [])} if isinstance(body, dict) else {}
    check(body.get("delivery", {}).get("target") == "fhir" and set(docs) == set(first),
          f"the regenerated PDFs are queued for delivery: {body.get('delivery')}")
    check(docs.get("lomn.pdf", {}).get("state") == "queued" and docs["lomn.pdf"]["idempotency_key"] != first["lomn.pdf"],
          f"the LOMN answering the reviewer is a new document to deliver: {docs.get('lomn.pdf')} vs {first.get('lomn.pdf')}")
    st, health = svc2.json("GET", "/healthz")
    check(health.get("deliveries_pending", 0) > 5, f"more deliveries pending after the call: {health}")

    st, body = svc2.json("POST", "/v1/cases/fault-abort/events", json.dumps({"kind": "call_held", "call": call}), AUTH)
    check(st == 500, f"a worker lost while regenerating -> {st} {body}")
    check(svc2.alive(), "the service outlives the worker")
    st, _ = svc2.json("GET", "/healthz")
    check(st == 200, "and still answers")
    _, _, metrics = svc2.request("GET", "/metrics", headers=AUTH)
    check("p2pdoc_workers_replaced_total 1" in metrics.decode(), "the worker was replaced")
finally:
    svc2.stop()
    cleanup(work)
finish("serve/events")
