"""`p2pdoc record` end to end (docs/ledger.md, "Recording outcomes"):
generate a sample, fill its post-call.pdf with pdftk (fill_form,
need_appearances) and with mupdf (`mutool run`, a viewer's own widget code
and incremental save), record it, record it again (counted once), and check
what comes back: the ledger's events, the case kept with the packet, the
regenerated letters, and the refusals named by form field.

usage: check_record.py P2PDOC SOURCE_ROOT"""
import json
import os
import shutil
import sqlite3
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e import check, finish, pdf_text, run  # noqa: E402

BIN, ROOT = sys.argv[1], sys.argv[2]
SAMPLE = os.path.join(ROOT, "samples", "uhc-lumbar-mri.json")
CID = "RSP-2026-00417"

# mupdf 1.21's JavaScript: widgets in /Annots order; a check box toggles, a
# text field takes setTextValue; the appearance is regenerated and the file
# saved incrementally, as a viewer saves it.
MUTOOL_FILL = r"""
var doc = new PDFDocument(scriptArgs[0]);
var want = {};
for (var i = 2; i < scriptArgs.length; ++i) {
  var eq = scriptArgs[i].indexOf("=");
  want[scriptArgs[i].slice(0, eq)] = scriptArgs[i].slice(eq + 1);
}
for (var p = 0; p < doc.countPages(); ++p) {
  var page = doc.loadPage(p);
  var ws = page.getWidgets();
  var annots = doc.findPage(p).get("Annots");
  for (var i = 0; i < ws.length; ++i) {
    var name = annots.get(i).get("T").asString();
    if (!(name in want)) continue;
    if (ws[i].getFieldType() == "checkbox") {
      if ((ws[i].getValue() != "Off") != (want[name] == "on")) ws[i].toggle();
    } else {
      ws[i].setTextValue(want[name]);
    }
    ws[i].update();
  }
}
doc.save(scriptArgs[1], "incremental");
"""


def xfdf(values):
    from xml.sax.saxutils import escape
    fields = "".join(f'<field name="{k}"><value>{escape(v)}</value></field>' for k, v in values.items())
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<xfdf xmlns="http://ns.adobe.com/xfdf/" '
            f'xml:space="preserve"><fields>{fields}</fields></xfdf>\n')


def pdftk_fill(src, dst, values, tmp):
    data = os.path.join(tmp, "data.xfdf")
    with open(data, "w", encoding="utf-8") as f:
        f.write(xfdf(values))
    r = run(["pdftk", src, "fill_form", data, "output", dst, "need_appearances"])
    check(r.returncode == 0, f"pdftk fill_form: {r.stderr}")


def mutool_fill(src, dst, values, tmp):
    script = os.path.join(tmp, "fill.js")
    with open(script, "w") as f:
        f.write(MUTOOL_FILL)
    r = run(["mutool", "run", script, src, dst] + [f"{k}={v}" for k, v in values.items()])
    check(r.returncode == 0 and os.path.exists(dst), f"mutool run: {r.stderr}")


def events(db):
    con = sqlite3.connect(db)
    try:
        return con.execute("select kind, source_key, data from events where case_id = ? order by id", (CID,)).fetchall()
    finally:
        con.close()


def record(*args):
    return run([BIN, "record", *args])


