"""The filled post-call form filed as a flattened copy (docs/archival.md,
"The post-call record"): generate a sample, fill its post-call.pdf with
pdftk, `record --pdfa` it, and check the copy in the packet with real tools:
no form left (pdftk, qpdf), the values exactly as filled in its text
(pdftotext), every font embedded (pdffonts), PDF/A-2b (pdfa_checks), listed
in the manifest's "records", kept when the packet is regenerated; a second
call gets a record of its own; an invalid form writes none.

usage: check_filled_copy.py P2PDOC SOURCE_ROOT"""
import json
import os
import shutil
import sys
import tempfile
from xml.sax.saxutils import escape

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e import check, finish, pdf_text, run  # noqa: E402
from pdfa_checks import body, check_archival, objects, walk  # noqa: E402

BIN, ROOT = sys.argv[1], sys.argv[2]
SAMPLE = os.path.join(ROOT, "samples", "uhc-lumbar-mri.json")
CID = "RSP-2026-00417"
ENV = dict(os.environ, SOURCE_DATE_EPOCH="1796083200")  # 2026-12-01T00:00:00Z
COPY = "post-call-record-20261124-1040.pdf"

FILLED = {
    "call_date_time": "11/24/2026 10:40 AM EST",   # the call model makes 2026-11-24T10:40:00-05:00 of it
    "call_duration": "14 min",                     # ... and 14 of this: the copy shows what was written
    "reviewer_name": "Dr. Zoë Ñúñez-Brontë",
    "reviewer_credentials": "MD",
    "reviewer_specialty": "Orthopaedic spine surgery",
    "points_discussed": "Six weeks of physical therapy documented (ODI 52/100 unchanged). "
                        "New foot drop on exam 11/18.",
    "reviewer_reasoning": "Conservative care under 6 weeks at time of request.\nWould approve with PT notes.",
    "disposition_upheld": "Yes",
    "objection_new_evidence": "Yes",
    "step_appeal": "Yes",
    "next_steps": "Send PT notes with the written appeal by 12/01.",
    "completed_by": "Dana Whitfield, MD, 11/24/2026",
}


def fill(src, dst, values, tmp):
    data = os.path.join(tmp, "data.xfdf")
    fields = "".join(f'<field name="{k}"><value>{escape(v)}</value></field>' for k, v in values.items())
    with open(data, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<xfdf xmlns="http://ns.adobe.com/xfdf/" '
                f'xml:space="preserve"><fields>{fields}</fields></xfdf>\n')
    r = run(["pdftk", src, "fill_form", data, "output", dst, "need_appearances"])
    check(r.returncode == 0, f"pdftk fill_form: {r.stderr}")


def records(packet):
    with open(os.path.join(packet, "manifest.json"), encoding="utf-8") as f:
        return json.load(f).get("records", [])


def copies(packet):
    return sorted(n for n in os.listdir(packet) if n.startswith("post-call-record"))


def record(form, out, *extra):
    return run([BIN, "record", form, "--out", out, "--no-ledger", "--root", ROOT, *extra], env=ENV)


