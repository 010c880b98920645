#!/usr/bin/env python3
"""End-to-end: the whole packet of every sample, checked with the real tools
(qpdf, pdfinfo, pdffonts, pdftotext, pdftk), plus the visible effect of the
plan type, state, denial type and payer on the documents.

usage: check_packet.py P2PDOC_BINARY REPO_ROOT
"""
import copy
import glob
import json
import os
import re
import sys
import tempfile

from e2e import check, finish, run
from e2e import pdf_text as text_of

BIN, ROOT = sys.argv[1], sys.argv[2]
PDFS = ["brief.pdf", "p2p-script.pdf", "lomn.pdf", "appeal-cover.pdf", "post-call.pdf"]
ENV = dict(os.environ, SOURCE_DATE_EPOCH="1795435200")


def pages_of(pdf):
    m = re.search(r"^Pages:\s+(\d+)", run(["pdfinfo", pdf]).stdout, re.M)
    return int(m.group(1)) if m else 0


def fields_of(pdf):
    out = run(["pdftk", pdf, "dump_data_fields_utf8"]).stdout
    fields = {}
    for block in out.split("---"):
        name = re.search(r"^FieldName: (.*)$", block, re.M)
        if name:
            ftype = re.search(r"^FieldType: (.*)$", block, re.M)
            value = re.search(r"^FieldValue: (.*)$", block, re.M)
            fields[name.group(1)] = (ftype.group(1) if ftype else "", value.group(1) if value else "")
    return fields


def generate(cases, out):
    paths = []
    for i, case in enumerate(cases):
        p = os.path.join(out + "-in", f"{i}.json")
        os.makedirs(os.path.dirname(p), exist_ok=True)
        json.dump(case, open(p, "w", encoding="utf-8"), ensure_ascii=False)
        paths.append(p)
    r = run([BIN, "generate", *paths, "--out", out], env=ENV)
    check(r.returncode == 0, f"generate: exit {r.returncode}: {r.stderr[-500:]}")
    return r


def packet_text(out, case_id):
    return {f: text_of(os.path.join(out, case_id, f)) for f in PDFS}


