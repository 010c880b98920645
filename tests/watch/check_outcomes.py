#!/usr/bin/env python3
"""End-to-end: filled post-call forms dropped into INBOX/outcomes/ (issue 10,
docs/watch.md "Filled post-call forms"). The watcher generates a case's
packet; its real post-call.pdf is filled with pdftk and dropped into
outcomes/ beside a form with no disposition ticked. Checked: the good form
ends in outcomes/done/, its call is in the ledger once (`p2pdoc due --format
json` shows the case at call_held), the follow-up documents are regenerated
as a new packet version (the old one kept as .prev, the LOMN answering the
reviewer); the bad form ends in outcomes/failed/ beside an error file naming
the disposition fields, nothing recorded for it. Then, with the watcher
running (inotify on outcomes/), the same form dropped again is done and not
counted again.

usage: check_outcomes.py P2PDOC_BINARY REPO_ROOT
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
c = w.Checker("watch/outcomes")
if not shutil.which("pdftk") or not shutil.which("pdftotext"):
    print("watch/outcomes: pdftk or pdftotext missing: skipped")
    sys.exit(77)

CID = "OUTCOME-0001"
SAMPLE = json.load(open(os.path.join(ROOT, "samples", "uhc-lumbar-mri.json"), encoding="utf-8"))
FILLED = {  # watchlib's clock is 2026-11-23T12:00:00Z: the call was an hour before
    "call_date_time": "2026-11-23 06:00 -05:00",
    "call_duration": "15 min",
    "reviewer_name": "Dana Whitfield",
    "reviewer_specialty": "Internal medicine",
    "reviewer_reasoning": "Six weeks of conservative care are not documented.",
    "disposition_upheld": "Yes",
}


def drop(folder, name, data):
    """Delivers a file the well-behaved way: a hidden temporary, then rename."""
    tmp = os.path.join(folder, "." + name + ".part")
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, os.path.join(folder, name))


def pdftk_fill(src, dst, values, tmp):
    from xml.sax.saxutils import escape
    fields = "".join(f'<field name="{k}"><value>{escape(v)}</value></field>' for k, v in values.items())
    data = os.path.join(tmp, "data.xfdf")
    with open(data, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<xfdf xmlns="http://ns.adobe.com/xfdf/" '
                f'xml:space="preserve"><fields>{fields}</fields></xfdf>\n')
    r = subprocess.run(["pdftk", src, "fill_form", data, "output", dst, "need_appearances"], capture_output=True, text=True)
    c.check(r.returncode == 0, f"pdftk fill_form: {r.stderr}")
    return open(dst, "rb").read()


def calls(db):
    con = sqlite3.connect(db)
    try:
        return [(k, json.loads(d)) for k, d in con.execute(
            "SELECT source_key, data FROM events WHERE case_id = ? AND kind = 'call_held' ORDER BY id", (CID,))]
    finally:
        con.close()


def recorded_by(db, kind):
    con = sqlite3.connect(db)
    try:
        return [b for (b,) in con.execute("SELECT recorded_by FROM events WHERE case_id = ? AND kind = ? ORDER BY id",
                                          (CID, kind))]
    finally:
        con.close()


with tempfile.TemporaryDirectory() as tmp:
    inbox, out, log = os.path.join(tmp, "inbox"), os.path.join(tmp, "out"), os.path.join(tmp, "watch.log")
    forms = os.path.join(inbox, "outcomes")
    case = dict(SAMPLE, case_id=CID)
    os.makedirs(inbox)
    drop(inbox, "case.json", json.dumps(case).encode("utf-8"))
    r = w.run_once(BIN, inbox, out, "--workers", "1", "--quiet-period", "0", log=log)
    c.check(r.returncode == 0, f"first run (the case): exit {r.returncode}")
    c.check(os.path.isdir(forms), "the watcher makes INBOX/outcomes/")
    first = w.check_packet(c, os.path.join(out, CID), "case: ")
    db = os.path.join(out, "p2pdoc.db")

    # 1. a filled form and a form with no disposition, drained with --once
    blank = os.path.join(tmp, "blank.pdf")
    shutil.copy(os.path.join(out, CID, "post-call.pdf"), blank)
    good = pdftk_fill(blank, os.path.join(tmp, "good.pdf"), FILLED, tmp)
    bad = pdftk_fill(blank, os.path.join(tmp, "bad.pdf"), {k: v for k, v in FILLED.items() if k != "disposition_upheld"}, tmp)
    drop(forms, "filled.pdf", good)
    drop(forms, "nothing-ticked.pdf", bad)
    r = w.run_once(BIN, inbox, out, "--workers", "2", "--quiet-period", "0", log=log)
    c.check(r.returncode == 2, f"second run (a good and a bad form): exit {r.returncode}, want 2 (some input invalid)")
    c.check(w.visible(os.path.join(forms, "done")) == ["filled.pdf"], f"outcomes/done/: {w.visible(os.path.join(forms, 'done'))}")
    c.check(w.visible(os.path.join(forms, "failed")) == ["nothing-ticked.error.json", "nothing-ticked.pdf"],
            f"outcomes/failed/: {w.visible(os.path.join(forms, 'failed'))}")
    c.check(w.visible(os.path.join(forms, "working")) == [], "outcomes/working/ is empty")
    err_path = os.path.join(forms, "failed", "nothing-ticked.error.json")
    if os.path.exists(err_path):
        err = json.load(open(err_path, encoding="utf-8"))
        c.check(err.get("file") == "outcomes/nothing-ticked.pdf" and err.get("outcome") == "invalid", f"error file: {err}")
        c.check(err.get("case_id") == CID, f"the error file names the form's case: {err.get('case_id')}")
        paths = [d["path"] for d in err.get("diagnostics", []) if d["severity"] == "error"]
        c.check(any("disposition_upheld" in p and "disposition_overturned" in p for p in paths),
                f"the error names the disposition fields: {err.get('diagnostics')}")

    held = calls(db)
    c.check(len(held) == 1, f"one call_held: {held}")
    if held:
        key, call = held[0]
        c.check(key == "call:2026-11-23T11:00Z:upheld", f"the call's key: {key}")
        c.check(call.get("disposition") == "upheld" and call.get("reviewer", {}).get("name") == "Dana Whitfield"
                and call.get("duration_minutes") == 15, f"the call as the form says: {call}")
    c.check(recorded_by(db, "call_held") == ["watch"], f"recorded by the watcher: {recorded_by(db, 'call_held')}")
    c.check(recorded_by(db, "packet_generated") == ["watch", "watch"], "two packet versions recorded")

    # the queue moved on: `p2pdoc due` shows the call
    r = subprocess.run([BIN, "due", "-o", out, "--format", "json"], capture_output=True, text=True, env=w.ENV)
    c.check(r.returncode == 0, f"due: exit {r.returncode}: {r.stderr}")
    try:
        queue = {e["case_id"]: e for e in json.loads(r.stdout)["cases"]}
    except (ValueError, KeyError) as e:
        queue = {}
        c.check(False, f"due --format json: {e}: {r.stdout[:300]}")
    entry = queue.get(CID, {})
    c.check(entry.get("stage") == "call_held", f"due: the case is at call_held: {entry}")
    c.check(entry.get("deadline") == "call_confirmation" and entry.get("due") == "2026-11-24T11:00:00Z",
            f"due: the written confirmation 24 h after the call is next: {entry}")

    # the regenerated packet: a new version, the old one kept, the call in it
    second = w.check_packet(c, os.path.join(out, CID), "regenerated: ")
    c.check(os.path.isdir(os.path.join(out, CID + ".prev")), "the packet before the call is kept as .prev")
    if first and second:
        c.check(first["documents"] != second["documents"], "the regenerated packet differs from the first")
    if second:
        # the watcher files the form as filled, flattened (docs/archival.md)
        filed = [r["file"] for r in second.get("records", [])]
        c.check(len(filed) == 1 and filed[0].startswith("post-call-record-"), f"the filed copy: {filed}")
    kept = json.load(open(os.path.join(out, CID, "case.json"), encoding="utf-8"))
    c.check(kept.get("call", {}).get("disposition") == "upheld", "case.json carries the recorded call")
    lomn = subprocess.run(["pdftotext", "-layout", os.path.join(out, CID, "lomn.pdf"), "-"], capture_output=True,
                          text=True).stdout
    c.check("Dana Whitfield" in lomn and "Six weeks of conservative care are not documented." in lomn,
            f"the LOMN answers the reviewer: {lomn[:300]}")

    # 2. the watcher running: the same form again, announced by inotify, counts once
    p = w.start(BIN, inbox, out, "--workers", "1", "--quiet-period", "0", log=log)
    try:
        c.check(w.wait_for(lambda: any(l.get("event") == "start" and l.get("pid") == p.pid for l in w.log_lines(log)), 60),
                "the watcher started")
        drop(forms, "filled.pdf", good)
        c.check(w.wait_for(lambda: os.path.exists(os.path.join(forms, "done", "filled.1.pdf")), 60),
                f"the second copy reaches outcomes/done/filled.1.pdf: {w.visible(os.path.join(forms, 'done'))}")
    finally:
        p.terminate()
        p.wait(60)
    c.check(len(calls(db)) == 1, f"the same form twice: still one call_held: {calls(db)}")
    again = [l for l in w.log_lines(log) if l.get("file") == "outcomes/filled.pdf" and l.get("outcome") == "ok"]
    c.check(len(again) == 2 and again[-1].get("already_recorded") is True
            and again[-1].get("moved_to") == "outcomes/done/filled.1.pdf", f"the log says so: {again[-1:]}")
    c.check(again[0].get("case_id") == CID, f"the log names the case: {again[:1]}")
    w.check_no_leftovers(c, inbox, out)

    # no patient data in the log
    text = open(log, encoding="utf-8").read()
    leaked = [s for s in w.patient_strings([SAMPLE]) if s in text]
    c.check(not leaked, f"patient data in the log: {leaked}")

c.finish()
