#!/usr/bin/env python3
"""End-to-end: PAS responses posted to the real `p2pdoc serve` as
application/fhir+json (issue 12, docs/fhir.md "Through the service").
A collection of the response and request Bundles: 201, the draft's manifest
(status draft, the to-complete list with JSON paths, the P2P deadline counted
from the denial's date), the draft folder served back (case.draft.json, a
one-page preparation sheet checked with pdfinfo and pdftotext), the case in
GET /v1/queue with that deadline, denial_received in the ledger. Approved,
pended and error responses: 200 naming the decision, no folder,
pa_response_received in the ledger. A malformed response: 422 located
FHIRPath-style from the root of what was posted; not JSON: 400. A draft never
replaces a completed packet of the same case id: 409.

usage: check_fhir.py P2PDOC_BINARY REPO_ROOT
"""
import json
import os
import shutil
import sqlite3
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(__file__))
from serve_common import *  # noqa: E402,F403

BIN, ROOT = sys.argv[1], sys.argv[2]
if not shutil.which("pdftotext") or not shutil.which("pdfinfo"):
    print("serve/fhir: pdftotext or pdfinfo missing: skipped")
    sys.exit(77)
DATA = os.path.join(ROOT, "tests", "fhir", "data")
FHIR = {"Content-Type": "application/fhir+json"}
work = workdir("fhir")
out = os.path.join(work, "out")
svc = Service(BIN, out)


def load(name):
    return json.load(open(os.path.join(DATA, name), encoding="utf-8"))


def collection(*docs):
    return json.dumps({"resourceType": "Bundle", "type": "collection", "entry": [{"resource": d} for d in docs]})


def events(case_id, kind):
    con = sqlite3.connect(os.path.join(out, "p2pdoc.db"))
    try:
        return [json.loads(d) for (d,) in con.execute(
            "select data from events where case_id = ? and kind = ? order by id", (case_id, kind))]
    finally:
        con.close()


def pdf_text(data):
    path = os.path.join(work, "sheet.pdf")
    with open(path, "wb") as f:
        f.write(data)
    info = subprocess.run(["pdfinfo", path], capture_output=True, text=True).stdout
    text = subprocess.run(["pdftotext", "-layout", path, "-"], capture_output=True, text=True).stdout
    return info, " ".join(text.split())


