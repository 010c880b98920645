#!/usr/bin/env python3
"""End-to-end: PAS responses dropped into the watcher's inbox as *.fhir.json
(issue 12, docs/fhir.md "Through the watcher"), beside an ordinary case. A
denial (a collection of the request and response Bundles) is done: its draft
folder OUT/<case_id>/ holds case.draft.json, a one-page preparation sheet
(pdfinfo, pdftotext) and a manifest with status "draft", and the ledger
holds denial_received with the case's row and P2P deadline; an approved
response is done with no folder and pa_response_received in the ledger; a
malformed response and a file that is not JSON go to failed/ beside error
files whose paths are FHIRPath locations from the root of the file. Each log
line names the decision. The same denial dropped again is done and counted
once.

usage: check_fhir.py P2PDOC_BINARY REPO_ROOT
"""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import watchlib as w  # noqa: E402

BIN, ROOT = sys.argv[1], sys.argv[2]
c = w.Checker("watch/fhir")
if not shutil.which("pdftotext") or not shutil.which("pdfinfo"):
    print("watch/fhir: pdftotext or pdfinfo missing: skipped")
    sys.exit(77)
DATA = os.path.join(ROOT, "tests", "fhir", "data")
samples = w.load_samples(ROOT)


def load(name):
    return json.load(open(os.path.join(DATA, name), encoding="utf-8"))


def collection(*docs):
    return json.dumps({"resourceType": "Bundle", "type": "collection", "entry": [{"resource": d} for d in docs]})


def events(db, kind):
    con = sqlite3.connect(db)
    try:
        return [(cid, json.loads(d)) for cid, d in con.execute("select case_id, data from events where kind = ? order by id", (kind,))]
    finally:
        con.close()


with tempfile.TemporaryDirectory() as tmp:
    inbox, out, log = os.path.join(tmp, "inbox"), os.path.join(tmp, "out"), os.path.join(tmp, "watch.log")
    os.makedirs(inbox)
    request = load("Bundle-ReferralAuthorizationBundleExample.json")
    denial = load("Bundle-RejectionResponseBundleExample.json")
    files = {
        "denial.fhir.json": collection(request, denial),
        "approved.fhir.json": json.dumps(load("Bundle-ReferralAuthorizationResponseBundleExample.json")),
        "broken.fhir.json": collection(request, json.loads(json.dumps(denial).replace('"A3"', '"ZZ"'))),
        "garbled.fhir.json": "{\"resourceType\": \"Bundle\", ",
    }
    for name, text in files.items():
        open(os.path.join(inbox, name), "w", encoding="utf-8").write(text)
    open(os.path.join(inbox, "case.json"), "wb").write(w.make_case(samples, 0, "FHIR-NEIGHBOUR"))
    r = w.run_once(BIN, inbox, out, "--workers", "1", "--quiet-period", "0", log=log)
    c.check(r.returncode == 2, f"exit {r.returncode}, want 2 (some input invalid)")
    done = sorted(os.listdir(os.path.join(inbox, "done")))
    c.check(done == ["approved.fhir.json", "case.json", "denial.fhir.json"], f"done/: {done}")
    failed = sorted(os.listdir(os.path.join(inbox, "failed")))
    c.check(failed == ["broken.error.json", "broken.fhir.json", "garbled.error.json", "garbled.fhir.json"], f"failed/: {failed}")
    err = json.load(open(os.path.join(inbox, "failed", "broken.error.json"), encoding="utf-8"))
    paths = [d["path"] for d in err["diagnostics"] if d["severity"] == "error"]
    c.check(err["outcome"] == "invalid" and paths and all(p.startswith("Bundle.entry[1].resource") for p in paths),
            f"broken: error file {err}")
    err = json.load(open(os.path.join(inbox, "failed", "garbled.error.json"), encoding="utf-8"))
    c.check(err["outcome"] == "invalid" and err["diagnostics"], f"garbled: error file {err}")

    folder = os.path.join(out, "pas-111099")
    c.check(sorted(os.listdir(folder)) == ["case.draft.json", "manifest.json", "preparation-sheet.pdf"],
            f"draft folder: {os.listdir(folder) if os.path.isdir(folder) else 'missing'}")
    manifest = json.load(open(os.path.join(folder, "manifest.json"), encoding="utf-8"))
    c.check(manifest["status"] == "draft" and manifest["deadlines"]["p2p_request"]["due"] == "2005-05-05", f"manifest: {manifest}")
    sheet = os.path.join(folder, "preparation-sheet.pdf")
    info = " ".join(subprocess.run(["pdfinfo", sheet], capture_output=True, text=True).stdout.split())
    text = " ".join(subprocess.run(["pdftotext", sheet, "-"], capture_output=True, text=True).stdout.split())
    c.check("Pages: 1" in info, f"sheet pages: {info}")
    for want in ["Preparation sheet", "What is due when", "/clinical/summary", "Thu May 5, 2005"]:
        c.check(want in text, f"the sheet shows {want!r}")
    c.check(os.path.exists(os.path.join(out, "FHIR-NEIGHBOUR", "brief.pdf")), "the ordinary case has its packet")
    c.check(not [d for d in os.listdir(out) if d.startswith("pas-") and d != "pas-111099"], f"no other draft: {os.listdir(out)}")

    db = os.path.join(out, "p2pdoc.db")
    c.check([cid for cid, _ in events(db, "denial_received") if cid.startswith("pas-")] == ["pas-111099"], "denial_received")
    approved = events(db, "pa_response_received")
    c.check(len(approved) == 1 and approved[0][1]["decision"] == "approved", f"pa_response_received: {approved}")
    con = sqlite3.connect(db)
    row = con.execute("select deadlines, denial_date from cases where case_id = 'pas-111099'").fetchone()
    con.close()
    c.check(row and json.loads(row[0]).get("p2p_request") == "2005-05-05" and row[1] == "2005-05-02", f"case row: {row}")
    lines = {l.get("file"): l for l in w.log_lines(log) if l.get("file")}
    c.check(lines.get("denial.fhir.json", {}).get("decision") == "denied", f"log: {lines.get('denial.fhir.json')}")
    c.check(lines.get("approved.fhir.json", {}).get("decision") == "approved", f"log: {lines.get('approved.fhir.json')}")

    # the same denial again: done, the draft replaced, recorded once
    open(os.path.join(inbox, "denial.fhir.json"), "w", encoding="utf-8").write(files["denial.fhir.json"])
    r = w.run_once(BIN, inbox, out, "--workers", "1", "--quiet-period", "0", log=log)
    c.check(r.returncode == 0, f"second run: exit {r.returncode}")
    c.check("denial.1.fhir.json" in os.listdir(os.path.join(inbox, "done")), f"done/: {os.listdir(os.path.join(inbox, 'done'))}")
    c.check([cid for cid, _ in events(db, "denial_received") if cid.startswith("pas-")] == ["pas-111099"], "still recorded once")

c.finish()
