#!/usr/bin/env python3
"""End-to-end: what the packet claims, read back from the PDFs with pdftotext
and from notice.txt, on every sample and on small variants of one sample (no
criteria, all met, one not_met, one unknown; no call, a call of each
disposition with and without objections). docs/claims.md lists the claims and
the invariants checked here.

usage: check_claims.py P2PDOC_BINARY REPO_ROOT
"""
import copy
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

from e2e import check, finish, run
from e2e import pdf_text

BIN, ROOT = sys.argv[1], sys.argv[2]
ENV = dict(os.environ, SOURCE_DATE_EPOCH="1795435200")  # 2026-11-23
PDFS = ["brief.pdf", "p2p-script.pdf", "lomn.pdf", "appeal-cover.pdf", "post-call.pdf"]


def generate(cases, out):
    paths = []
    os.makedirs(out + "-in", exist_ok=True)
    for case in cases:
        p = os.path.join(out + "-in", case["case_id"] + ".json")
        json.dump(case, open(p, "w", encoding="utf-8"), ensure_ascii=False)
        paths.append(p)
    r = run([BIN, "generate", *paths, "--out", out], env=ENV)
    check(r.returncode == 0, f"generate: exit {r.returncode}: {r.stderr[-500:]}")


def packet(out, cid):
    texts = {f: pdf_text(os.path.join(out, cid, f)) for f in PDFS}
    texts["notice.txt"] = open(os.path.join(out, cid, "notice.txt"), encoding="utf-8").read()
    return texts


def ticked(pdf):
    out = run(["pdftk", pdf, "dump_data_fields_utf8"]).stdout
    names = []
    for block in out.split("---"):
        name = re.search(r"^FieldName: (.*)$", block, re.M)
        value = re.search(r"^FieldValue: (.*)$", block, re.M)
        if name and value and value.group(1) == "Yes":
            names.append(name.group(1))
    return names


def pages(pdf):
    m = re.search(r"^Pages:\s+(\d+)", run(["pdfinfo", pdf]).stdout, re.M)
    return int(m.group(1)) if m else 0


def check_invariants(label, case, texts, out):
    for f, t in texts.items():
        for bad in ("{{", "}}", "null", "<mark>"):
            check(bad not in t, f"{label}/{f}: prints {bad!r}")
        check(not re.search(r"[^.]\.\.(?!\.)", t), f"{label}/{f}: doubled period")
        check(not re.search(r"(Phone|Reviewer|When):\s*(\n|$)", t), f"{label}/{f}: empty label")
    for f in ("lomn.pdf", "appeal-cover.pdf"):
        note = re.search(r"\[[^\]]*\b(delete|before|confirm|add|list|remove|suggested|explain)\b[^\]]*\]", texts[f], re.I)
        check(not note, f"{label}/{f}: a bracketed editing note {note.group(0) if note else ''!r}")
        check("should confirm" not in texts[f] and "the call should" not in texts[f].lower(),
              f"{label}/{f}: advice to the physician in a letter to the payer")
    brief = texts["brief.pdf"]
    for d in case["diagnoses"]:
        check(d["icd10"] in brief, f"{label}/brief: lacks diagnosis {d['icd10']}")
    for s in case["services"]:
        check(s["code"] in brief, f"{label}/brief: lacks service {s['code']}")
    for f in ("brief.pdf", "p2p-script.pdf", "appeal-cover.pdf"):
        check(pages(os.path.join(out, case["case_id"], f)) == 1, f"{label}/{f}: not one page")
    if not case.get("call"):
        check(ticked(os.path.join(out, case["case_id"], "post-call.pdf")) == [], f"{label}: boxes ticked before the call")
    statuses = [c["status"] for c in case.get("policy", {}).get("criteria", [])]
    all_met = bool(statuses) and all(s == "met" for s in statuses)
    for f in ("p2p-script.pdf", "notice.txt"):
        says = "meets every criterion" in texts[f] or "Every criterion" in texts[f] or \
            re.search(r"All \d+ criteria are met", texts[f]) is not None
        check(all_met or not says, f"{label}/{f}: says every criterion is met, criteria {statuses}")
        if not case.get("call"):
            check(says == all_met, f"{label}/{f}: 'every criterion met' is {says}, criteria {statuses}")
    check("answered the rest" not in texts["p2p-script.pdf"], f"{label}/script: 'answered the rest'")
    check("did not accept" not in texts["appeal-cover.pdf"], f"{label}/cover: 'did not accept'")


