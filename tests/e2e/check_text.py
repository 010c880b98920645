#!/usr/bin/env python3
"""End-to-end: text is never silently lost (docs/case-format.md "Characters").
Names in Cyrillic, Vietnamese, Greek and accented Latin print and extract as
typed in every document, the filled post-call form included (its field
appearances, which once showed "??????"), and the form stays fillable. Text
the shipped fonts cannot print (Chinese, Korean, Hindi, Thai, emoji) and
right-to-left text (Hebrew, Arabic) is an error naming the JSON path and the
characters: exit 2 and nothing written, never an empty box with exit 0.

usage: check_text.py P2PDOC_BINARY REPO_ROOT
"""
import copy
import json
import os
import re
import shutil
import sys
import tempfile

from e2e import check, finish, run, squash, written
from e2e import pdf_text

BIN, ROOT = sys.argv[1], sys.argv[2]
ENV = dict(os.environ, SOURCE_DATE_EPOCH="1795435200")
PDFS = ["brief.pdf", "p2p-script.pdf", "lomn.pdf", "appeal-cover.pdf", "post-call.pdf"]
SAMPLE = json.load(open(os.path.join(ROOT, "samples", "uhc-lumbar-mri.json"), encoding="utf-8"))

PATIENT = "Nguyễn Thị Hồng Nhung"
PHYSICIAN = "Наталья Смирнова"
REVIEWER = "Αλέξης Παπαδόπουλος"
PRACTICE = "Zoë Ørsted-Łukasiewicz Spine Clinic"


