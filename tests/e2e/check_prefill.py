"""`p2pdoc import pas --clinical` end to end: a real PAS denial (the IG's
rejection example) beside a real Synthea patient bundle. The PAS example's
Patient and diagnosis are toy data of another person, so the test first
checks that this combination is refused (nothing written), then gives the
denial to the Synthea patient (name, birth date, ICD-10-CM M17.11 for the
osteoarthritis of the knee the bundle records) and checks the draft field by
field, validate's warnings, and, once a person has filled the gaps, the
brief's text (pdftotext): every proposed line visibly marked, with its
source; accepting the lines (deleting "proposed") removes the marks.

usage: check_prefill.py P2PDOC SOURCE_ROOT"""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from e2e import check, finish, pdf_text, run  # noqa: E402

p2pdoc, root = sys.argv[1], sys.argv[2]
data = os.path.join(root, "tests", "fhir", "data")
response = os.path.join(data, "Bundle-RejectionResponseBundleExample.json")
synthea = os.path.join(data, "synthea-Chauncey_Johnston.json")
env = dict(os.environ, SOURCE_DATE_EPOCH="1796083200")  # 2026-12-01

with tempfile.TemporaryDirectory() as tmp:
    # 1. Another patient's record: refused, nothing written.
    out = os.path.join(tmp, "refused.json")
    r = run([p2pdoc, "import", "pas", response, "--clinical", synthea, "-o", out], env=env)
    check(r.returncode == 2, f"another patient's record: exit {r.returncode}, expected 2\n{r.stdout}{r.stderr}")
    check("another family name" in r.stderr and "nothing written" in r.stderr, f"refusal message: {r.stderr}")
    check(not os.path.exists(out), "a draft was written beside another patient's record")

    # 2. The same denial for the Synthea patient.
    bundle = json.load(open(response, encoding="utf-8"))
    for e in bundle["entry"]:
        res = e["resource"]
        if res["resourceType"] == "Patient":
            res["name"] = [{"family": "Johnston", "given": ["Chauncey"]}]
            res["birthDate"] = "1975-10-12"
        if res["resourceType"] == "Claim":
            res["diagnosis"][0]["diagnosisCodeableConcept"]["coding"][0]["code"] = "M17.11"
    own = os.path.join(tmp, "response.json")
    json.dump(bundle, open(own, "w", encoding="utf-8"))
    draft = os.path.join(tmp, "draft.json")
    r = run([p2pdoc, "import", "pas", own, "--clinical", synthea, "-o", draft], env=env)
    check(r.returncode == 0, f"pre-fill: exit {r.returncode}\n{r.stdout}{r.stderr}")
    check("(90 resources): 2 treatment(s), 0 finding(s), a functional score" in r.stdout, f"summary line: {r.stdout}")
    check("not proposed: 2 Procedure with no reason" in r.stderr, f"the left-out lines are named: {r.stderr}")
    doc = json.load(open(draft, encoding="utf-8"))
    t = doc["clinical"]["prior_treatments"]
    check(len(t) == 2, f"two treatments: {t}")
    expected = [
        {"treatment": "Naproxen sodium 220 MG Oral Tablet", "start": "2011-10-03",
         "outcome": "Pain 0-10 7.93/10 (2011-10-03) to 2.452/10 (2020-02-23)",
         "source": "MedicationRequest/e7e8a88c-cb4d-4b99-8a7f-c400085af98e", "proposed": True},
        {"treatment": "Musculoskeletal care: Joint mobility exercises, Heat therapy", "start": "2011-10-03",
         "outcome": "Pain 0-10 7.93/10 (2011-10-03) to 2.452/10 (2020-02-23)",
         "source": "CarePlan/b129e2da-3684-47f1-b272-2a108714fb82", "proposed": True},
    ]
    for i, want in enumerate(expected):
        for key, value in want.items():
            got = t[i].get(key) if i < len(t) else None
            check(got == value, f"prior_treatments[{i}].{key}: {got!r}, expected {value!r}")
        check(i >= len(t) or "end" not in t[i], f"prior_treatments[{i}] is active in the record: no end")
    score = doc["clinical"].get("functional_score", {})
    for key, value in {"measure": "Pain 0-10", "score": "2.452/10", "date": "2020-02-23",
                       "source": "Observation/0e8f63e6-0d92-40db-ba60-13c59063d373", "proposed": True}.items():
        check(score.get(key) == value, f"functional_score.{key}: {score.get(key)!r}, expected {value!r}")
    gaps = [g["path"] for g in doc["draft"]["to_complete"]]
    check("/clinical/prior_treatments" not in gaps and "/clinical/summary" in gaps, f"gaps: {gaps}")
    check(doc["draft"]["prefill"] == {"resources": 90, "treatments": 2, "findings": 0, "functional_score": True},
          f"draft.prefill: {doc['draft'].get('prefill')}")

    r = run([p2pdoc, "validate", draft], env=env)
    check(r.returncode == 3, f"validate on the pre-filled draft: exit {r.returncode}, expected 3\n{r.stdout}{r.stderr}")
    check(r.stderr.count("not yet checked by a person") == 3, f"one warning per proposed line: {r.stderr}")

    # 3. A person fills the gaps but has not yet checked the proposed lines.
    doc["physician"] = {"name": "Dana Reyes, MD", "specialty": "Orthopaedic surgery"}
    doc["patient"]["member_id"] = "MIN-123"
    doc["payer"].update({"id": "maryland-capital", "plan_type": "state_regulated", "state": "MD"})
    doc["denial"].update({"reason": "Conservative care not documented.", "type": "criteria_not_met"})
    doc["diagnoses"][0]["description"] = "Unilateral primary osteoarthritis, right knee"
    doc["services"] = [{"code": "27447", "system": "CPT", "description": "Total knee arthroplasty"}]
    doc["clinical"].update({"summary": "Right knee osteoarthritis since 2011. NSAIDs and exercise for years. Now bone on bone.",
                            "if_upheld": "Progressive loss of walking distance."})
    doc["policy"] = {"name": "Knee arthroplasty"}
    del doc["draft"]
    case = os.path.join(tmp, "case.json")
    json.dump(doc, open(case, "w", encoding="utf-8"))
    r = run([p2pdoc, "validate", case], env=env)
    check(r.returncode == 0, f"validate with proposed lines: exit {r.returncode}, expected 0 (warnings)\n{r.stdout}{r.stderr}")
    check(r.stderr.count("not yet checked by a person") == 3, f"warnings: {r.stderr}")
    r = run([p2pdoc, "validate", "--strict", case], env=env)
    check(r.returncode == 2, f"validate --strict with proposed lines: exit {r.returncode}, expected 2")

    out = os.path.join(tmp, "out")
    r = run([p2pdoc, "generate", case, "--out", out, "--no-ledger"], env=env)
    check(r.returncode == 0, f"generate: exit {r.returncode}\n{r.stdout}{r.stderr}")
    folder = os.path.join(out, doc["case_id"])
    brief = pdf_text(os.path.join(folder, "brief.pdf"))
    check("Lines marked proposed come from the EHR's FHIR record and are not yet checked" in brief, f"brief banner: {brief[:600]}")
    check(brief.count("proposed Naproxen sodium 220 MG Oral Tablet") == 1, f"brief: naproxen line marked: {brief}")
    check("proposed Musculoskeletal care: Joint mobility exercises" in brief, "brief: care plan line marked")
    check("(MedicationRequest/e7e8a88c-cb4d-4b99" in brief, "brief: the treatment's source")
    check("proposed Pain 0-10 2.452/10 (Feb 23, 2020)" in brief, f"brief: the proposed score: {brief[:900]}")
    check("7.93/10 (2011-10-03) to 2.452/10 (2020-02-23)" in brief, "brief: the outcome's numbers and dates")
    lomn = pdf_text(os.path.join(folder, "lomn.pdf"))
    check("proposed, not yet checked: Naproxen sodium" in lomn, "letter: the proposed line is marked")

    # 4. Accepted: the marks go.
    for line in doc["clinical"]["prior_treatments"]:
        del line["proposed"]
    del doc["clinical"]["functional_score"]["proposed"]
    json.dump(doc, open(case, "w", encoding="utf-8"))
    r = run([p2pdoc, "validate", "--strict", case], env=env)
    check(r.returncode == 0, f"validate --strict once accepted: exit {r.returncode}\n{r.stderr}")
    r = run([p2pdoc, "generate", case, "--out", out, "--no-ledger"], env=env)
    brief = pdf_text(os.path.join(folder, "brief.pdf"))
    check("proposed" not in brief, "brief still says proposed after acceptance")
    check("Naproxen sodium 220 MG Oral Tablet" in brief, "brief: the accepted line stays")

finish("prefill: a Synthea bundle proposes treatments, outcome and score with sources, marked until accepted")
