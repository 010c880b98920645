#!/usr/bin/env python3
"""End-to-end: deadlines and law on the printed documents (issue 9).
- the appeal cover letter and LOMN of a Medicare Advantage case cite the MA
  appeal rule (42 CFR 422) and not the prior-authorization decision time
  (CMS-0057-F, "7 calendar days"); Medicaid, marketplace and FEHB cases cite
  their own appeal rule;
- a denial on Tue 2026-11-10 gives "request P2P by Fri Nov 13" (Veterans
  Day is a payer business day), shown on the brief as the next deadline;
- once that window has passed with nothing scheduled, the brief says the
  window closed and does not ask to request the P2P by that date.

usage: check_law.py P2PDOC_BINARY REPO_ROOT
"""
import copy
import json
import os
import sys
import tempfile

from e2e import check, finish, pdf_text, run

BIN, ROOT = sys.argv[1], sys.argv[2]
NOV_11 = "1794398400"   # 2026-11-11T12:00:00Z
NOV_23 = "1795435200"   # 2026-11-23T12:00:00Z


def generate(case, out, epoch):
    path = out + ".json"
    json.dump(case, open(path, "w", encoding="utf-8"), ensure_ascii=False)
    r = run([BIN, "generate", path, "--out", out], env=dict(os.environ, SOURCE_DATE_EPOCH=epoch))
    check(r.returncode == 0, f"generate {case['case_id']}: exit {r.returncode}: {r.stderr[-400:]}")
    folder = os.path.join(out, case["case_id"])
    return {f: pdf_text(os.path.join(folder, f)) for f in ("brief.pdf", "lomn.pdf", "appeal-cover.pdf")}


def sample(name):
    return json.load(open(os.path.join(ROOT, "samples", name), encoding="utf-8"))


with tempfile.TemporaryDirectory() as tmp:
    ma = sample("humana-ma-pembrolizumab.json")
    texts = generate(ma, os.path.join(tmp, "ma"), NOV_23)
    letters = texts["appeal-cover.pdf"] + " " + texts["lomn.pdf"]
    check("42 CFR 422.582" in texts["appeal-cover.pdf"], "MA appeal cover: 42 CFR 422.582 not cited")
    check("42 CFR 422.590" in letters or "422.584 and 422.590" in letters, "MA letters: 42 CFR 422.590 not cited")
    for wrong in ("CMS-0057-F", "7 calendar days", "prior authorization requests within"):
        check(wrong not in letters, f"MA letters: prior-authorization decision rule cited in the appeal ({wrong!r})")
    check("2560.503-1" not in letters, "MA letters: ERISA cited")

    # The same case under other plan types: each gets its own appeal rule.
    for plan, cite in (("medicaid_managed_care", "42 CFR 438.402"), ("aca_marketplace", "45 CFR 147.136"),
                       ("fehb", "5 CFR 890.105"), ("erisa", "29 CFR 2560.503-1")):
        case = copy.deepcopy(ma)
        case["payer"]["plan_type"] = plan
        case["case_id"] = "LAW-" + plan.upper().replace("_", "-")
        t = generate(case, os.path.join(tmp, plan), NOV_23)
        check(cite in t["appeal-cover.pdf"], f"{plan}: appeal cover does not cite {cite}")
        check("CMS-0057-F" not in t["appeal-cover.pdf"] + t["lomn.pdf"], f"{plan}: CMS-0057-F cited in an appeal letter")
        if plan != "medicare_advantage":
            check("42 CFR 422" not in t["appeal-cover.pdf"], f"{plan}: Medicare Advantage rule cited")

    # Issue 9 regression: Tue Nov 10 + 3 business days = Fri Nov 13.
    early = sample("uhc-lumbar-mri.json")
    early["case_id"] = "LAW-NOV10"
    early["denial"]["date"] = "2026-11-10"
    early.pop("p2p", None)
    early.pop("call", None)
    early["urgent"] = False
    brief = generate(early, os.path.join(tmp, "open"), NOV_11)["brief.pdf"]
    check("next: request P2P by Fri Nov 13, 2026" in brief, f"brief (today Nov 11): P2P not due Fri Nov 13: {brief[:600]}")
    check("Nov 16" not in brief, "brief: a Nov 16 date (Veterans Day skipped)")

    # Today Nov 23: the window closed with nothing scheduled.
    brief = generate(early, os.path.join(tmp, "closed"), NOV_23)["brief.pdf"]
    check("P2P window closed Fri Nov 13, 2026" in brief, f"brief (today Nov 23): closed window not said: {brief[:600]}")
    check("request P2P by" not in brief, "brief (today Nov 23): closed window printed as open")

finish("law and deadlines: ok")