try:
    request = load("Bundle-ReferralAuthorizationBundleExample.json")
    denial = load("Bundle-RejectionResponseBundleExample.json")
    st, body = svc.json("POST", "/v1/packets", collection(request, denial), FHIR)
    check(st == 201, f"denial -> {st} {body}")
    cid = body.get("case_id") if isinstance(body, dict) else None
    check(cid == "pas-111099", f"case id: {cid}")
    check(body.get("status") == "draft" and body.get("decision") == "denied", f"status: {body}")
    check(body.get("deadlines", {}).get("p2p_request", {}).get("due") == "2005-05-05",
          f"P2P deadline from the denial of 2005-05-02: {body.get('deadlines')}")
    gaps = [g["path"] for g in body.get("to_complete", [])]
    check("/clinical/summary" in gaps and "/payer/plan_type" in gaps, f"to complete: {gaps}")
    check(body.get("patient") is None, "the answer carries no patient data beyond the draft file")
    urls = {d["file"]: d.get("url") for d in body.get("documents", [])}
    check(urls.get("preparation-sheet.pdf") == f"/v1/packets/{cid}/preparation-sheet.pdf", f"documents: {urls}")
    not_counted = [n["deadline"] for n in body.get("deadlines", {}).get("not_counted", [])]
    check("internal_appeal" in not_counted, f"the appeal deadline is not invented: {not_counted}")

    st, got = svc.json("GET", f"/v1/packets/{cid}")
    check(st == 200 and got.get("status") == "draft", f"GET the draft's manifest -> {st}")
    st, h, draft = svc.request("GET", f"/v1/packets/{cid}/case.draft.json")
    draft = json.loads(draft) if st == 200 else {}
    check(draft.get("patient", {}).get("member_id") == "1122334455", f"the draft holds the request's member id: {st}")
    check("to_complete" in draft.get("draft", {}), "the draft file lists its gaps")
    st, h, sheet = svc.request("GET", f"/v1/packets/{cid}/preparation-sheet.pdf")
    check(st == 200 and h.get("content-type") == "application/pdf", f"sheet -> {st} {h.get('content-type')}")
    info, text = pdf_text(sheet)
    check("Pages: 1" in " ".join(info.split()), f"one page: {info}")
    for want in ["Preparation sheet", "JOE SMITH", "MARYLAND CAPITAL INSURANCE COMPANY", "Thu May 5, 2005",
                 "/clinical/summary", "/payer/plan_type", "not counted yet", "plan type"]:
        check(want in text, f"the sheet shows {want!r}")

    st, queue = svc.json("GET", "/v1/queue")
    entry = [c for c in queue.get("cases", []) if c.get("case_id") == cid] if st == 200 else []
    check(len(entry) == 1, f"the draft is in the queue: {queue}")
    if entry:  # the clock is 2026-11-23: a 2005 denial's window is long missed, and says so
        check(entry[0].get("missed_windows") == ["p2p_request"], f"queue entry: {entry[0]}")
    # a denial of Friday 2026-11-20: its window (3 business days) closes Wednesday 2026-11-25
    recent = json.loads(json.dumps(denial).replace("2005-05-02T11:02:00+05:00", "2026-11-20T09:00:00-05:00")
                        .replace('"111099"', '"REC-2026-1120"'))
    st, body = svc.json("POST", "/v1/packets", collection(request, recent), FHIR)
    check(st == 201 and body.get("case_id") == "pas-REC-2026-1120", f"recent denial -> {st} {body.get('case_id')}")
    st, queue = svc.json("GET", "/v1/queue")
    entry = [c for c in queue.get("cases", []) if c.get("case_id") == "pas-REC-2026-1120"] if st == 200 else []
    check(len(entry) == 1 and entry[0].get("deadline") == "p2p_request" and (entry[0].get("due") or "").startswith("2026-11-25"),
          f"queue: the P2P deadline counted from the denial's date: {entry}")
    check(len(events(cid, "denial_received")) == 1, "denial_received recorded once")
    st, _ = svc.json("POST", "/v1/packets", collection(request, denial), FHIR)
    check(st == 201 and len(events(cid, "denial_received")) == 1, f"posted again: {st}, still recorded once")

    for name, decision in [("Bundle-ReferralAuthorizationResponseBundleExample.json", "approved"),
                           ("Bundle-ReferralPendingAuthorizationResponseBundleExample.json", "pended"),
                           ("Bundle-ErrorResponseBundleExample.json", "error"),
                           ("ri-PendedClaimResponse.json", "pended")]:
        st, body = svc.json("POST", "/v1/packets", json.dumps(load(name)), {"Content-Type": "application/fhir+json; fhirVersion=4.0"})
        check(st == 200 and body.get("decision") == decision and body.get("packet") is None, f"{name} -> {st} {body}")
        nid = body.get("case_id", "")
        check(nid.startswith("pas-"), f"{name}: case id {nid}")
        check(not os.path.exists(os.path.join(out, nid, "manifest.json")) or nid == cid, f"{name}: no folder")
        recorded = events(nid, "pa_response_received")
        check(any(e.get("decision") == decision for e in recorded), f"{name}: ledger {recorded}")
    st, body = svc.json("POST", "/v1/packets", json.dumps(load("Bundle-ErrorResponseBundleExample.json")), FHIR)
    check(any("T4" in e for e in body.get("errors", [])), f"the payer's error codes: {body}")

    bad = json.dumps(denial).replace('"A3"', '"ZZ"')
    st, body = svc.json("POST", "/v1/packets", collection(request, json.loads(bad)), FHIR)
    paths = [e["path"] for e in body.get("errors", [])] if isinstance(body, dict) else []
    check(st == 422 and paths and all(p.startswith("Bundle.entry[1].resource") for p in paths), f"malformed -> {st} {paths}")
    st, body = svc.json("POST", "/v1/packets", collection(request), FHIR)
    check(st == 422 and body["errors"][0]["path"] == "Bundle.entry", f"no response -> {st} {body}")
    st, _ = svc.json("POST", "/v1/packets", "{not json", FHIR)
    check(st == 400, f"not JSON -> {st}")
    st, _ = svc.json("POST", "/v1/packets", json.dumps(denial), {"Content-Type": "application/json"})
    check(st == 422, f"a PAS response sent as a case -> {st}")

    # a completed packet of the same case id is never replaced by a draft
    case = json.load(open(os.path.join(ROOT, "samples", "uhc-lumbar-mri.json"), encoding="utf-8"))
    case["case_id"] = "pas-AUTH0001"
    st, _ = svc.json("POST", "/v1/packets", json.dumps(case), {"Content-Type": "application/json"})
    check(st == 201, f"the packet first: {st}")
    st, body = svc.json("POST", "/v1/packets", json.dumps(load("testkit-valid_pa_response_bundle_denial.json")), FHIR)
    check(st == 409, f"a draft over a packet -> {st} {body}")
    check(os.path.exists(os.path.join(out, "pas-AUTH0001", "brief.pdf")), "the packet is still there")
finally:
    svc.stop()
finish("serve/fhir")
cleanup(work)
