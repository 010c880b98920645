#!/usr/bin/env python3
"""End-to-end, issue 9 "evidence that fits the case": library suggestions
reach only the brief and the notice (marked for review), never the letters
to the payer, until the case accepts them; a reference is listed once; an
unknown citation key is a warning that names the close key, the packet is
still written and the notice lists it; --strict makes it fatal; a key
problem is reported in the same run as every other error.

usage: check_evidence.py P2PDOC_BINARY REPO_ROOT
"""
import copy
import json
import os
import sys
import tempfile

from e2e import check, finish, run
from e2e import pdf_text

BIN, ROOT = sys.argv[1], sys.argv[2]
ENV = dict(os.environ, SOURCE_DATE_EPOCH="1795435200")
ACR_TITLE = "ACR Appropriateness Criteria: Low Back Pain, 2021 Update"
SPORT_POINT = "Enrolled surgical candidates"  # start of the SPORT entry's point

base = json.load(open(os.path.join(ROOT, "samples", "uhc-lumbar-mri.json"), encoding="utf-8"))


def variant(case_id, citations, **changes):
    case = copy.deepcopy(base)
    case["case_id"] = case_id
    case["citations"] = citations
    for key, value in changes.items():
        case[key] = value
    return case


def generate(tmp, case, *flags):
    path = os.path.join(tmp, case["case_id"] + ".json")
    json.dump(case, open(path, "w", encoding="utf-8"), ensure_ascii=False)
    out = os.path.join(tmp, "out")
    return run([BIN, "generate", path, "--out", out, *flags], env=ENV), os.path.join(out, case["case_id"])


def texts(folder):
    t = {f: pdf_text(os.path.join(folder, f)) for f in ["brief.pdf", "lomn.pdf", "appeal-cover.pdf"]}
    t["notice"] = open(os.path.join(folder, "notice.txt"), encoding="utf-8").read()
    return t


with tempfile.TemporaryDirectory() as tmp:
    # the diagnosis fits (M51.16) but the service does not: no suggestion anywhere
    r, folder = generate(tmp, variant("EV-SVC", [], services=[
        {"code": "81479", "system": "CPT", "description": "Unlisted molecular pathology procedure"}]))
    check(r.returncode == 0, f"EV-SVC: exit {r.returncode}: {r.stderr[-400:]}")
    if r.returncode == 0:
        t = texts(folder)
        for doc, text in t.items():
            check("Appropriateness Criteria" not in text and "For review" not in text and "FOR REVIEW" not in text,
                  f"EV-SVC {doc}: a suggestion for a service the entry does not cover")

    # diagnosis and service fit: suggested for review on brief and notice, not in the letters
    r, folder = generate(tmp, variant("EV-SUG", []))
    check(r.returncode == 0, f"EV-SUG: exit {r.returncode}: {r.stderr[-400:]}")
    if r.returncode == 0:
        t = texts(folder)
        check("For review" in t["brief.pdf"] and "Appropriateness Criteria" in t["brief.pdf"],
              "EV-SUG brief: the fitting library entry is not suggested for review")
        check("FOR REVIEW" in t["notice"] and "acr-low-back-pain-2021" in t["notice"],
              "EV-SUG notice: the suggestion is not listed for review with its key")
        for doc in ["lomn.pdf", "appeal-cover.pdf"]:
            check("Appropriateness Criteria" not in t[doc] and "ACR" not in t[doc] and SPORT_POINT not in t[doc],
                  f"EV-SUG {doc}: a suggestion the case did not accept reaches the payer")

    # accepted (the key listed in the case's citations): in the LOMN like any citation
    r, folder = generate(tmp, variant("EV-ACC", ["acr-low-back-pain-2021"]))
    check(r.returncode == 0, f"EV-ACC: exit {r.returncode}: {r.stderr[-400:]}")
    if r.returncode == 0:
        t = texts(folder)
        check(ACR_TITLE.split(":")[0] in t["lomn.pdf"], "EV-ACC lomn: the accepted citation is missing")
        check("For review" not in t["brief.pdf"] or "acr-low-back-pain-2021" not in t["brief.pdf"],
              "EV-ACC brief: an accepted citation still marked for review")

    # the same reference twice (library key and an object with the same DOI, in capitals and as a URL)
    sport_obj = {"kind": "study", "source": "JAMA", "title": "SPORT, as typed by the practice", "year": 2006,
                 "doi": "10.1001/JAMA.296.20.2441", "point": "Typed by hand."}
    r, folder = generate(tmp, variant("EV-DUP", ["sport-ldh-rct-jama-2006", sport_obj, "acr-low-back-pain-2021"]))
    check(r.returncode == 0, f"EV-DUP: exit {r.returncode}: {r.stderr[-400:]}")
    if r.returncode == 0:
        lomn = pdf_text(os.path.join(folder, "lomn.pdf"))
        n = lomn.count("doi:10.1001/jama.296.20.2441")
        check(n == 1, f"EV-DUP lomn: the DOI-duplicate is listed {n} times, not once")
        check("as typed by the practice" not in lomn, "EV-DUP lomn: the second copy of a reference is printed")

    # an unknown key: exit 0, a warning naming the close key, the notice lists it
    short = variant("EV-KEY", ["acr-low-back", "sport-ldh-rct-jama-2006"])
    r, folder = generate(tmp, short)
    check(r.returncode == 0, f"EV-KEY: exit {r.returncode}, not 0: {r.stderr[-400:]}")
    check("/citations/0" in r.stderr and "acr-low-back-pain-2021" in r.stderr,
          f"EV-KEY: the warning does not name the path and the close key: {r.stderr[-400:]}")
    if r.returncode == 0:
        notice = open(os.path.join(folder, "notice.txt"), encoding="utf-8").read()
        check("acr-low-back" in notice and "acr-low-back-pain-2021" in notice and "NOT IN THE PACKET" in notice,
              "EV-KEY notice: the unknown key and its close key are not listed")
        check("Appropriateness" not in pdf_text(os.path.join(folder, "lomn.pdf")),
              "EV-KEY lomn: the unknown key was replaced by a guess")

    # --strict: the same case fails, nothing written
    short["case_id"] = "EV-STRICT"
    r, folder = generate(tmp, short, "--strict")
    check(r.returncode == 2, f"EV-STRICT: exit {r.returncode}, not 2")
    check(not os.path.exists(folder), "EV-STRICT: a packet was written")

    # an unknown key plus another error: both reported in the one run
    both = variant("EV-BOTH", ["acr-low-back"])
    both["denial"] = dict(both["denial"], date="2026-13-01")
    r, folder = generate(tmp, both)
    check(r.returncode == 2, f"EV-BOTH: exit {r.returncode}, not 2")
    check("/denial/date" in r.stderr and "/citations/0" in r.stderr and "acr-low-back-pain-2021" in r.stderr,
          f"EV-BOTH: not every problem reported in one run: {r.stderr[-600:]}")

finish("evidence: suggestions fit diagnosis and service, stay out of the letters; keys warn with the close key")