with tempfile.TemporaryDirectory() as tmp:
    samples = [json.load(open(p, encoding="utf-8")) for p in sorted(glob.glob(os.path.join(ROOT, "samples", "*.json")))]
    out = os.path.join(tmp, "samples")
    generate(samples, out)
    for case in samples:
        check_invariants(case["case_id"], case, packet(out, case["case_id"]), out)

    base = next(c for c in samples if c["case_id"] == "RSP-2026-00417")  # UHC lumbar MRI
    variants = {}

    def variant(name, edit):
        v = copy.deepcopy(base)
        v["case_id"] = "CLAIM-" + name
        edit(v)
        variants[v["case_id"]] = v

    def statuses(*ss):
        def edit(v):
            v["policy"]["criteria"] = [{"id": chr(65 + i), "text": f"Criterion {i}", "status": s,
                                        "evidence": f"Fact {i}.", "source": f"Office note 2026-11-0{i + 1}"}
                                       for i, s in enumerate(ss)]
        return edit

    variant("none", lambda v: v.pop("policy"))
    variant("all-met", statuses("met", "met", "met", "met"))
    variant("not-met", statuses("met", "met", "met", "not_met"))
    variant("unknown", statuses("met", "met", "met", "unknown"))
    variant("no-phone", lambda v: (v["p2p"].pop("phone"), v["payer"].pop("p2p_phone", None)))
    for disp in ("overturned", "upheld", "deferred", "modified"):
        for obj in (False, True):
            def edit(v, disp=disp, obj=obj):
                v["call"] = {"started": "2026-11-20T10:35:00-05:00", "duration_minutes": 14,
                             "reviewer": {"name": "L. Ortiz", "credentials": "MD", "specialty": "Orthopaedic spine surgery"},
                             "points_discussed": ["Ankle dorsiflexion 4/5, down from 5/5"],
                             "reviewer_reasoning": "PT records were not received.", "disposition": disp}
                if disp in ("overturned", "modified"):
                    v["call"]["auth_number"] = "AUTH-77"
                if obj:
                    v["call"]["objections"] = ["Reviewer refused to consider the PT records offered"]
            variant(f"{disp}-{'obj' if obj else 'noobj'}", edit)
    vout = os.path.join(tmp, "variants")
    generate(list(variants.values()), vout)
    for cid, case in variants.items():
        t = packet(vout, cid)
        check_invariants(cid, case, t, vout)
        call = case.get("call")
        form = os.path.join(vout, cid, "post-call.pdf")
        if not call:
            continue
        boxes = ticked(form)
        check("disposition_" + call["disposition"] in boxes, f"{cid}: disposition not ticked {boxes}")
        check("objection_non_specialty" not in boxes, f"{cid}: non-specialty ticked, call's reviewer is a spine surgeon")
        check(("objection_new_evidence" in boxes) == bool(call.get("objections")), f"{cid}: objection boxes {boxes}")
        cover, lomn, notice = t["appeal-cover.pdf"], t["lomn.pdf"], t["notice.txt"]
        open_ = call["disposition"] != "overturned"
        check(("I object to how the review was conducted" in cover) == (bool(call.get("objections")) and open_),
              f"{cid}/cover: objection paragraph")
        check(("answered below" in lomn) == open_, f"{cid}/lomn: 'answered below'")
        check(("PT records were not received" in lomn) == open_, f"{cid}/lomn: the reviewer's reasoning")
        check(("AUTH-77" in lomn) == (call["disposition"] in ("modified", "overturned")), f"{cid}/lomn: the authorization number")
        check(("does not cover:" in lomn) == (call["disposition"] == "modified"), f"{cid}/lomn: appeals only what is still denied")
        check("is scheduled for you" not in notice and "within 24 hours" in notice, f"{cid}/notice: stale after the call")
    none = packet(vout, "CLAIM-none")
    check("meets every criterion" not in none["p2p-script.pdf"], "no criteria: script claims every criterion")
    nophone = packet(vout, "CLAIM-no-phone")["notice.txt"]
    check("Phone:" not in nophone, "no phone: the notice prints 'Phone:'")

finish(f"{len(samples)} samples and {len(variants)} variants: every claim backed by its data")