with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "out")
    packet = os.path.join(out, CID)
    r = run([BIN, "generate", SAMPLE, "--out", out, "--no-ledger", "--root", ROOT], env=ENV)
    check(r.returncode == 0, f"generate: {r.stderr}")
    blank = os.path.join(tmp, "post-call.pdf")
    shutil.copy(os.path.join(packet, "post-call.pdf"), blank)
    filled = os.path.join(tmp, "filled.pdf")
    fill(blank, filled, FILLED, tmp)

    # an invalid form (no disposition ticked) and a value the fonts cannot print: no copy
    bad = os.path.join(tmp, "bad.pdf")
    fill(blank, bad, {k: v for k, v in FILLED.items() if k != "disposition_upheld"}, tmp)
    r = record(bad, out, "--pdfa")
    check(r.returncode == 2 and "disposition" in r.stderr, f"record without a disposition: exit {r.returncode}: {r.stderr}")
    check(copies(packet) == [] and records(packet) == [], f"an invalid form files no copy: {copies(packet)}")
    unprintable = os.path.join(tmp, "unprintable.pdf")
    fill(blank, unprintable, dict(FILLED, completed_by="王医生"), tmp)
    r = record(unprintable, out, "--pdfa")
    check(r.returncode == 2 and "completed_by" in r.stderr, f"record with 王: exit {r.returncode}: {r.stderr}")
    check(copies(packet) == [], f"an unprintable value files no copy: {copies(packet)}")

    r = record(filled, out, "--pdfa")
    check(r.returncode == 0, f"record --pdfa: exit {r.returncode}: {r.stdout} {r.stderr}")
    check(copies(packet) == [COPY], f"the copy, named by the call's start: {copies(packet)}")
    check(f"filed    {CID}  {os.path.join(packet, COPY)}  the form as filled, flattened" in r.stdout,
          f"record says where it filed the copy: {r.stdout}")
    copy = os.path.join(packet, COPY)
    if not os.path.exists(copy):
        finish("unreachable")
    with open(copy, "rb") as f:
        copy_bytes = f.read()

    # no form left: no fields for pdftk, no /AcroForm, no widget, no annotation
    r = run(["pdftk", copy, "dump_data_fields"])
    check(r.returncode == 0 and r.stdout.strip() == "", f"pdftk dump_data_fields lists fields: {r.stdout[:300]}")
    objs = objects(copy)
    catalog = body(objs[body(objs["trailer"])["/Root"]])
    dicts = [d for o in objs.values() if body(o) is not None for d in walk(body(o))]
    check("/AcroForm" not in catalog, "no /AcroForm in the catalog")
    check(not any(d.get("/Subtype") == "/Widget" or "/FT" in d for d in dicts), "no widget, no field dictionary")
    check(not any("/Annots" in d for d in dicts), "no annotations on any page")

    # what was filled, exactly as written, as page text
    text = pdf_text(copy)
    for name, value in FILLED.items():
        if value != "Yes":
            check(" ".join(value.split()) in text, f"the copy shows {name} as filled: {value!r}")
    check("2026-11-24T10:40" not in text and "14 minutes" not in text, "the copy shows no normalised value")
    check("Fields continued" not in text, "every value fitted its box, so no 'Fields continued' section")
    fonts = run(["pdffonts", copy]).stdout.splitlines()[2:]
    check(fonts and all(line.split()[-5] == "yes" for line in fonts), f"pdffonts: every font embedded: {fonts}")
    check(run(["qpdf", "--check", copy]).returncode == 0, "qpdf --check")
    check_archival(copy, COPY)

    # listed in the manifest with its digest; not a document of the packet
    with open(os.path.join(packet, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    rec = manifest.get("records", [])
    check(len(rec) == 1 and rec[0]["file"] == COPY and rec[0]["bytes"] == len(copy_bytes), f"manifest records: {rec}")
    import hashlib
    check(rec and rec[0]["sha256"] == hashlib.sha256(copy_bytes).hexdigest(), "the record's sha256 is the file's")
    check(all(d["file"] != COPY for d in manifest["documents"]), "the copy is not among the documents")

    # the same form again, elsewhere: the same bytes (SOURCE_DATE_EPOCH)
    out2 = os.path.join(tmp, "out2")
    shutil.copytree(os.path.join(out, CID + ".prev"), os.path.join(out2, CID))
    r = record(filled, out2, "--pdfa")
    with open(os.path.join(out2, CID, COPY), "rb") as f:
        check(r.returncode == 0 and f.read() == copy_bytes, "the same copy, byte for byte, recorded twice")

    # a second call (a later one, overturned): a record of its own, the first kept
    second = os.path.join(tmp, "second.pdf")
    fill(blank, second, dict(FILLED, call_date_time="12/01/2026 09:05 AM EST", disposition_upheld="Off",
                            disposition_overturned="Yes", auth_number="AUTH-77812"), tmp)
    r = record(second, out, "--pdfa")
    check(r.returncode == 0, f"record a second call: {r.stderr}")
    check(copies(packet) == [COPY, "post-call-record-20261201-0905.pdf"], f"two calls, two records: {copies(packet)}")
    check("AUTH-77812" in pdf_text(os.path.join(packet, "post-call-record-20261201-0905.pdf")), "the second copy")
    with open(copy, "rb") as f:
        check(f.read() == copy_bytes, "the first record kept unchanged")

    # generating the packet again keeps the records
    r = run([BIN, "generate", os.path.join(packet, "case.json"), "--out", out, "--no-ledger", "--root", ROOT], env=ENV)
    check(r.returncode == 0, f"generate again: {r.stderr}")
    check(len(copies(packet)) == 2 and sorted(x["file"] for x in records(packet)) == copies(packet),
          f"regenerated, the records stay: {copies(packet)} {records(packet)}")

    # a long value shrinks in its box, and past the smallest size is printed whole at the end
    longer = os.path.join(tmp, "long.pdf")
    essay = "\n".join(f"Point {i}: imaging and therapy dates." for i in range(18))  # 18 lines for a 4-line box
    fill(blank, longer, dict(FILLED, call_date_time="12/02/2026 08:00 AM EST", points_discussed=essay), tmp)
    r = record(longer, out)
    long_copy = os.path.join(packet, "post-call-record-20261202-0800.pdf")
    check(r.returncode == 0 and os.path.exists(long_copy), f"record a long value: {r.stderr}")
    if os.path.exists(long_copy):
        t = pdf_text(long_copy)
        check("Fields continued" in t and " ".join(essay.split()) in t, "the long value printed whole in 'Fields continued'")
        pages = run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", copy, os.path.join(tmp, "page")])
        check(pages.returncode == 0, "pdftoppm renders the copy")

finish("check_filled_copy: the filled post-call form filed flattened, PDF/A, as filled, kept")
