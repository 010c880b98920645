#!/usr/bin/env python3
"""End-to-end: run the real p2pdoc binary on every sample and check each PDF
with the real tools (qpdf, pdfinfo, pdffonts, pdftotext).

usage: check_samples.py P2PDOC_BINARY REPO_ROOT
Exits non-zero with a list of every failed check.
"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

from e2e import check, finish, pdf_text, run, squash

BIN, ROOT = sys.argv[1], sys.argv[2]


def check_pdf(pdf, case, label):
    q = run(["qpdf", "--check", pdf])
    check(q.returncode == 0 and "No syntax or stream encoding errors" in q.stdout, f"{label}: qpdf --check: {q.stdout[-200:]}{q.stderr[-200:]}")
    info = run(["pdfinfo", pdf]).stdout
    check(re.search(r"^Pages:\s+1$", info, re.M), f"{label}: not exactly one page")
    check("612 x 792 pts (letter)" in info, f"{label}: not US Letter")
    for key in ("Title", "Author", "Subject", "CreationDate"):
        check(re.search(rf"^{key}:\s+\S", info, re.M), f"{label}: pdfinfo has no {key}")
    fonts = run(["pdffonts", pdf]).stdout.splitlines()[2:]
    check(len(fonts) >= 1, f"{label}: no fonts")
    for line in fonts:
        cols = line.split()
        # name type... emb sub uni object ID: emb is the 5th column from the end
        check(cols[-5] == "yes", f"{label}: font not embedded: {line}")
        check(cols[-3] == "yes", f"{label}: font has no Unicode map: {line}")
    text = pdf_text(pdf)
    p = case["patient"]
    wanted = [p["name"], p["dob"], p["member_id"], squash(case["denial"]["reason"])]
    wanted += [d["icd10"] for d in case["diagnoses"]]
    wanted += [s["code"] for s in case["services"]]
    for c in case.get("policy", {}).get("criteria", []):
        # the brief clips a long criterion visibly ("…"); the LOMN prints it whole
        t = squash(c["text"])
        wanted.append(t if len(t) <= 72 else " ".join(t.split()[:5]))
    for w in wanted:
        check(w in text, f"{label}: pdftotext lacks {w!r}")
    return text


with tempfile.TemporaryDirectory() as tmp:
    env = dict(os.environ, SOURCE_DATE_EPOCH="1795435200")  # 2026-11-23T12:00:00Z
    samples = sorted(glob.glob(os.path.join(ROOT, "samples", "*.json")))
    check(len(samples) >= 6, f"only {len(samples)} samples")

    # every sample, in one run, twice: output must be byte-identical
    outs = [os.path.join(tmp, "a"), os.path.join(tmp, "b")]
    for out in outs:
        r = run([BIN, "generate", *samples, "--out", out], env=env)
        check(r.returncode == 0, f"generate exit {r.returncode}: {r.stderr}")
        check(f"generated {len(samples)} ok, 0 failed" in r.stdout, f"summary line: {r.stdout}")
    for path in samples:
        case = json.load(open(path, encoding="utf-8"))
        cid = case["case_id"]
        label = os.path.basename(path)
        pdf_a = os.path.join(outs[0], cid, "brief.pdf")
        if not check(os.path.isfile(pdf_a), f"{label}: no brief.pdf"):
            continue
        check_pdf(pdf_a, case, label)
        a = open(pdf_a, "rb").read()
        b = open(os.path.join(outs[1], cid, "brief.pdf"), "rb").read()
        check(a == b, f"{label}: two runs with SOURCE_DATE_EPOCH differ")
        check(len(a) <= 30 * 1024, f"{label}: brief is {len(a)} bytes, over the 30 KB budget")
        man = json.load(open(os.path.join(outs[0], cid, "manifest.json")))
        doc = man["documents"][0]
        check(doc["kind"] == "brief" and doc["pages"] == 1 and doc["bytes"] == len(a), f"{label}: manifest {doc}")
        import hashlib
        check(doc["sha256"] == hashlib.sha256(a).hexdigest(), f"{label}: manifest sha256")
        check(doc["template"].startswith("templates/brief/"), f"{label}: manifest template {doc['template']}")
        leftovers = [f for f in os.listdir(os.path.join(outs[0], cid)) if ".tmp-" in f]
        check(not leftovers, f"{label}: temporary files left: {leftovers}")

    # values are text, never markup: a hostile name prints exactly as given
    case = json.load(open(samples[0], encoding="utf-8"))
    tricky = "**Bob** {{x}} <i> Núñez Ødegaard Zoë | _a_"
    case["patient"]["name"] = tricky
    case["case_id"] = "ESCAPE-1"
    path = os.path.join(tmp, "escape.json")
    json.dump(case, open(path, "w", encoding="utf-8"), ensure_ascii=False)
    r = run([BIN, "generate", path, "--out", os.path.join(tmp, "esc")], env=env)
    check(r.returncode == 0, f"escape case: exit {r.returncode} {r.stderr}")
    text = pdf_text(os.path.join(tmp, "esc", "ESCAPE-1", "brief.pdf"))
    check(tricky in text, f"escape case: pdftotext lacks {tricky!r}")

    # a case from stdin
    with open(samples[0], "rb") as f:
        r = subprocess.run([BIN, "generate", "-", "--out", os.path.join(tmp, "stdin")], stdin=f, capture_output=True, env=env)
    cid = json.load(open(samples[0]))["case_id"]
    check(r.returncode == 0 and os.path.isfile(os.path.join(tmp, "stdin", cid, "brief.pdf")), "generate - (stdin) failed")

    # --help on every command
    for args in ([], ["generate"], ["validate"]):
        r = run([BIN, *args, "--help"])
        check(r.returncode == 0 and "Usage" in r.stdout, f"--help for {args}: {r.returncode}")

finish("all samples passed every check")