def main():
    tmp = tempfile.mkdtemp(prefix="p2p-record-")
    try:
        out = os.path.join(tmp, "out")
        env = dict(os.environ, SOURCE_DATE_EPOCH="1795000000")
        r = run([BIN, "generate", SAMPLE, "--out", out], env=env)
        check(r.returncode == 0, f"generate: {r.stderr}")
        packet = os.path.join(out, CID)
        check(os.path.exists(os.path.join(packet, "case.json")), "the packet keeps case.json")
        blank = os.path.join(tmp, "blank-post-call.pdf")
        shutil.copy(os.path.join(packet, "post-call.pdf"), blank)

        # 1. pdftk fills it; record; the call is what the form says, Unicode included
        upheld = os.path.join(tmp, "upheld.pdf")
        pdftk_fill(blank, upheld, {
            "call_date_time": "11/24/2026 10:40 AM EST",
            "call_duration": "18 min",
            "reviewer_name": "Zoë Ødegaard",
            "reviewer_credentials": "MD",
            "reviewer_specialty": "Internal medicine",
            "points_discussed": "12 weeks of PT, ODI unchanged at 52/100\nNew foot weakness",
            "reviewer_reasoning": "Conservative care not documented for six weeks.",
            "disposition_upheld": "Yes",
            "objection_non_specialty": "Yes",
        }, tmp)
        r = record(upheld, "--out", out)
        check(r.returncode == 0, f"record upheld: exit {r.returncode}: {r.stderr}")
        check(f"recorded {CID}  upheld" in r.stdout, f"record upheld: {r.stdout}")
        db = os.path.join(out, "p2pdoc.db")
        held = [e for e in events(db) if e[0] == "call_held"]
        check(len(held) == 1, f"one call_held after the first record: {held}")
        if held:
            call = json.loads(held[0][2])
            # the call's identity: its start in UTC to the minute and its outcome (docs/ledger.md)
            check(held[0][1] == "call:2026-11-24T15:40Z:upheld", f"source key {held[0][1]}")
            check(call.get("disposition") == "upheld", f"disposition {call}")
            check(call.get("started") == "2026-11-24T10:40:00-05:00", f"started {call.get('started')}")
            check(call.get("duration_minutes") == 18, f"duration {call.get('duration_minutes')}")
            check(call.get("reviewer", {}).get("name") == "Zoë Ødegaard", f"reviewer {call.get('reviewer')}")
            check(call.get("points_discussed") == ["12 weeks of PT, ODI unchanged at 52/100", "New foot weakness"],
                  f"points {call.get('points_discussed')}")
            check(call.get("objections") == ["Reviewer not in the relevant specialty"], f"objections {call}")
        kept = json.load(open(os.path.join(packet, "case.json"), encoding="utf-8"))
        check(kept.get("call", {}).get("disposition") == "upheld", "case.json carries the recorded call")
        check(os.path.isdir(packet + ".prev"), "the packet before the call is kept as .prev")
        lomn = pdf_text(os.path.join(packet, "lomn.pdf"))
        check("Zoë Ødegaard" in lomn and "did not resolve the denial" in lomn, f"LOMN answers the reviewer: {lomn[:400]}")
        check("Conservative care not documented for six weeks." in lomn, "LOMN quotes the reviewer's reasoning")
        cover = pdf_text(os.path.join(packet, "appeal-cover.pdf"))
        check("peer-to-peer call of November 24, 2026" in cover, f"appeal cover encloses the call record: {cover[:300]}")
        kinds = [e[0] for e in events(db)]
        check(kinds == ["denial_received", "p2p_scheduled", "packet_generated", "call_held", "packet_generated"],
              f"generate's packet, the call, the regenerated packet: {kinds}")
        regenerated = run(["pdftk", os.path.join(packet, "post-call.pdf"), "dump_data_fields_utf8"]).stdout
        check("FieldValue: Zoë Ødegaard" in regenerated, "the regenerated form shows the reviewer")

        # 2. the same file again: recognised, not counted twice, nothing regenerated
        before = os.stat(os.path.join(packet, "manifest.json")).st_mtime_ns
        r = record(upheld, "--out", out)
        check(r.returncode == 0, f"record again: exit {r.returncode}: {r.stderr}")
        check("recorded before; not counted again" in r.stdout, f"record again says so: {r.stdout}")
        check(len([e for e in events(db) if e[0] == "call_held"]) == 1, "the same form twice counts once")
        check(os.stat(os.path.join(packet, "manifest.json")).st_mtime_ns == before, "nothing regenerated the second time")

        # 3. mupdf fills (a viewer's save): a modified call with an auth number, Cyrillic and the form's own date format
        modified = os.path.join(tmp, "modified.pdf")
        mutool_fill(blank, modified, {
            "call_date_time": "Tue Nov 24, 2026 15:05 (UTC-05:00)",
            "call_duration": "25",
            "reviewer_name": "Наталья Смирнова",
            "disposition_modified": "on",
            "auth_number": "A-7781 (MRI without contrast only)",
            "next_steps": "• Appeal the remainder by Dec 18  • EOB check",
        }, tmp)
        r = record(modified, "--out", out)
        check(r.returncode == 0, f"record modified: exit {r.returncode}: {r.stderr}")
        held = [json.loads(e[2]) for e in events(db) if e[0] == "call_held"]
        check(len(held) == 2 and held[-1].get("disposition") == "modified", f"mupdf form recorded: {held[-1:]}")
        if held:
            check(held[-1].get("reviewer", {}).get("name") == "Наталья Смирнова", f"Cyrillic via mupdf: {held[-1]}")
            check(held[-1].get("started") == "2026-11-24T15:05:00-05:00", f"form date format: {held[-1]}")
            check(held[-1].get("next_steps") == ["Appeal the remainder by Dec 18", "EOB check"], f"bullets: {held[-1]}")
        lomn = pdf_text(os.path.join(packet, "lomn.pdf"))
        check("approved the request only in part" in lomn and "what remains denied" in lomn,
              f"modified: the LOMN appeals the remainder: {lomn[:400]}")

        # 4. refusals, each naming the form field; nothing recorded, nothing written
        count = len(events(db))
        manifest = open(os.path.join(packet, "manifest.json")).read()
        two = os.path.join(tmp, "two.pdf")
        pdftk_fill(blank, two, {"disposition_upheld": "Yes", "disposition_modified": "Yes"}, tmp)
        r = record(two, "--out", out)
        check(r.returncode == 2, f"two dispositions: exit {r.returncode}")
        check("disposition_upheld, disposition_modified: 2 dispositions given" in r.stderr, f"two: {r.stderr}")
        none = os.path.join(tmp, "none.pdf")
        pdftk_fill(blank, none, {"call_duration": "twenty", "call_date_time": "next Tuesday"}, tmp)
        r = record(none, "--out", out)
        check(r.returncode == 2, f"no disposition: exit {r.returncode}")
        for words in ["disposition_overturned, disposition_upheld, disposition_deferred, disposition_modified: no disposition",
                      "call_duration: \"twenty\" is not a number of minutes",
                      "call_date_time: \"next Tuesday\" is not a date-time"]:
            check(words in r.stderr, f"no disposition: missing {words!r} in {r.stderr}")
        over = os.path.join(tmp, "over.pdf")
        pdftk_fill(blank, over, {"disposition_overturned": "Yes"}, tmp)
        r = record(over, "--out", os.path.join(tmp, "elsewhere"), "--no-ledger", "--case", os.path.join(packet, "case.json"))
        check(r.returncode == 0 and r.stderr.count("auth_number: should be given") == 1, f"overturned without auth: one warning: {r.stderr}")
        check(len(events(db)) == count, "refused forms recorded nothing")
        check(open(os.path.join(packet, "manifest.json")).read() == manifest, "refused forms wrote no packet")
        r = record(SAMPLE, "--out", out)
        check(r.returncode == 2 and "not a readable PDF" in r.stderr, f"not a PDF: {r.stderr}")

        # 5. one call, two ways: the case file's own `call` (recorded when its packet is
        # generated) and the post-call form that packet prints filled with it count once;
        # the same form with another call time is another call
        acdf = json.load(open(os.path.join(ROOT, "samples", "aetna-acdf.json"), encoding="utf-8"))
        aid = acdf["case_id"]
        out2 = os.path.join(tmp, "out2")
        r = run([BIN, "generate", os.path.join(ROOT, "samples", "aetna-acdf.json"), "--out", out2], env=env)
        check(r.returncode == 0, f"generate aetna-acdf: {r.stderr}")
        db2 = os.path.join(out2, "p2pdoc.db")

        def calls():
            con = sqlite3.connect(db2)
            try:
                return [k for (k,) in con.execute(
                    "select source_key from events where case_id = ? and kind = 'call_held' order by id", (aid,))]
            finally:
                con.close()

        check(calls() == ["call:2026-11-18T22:06Z:upheld"], f"the case file's call recorded once by generate: {calls()}")
        printed = os.path.join(tmp, "printed.pdf")
        shutil.copy(os.path.join(out2, aid, "post-call.pdf"), printed)
        r = record(printed, "--out", out2)
        check(r.returncode == 0 and "recorded before; not counted again" in r.stdout,
              f"the form the packet printed, recorded: the same call: {r.returncode} {r.stdout} {r.stderr}")
        check(calls() == ["call:2026-11-18T22:06Z:upheld"], f"the case's call and its form count once: {calls()}")
        later = os.path.join(tmp, "later.pdf")
        pdftk_fill(printed, later, {"call_date_time": "2026-11-19 09:00 -08:00"}, tmp)
        r = record(later, "--out", out2)
        check(r.returncode == 0 and f"recorded {aid}  upheld" in r.stdout, f"another call: {r.stdout} {r.stderr}")
        check(calls() == ["call:2026-11-18T22:06Z:upheld", "call:2026-11-19T17:00Z:upheld"],
              f"a call at another time is a second call: {calls()}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    finish("record: pdftk and mupdf forms recorded once each, letters regenerated, refusals named by field, "
           "a case's call and its form counted once")


if __name__ == "__main__":
    main()