def write_case(tmp, name, case):
    path = os.path.join(tmp, name + ".json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(case, f, ensure_ascii=False)
    return path


def pdftk_fields(pdf):
    out = run(["pdftk", pdf, "dump_data_fields_utf8"]).stdout
    fields = {}
    for block in out.split("---"):
        name = re.search(r"^FieldName: (.*)$", block, re.M)
        value = re.search(r"^FieldValue: (.*)$", block, re.M)
        if name:
            fields[name.group(1)] = value.group(1) if value else ""
    return fields


def check_good(tmp):
    case = copy.deepcopy(SAMPLE)
    case["case_id"] = "TXT-2026-0001"
    case["patient"]["name"] = PATIENT
    case["physician"]["name"] = PHYSICIAN
    case["denial"]["reviewer"]["name"] = REVIEWER
    # the form fills the reviewer's fields only from a call that was held
    case["call"] = {"started": "2026-11-24T10:30:00-05:00", "duration_minutes": 15,
                    "reviewer": {"name": REVIEWER, "credentials": "MD", "specialty": "Radiology"},
                    "disposition": "upheld", "reviewer_reasoning": "Six weeks of therapy are required."}
    case["practice"]["name"] = PRACTICE
    case["practice"]["address"][0] = "12 Straße des 17. Juni, Łódź Building, Suite ½"
    out = os.path.join(tmp, "good")
    r = run([BIN, "generate", write_case(tmp, "good", case), "--out", out], env=ENV)
    check(r.returncode == 0, f"good: exit {r.returncode}: {r.stderr[-800:]}")
    folder = os.path.join(out, case["case_id"])
    if not os.path.isdir(folder):
        return
    for f in PDFS:
        pdf = os.path.join(folder, f)
        text = pdf_text(pdf)
        check(PATIENT in text, f"good {f}: patient name not extracted: {text[:300]}")
        check(PRACTICE in text, f"good {f}: practice name not extracted")
        fonts = run(["pdffonts", pdf]).stdout
        check("Identity-H" in fonts, f"good {f}: no Identity-H font\n{fonts}")
        png = os.path.join(tmp, f + "-png")
        p = run(["pdftoppm", "-png", "-r", "80", "-singlefile", pdf, png])
        check(p.returncode == 0 and not p.stderr.strip(), f"good {f}: pdftoppm: {p.stderr}")
        if os.environ.get("P2P_KEEP_PNG"):  # to look at by eye
            shutil.copy(png + ".png", os.path.join(os.environ["P2P_KEEP_PNG"], f + ".png"))
        if shutil.which("mutool"):
            m = run(["mutool", "draw", "-q", "-r", "60", "-o", png + "-mu.png", pdf])
            errors = [l for l in m.stderr.splitlines() if "ICC support" not in l]
            check(m.returncode == 0 and not errors, f"good {f}: mutool: {m.stderr}")

    form = os.path.join(folder, "post-call.pdf")
    text = pdf_text(form)
    # the reviewer's name is drawn only by its field's appearance: once "?????? ?????????????"
    check(REVIEWER in text, f"post-call: reviewer field appearance not extracted: {text[:600]}")
    check("???" not in text, "post-call: '?' replacements in the text")
    fields = pdftk_fields(form)
    named = [k for k, v in fields.items() if v == REVIEWER]
    check(len(named) == 1, f"post-call: no field holds the reviewer's name: {fields}")
    if named:
        xfdf = os.path.join(tmp, "fill.xfdf")
        with open(xfdf, "w", encoding="utf-8") as f:
            f.write('<?xml version="1.0" encoding="UTF-8"?>\n<xfdf xmlns="http://ns.adobe.com/xfdf/"><fields>'
                    f'<field name="{named[0]}"><value>Dr Filled</value></field></fields></xfdf>\n')
        filled = os.path.join(tmp, "filled.pdf")
        r = run(["pdftk", form, "fill_form", xfdf, "output", filled])
        check(r.returncode == 0, f"pdftk fill_form: {r.stderr}")
        check(pdftk_fields(filled).get(named[0]) == "Dr Filled", "pdftk fill_form did not set the field")


# Each case: the field set, and what stderr must say about it.
BAD = [
    ("chinese", ["patient", "name"], "王芳", "/patient/name: cannot be printed, no shipped font has 王 U+738B, 芳 U+82B3"),
    ("korean", ["physician", "name"], "김민준", "/physician/name: cannot be printed, no shipped font has 김 U+AE40"),
    ("hindi", ["patient", "name"], "राहुल शर्मा", "(Devanagari)"),
    ("thai", ["patient", "name"], "สมชาย ใจดี", "(Thai)"),
    ("emoji", ["clinical", "summary"], "Doing better 😀", "/clinical/summary: cannot be printed, no shipped font has 😀 U+1F600 (emoji)"),
    ("hebrew", ["patient", "name"], "שרה לוי", "/patient/name: right-to-left text cannot be printed yet"),
    ("arabic", ["practice", "name"], "عيادة النور", "/practice/name: right-to-left text cannot be printed yet"),
]


def check_bad(tmp):
    paths = []
    for label, keys, value, expected in BAD:
        case = copy.deepcopy(SAMPLE)
        case["case_id"] = "TXT-BAD-" + label.upper()
        case[keys[0]][keys[1]] = value
        path = write_case(tmp, label, case)
        paths.append(path)
        for command in ("validate", "generate"):
            out = os.path.join(tmp, "bad-" + label)
            args = [BIN, command, path] + (["--out", out] if command == "generate" else [])
            r = run(args, env=ENV)
            check(r.returncode == 2, f"{command} {label}: exit {r.returncode}, want 2")
            check(f"{path}: " in r.stderr and expected in r.stderr,
                  f"{command} {label}: stderr lacks {expected!r}\n{r.stderr}")
            if command == "generate":
                check(not os.path.exists(out) or not os.listdir(out), f"generate {label}: wrote output")
    # in a batch, the good case is still written; the exit code says some input was invalid
    good = write_case(tmp, "plain", SAMPLE)
    out = os.path.join(tmp, "batch")
    r = run([BIN, "generate", good, *paths, "--out", out], env=ENV)
    check(r.returncode == 2, f"batch: exit {r.returncode}, want 2")
    check(written(out) == [SAMPLE["case_id"]], f"batch: wrote {written(out)}")


with tempfile.TemporaryDirectory() as tmp:
    check_good(tmp)
    check_bad(tmp)

finish("text: Cyrillic, Vietnamese, Greek and accented names print, extract and fill; "
       f"{len(BAD)} unprintable or right-to-left texts refused with their path")