with tempfile.TemporaryDirectory() as tmp:
    samples = {os.path.basename(p): json.load(open(p, encoding="utf-8"))
               for p in sorted(glob.glob(os.path.join(ROOT, "samples", "*.json")))}
    out = os.path.join(tmp, "all")
    generate(list(samples.values()), out)

    for label, case in samples.items():
        cid = case["case_id"]
        folder = os.path.join(out, cid)
        names = sorted(os.listdir(folder)) if os.path.isdir(folder) else []
        check(names == sorted(PDFS + ["notice.txt", "manifest.json", "case.json"]), f"{label}: files {names}")
        if len(names) < 7:
            continue
        man = json.load(open(os.path.join(folder, "manifest.json")))
        check([d["file"] for d in man["documents"]] == PDFS + ["notice.txt"], f"{label}: manifest order")
        for d in man["documents"]:
            cands = d["template_candidates"]
            check(1 <= len(cands) <= 4 and d["template"] == "templates/" + cands[-1]
                  and d["template"].startswith("templates/" + d["kind"] + "/"),
                  f"{label}: manifest template for {d['kind']}: {d['template']} {cands}")
        texts = {}
        for f in PDFS:
            pdf = os.path.join(folder, f)
            q = run(["qpdf", "--check", pdf])
            check(q.returncode == 0 and "No syntax or stream encoding errors" in q.stdout, f"{label}/{f}: qpdf --check")
            check("612 x 792 pts (letter)" in run(["pdfinfo", pdf]).stdout, f"{label}/{f}: not Letter")
            for line in run(["pdffonts", pdf]).stdout.splitlines()[2:]:
                check(line.split()[-5] == "yes", f"{label}/{f}: font not embedded: {line}")
            texts[f] = text_of(pdf)
            check(case["patient"]["name"] in texts[f], f"{label}/{f}: lacks the patient's name")
        check(pages_of(os.path.join(folder, "brief.pdf")) == 1, f"{label}: brief not one page")
        check(pages_of(os.path.join(folder, "p2p-script.pdf")) == 1, f"{label}: script not one page")
        lomn = texts["lomn.pdf"]
        for needle in [case["patient"]["dob"], case["patient"]["member_id"], "Page 1 of", "DRAFT"] + \
                [s["code"] for s in case["services"]] + [d["icd10"] for d in case["diagnoses"]]:
            check(needle in lomn, f"{label}/lomn: lacks {needle!r}")
        if case["physician"].get("npi"):
            check(case["physician"]["npi"] in lomn, f"{label}/lomn: lacks the physician's NPI")

        # law: ERISA only for erisa plans, a state's law only for that state
        letters = lomn + texts["appeal-cover.pdf"]
        plan, state = case["payer"]["plan_type"], case["payer"]["state"]
        check(("2560.503-1" in letters) == (plan == "erisa"), f"{label}: ERISA cited={('2560.503-1' in letters)} for plan {plan}")
        state_law = {"NY": "4903", "TX": "19.1710", "CA": "1367.01"}
        for st, cite in state_law.items():
            if cite in letters:
                check(st == state and plan in ("state_regulated", "aca_marketplace"),
                      f"{label}: cites {cite} ({st} law) for a {plan} plan in {state}")

        # expedited handling (urgent, concurrent review, level of care): 72 hours everywhere
        if case.get("urgent") or case["denial"]["type"] in ("concurrent_review", "level_of_care"):
            for f in ("brief.pdf", "p2p-script.pdf", "lomn.pdf", "appeal-cover.pdf"):
                check("72 hours" in texts[f], f"{label}/{f}: expedited case without the 72-hour timeline")

        fields = fields_of(os.path.join(folder, "post-call.pdf"))
        check(len(fields) >= 15, f"{label}/post-call: only {len(fields)} fields")
        check(sum(1 for t, _ in fields.values() if t == "Button") >= 8, f"{label}/post-call: too few checkboxes")
        if case.get("call", {}).get("disposition"):
            ticked = [n for n, (t, v) in fields.items() if t == "Button" and v == "Yes"]
            check(any(case["call"]["disposition"] in n for n in ticked),
                  f"{label}/post-call: disposition {case['call']['disposition']} not ticked ({ticked})")

        notice = open(os.path.join(folder, "notice.txt"), encoding="utf-8").read()
        subject = "Subject: P2P held, " if case.get("call") else "Subject: P2P scheduled: "
        check(notice.startswith(subject), f"{label}/notice: subject line {notice.splitlines()[0]!r}")
        check(case["patient"]["name"] in notice.splitlines()[0], f"{label}/notice: subject lacks the patient")
        where = "post-call.pdf" if case.get("call") else "brief.pdf"  # after the call, the record is what to read
        check(where in notice, f"{label}/notice: does not say where {where} is")

    # the denial type and the payer visibly change the documents
    base = samples.get("uhc-lumbar-mri.json") or next(iter(samples.values()))
    variants = []
    for dtype in ("out_of_network", "experimental_investigational", "insufficient_documentation"):
        v = copy.deepcopy(base)
        v["case_id"] = "VAR-" + dtype
        v["denial"]["type"] = dtype
        variants.append(v)
    cig = copy.deepcopy(base)
    cig["case_id"] = "VAR-cigna"
    cig["payer"]["id"] = "cigna"
    cig["payer"]["name"] = "Cigna Healthcare"
    variants.append(cig)
    vout = os.path.join(tmp, "variants")
    generate(variants, vout)
    oon = packet_text(vout, "VAR-out_of_network")
    check("unlikely to help" in oon["brief.pdf"], "out_of_network: the brief does not say a P2P is unlikely to help")
    check("unlikely to help" in oon["p2p-script.pdf"], "out_of_network: the script does not say a P2P is unlikely to help")
    ei = packet_text(vout, "VAR-experimental_investigational")
    idoc = packet_text(vout, "VAR-insufficient_documentation")
    check(ei["lomn.pdf"] != idoc["lomn.pdf"], "experimental vs insufficient documentation: same LOMN text")
    enclosure = next((c.get("source") for c in base.get("policy", {}).get("criteria", []) if c.get("source")), None)
    if enclosure:
        check(enclosure in idoc["lomn.pdf"], f"insufficient_documentation: LOMN does not list the enclosure {enclosure!r}")
    man_u = json.load(open(os.path.join(vout, "VAR-insufficient_documentation", "manifest.json")))
    man_c = json.load(open(os.path.join(vout, "VAR-cigna", "manifest.json")))
    tpl = lambda m: {d["kind"]: d["template"] for d in m["documents"]}
    check(tpl(man_u) != tpl(man_c), "swapping the payer to cigna changed no template choice")
    check(packet_text(vout, "VAR-cigna")["p2p-script.pdf"] != idoc["p2p-script.pdf"], "cigna script is the same as uhc's")

finish(f"{len(samples)} packets and 4 variants passed every check")
