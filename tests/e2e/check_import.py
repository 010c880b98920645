"""`p2pdoc import pas` end to end: every PAS example in tests/fhir/data gives
its exit status and message (0 draft written, 3 approved, 4 pended, 5 error
response, 2 not a response), nothing is written unless a denial arrived, the
draft validates as a draft (exit 3), generate refuses it, and an existing
draft is not overwritten without --force; with --ledger the denial is
recorded once and the case is in the queue.

usage: check_import.py P2PDOC SOURCE_ROOT"""
import json
import os
import re
import sqlite3
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from e2e import check, finish, run  # noqa: E402

p2pdoc, root = sys.argv[1], sys.argv[2]
data = os.path.join(root, "tests", "fhir", "data")

EXPECTED = {
    "Bundle-RejectionResponseBundleExample.json": (0, "denied: "),
    "ClaimResponse-RejectionResponseExample.json": (0, "denied: "),
    "testkit-valid_pa_response_bundle_denial.json": (0, "denied: "),
    "ri-DeniedResponse.json": (0, "denied: "),
    "Bundle-ReferralAuthorizationResponseBundleExample.json": (3, "approved: "),
    "Bundle-ReferralPendingAuthorizationResponseBundleExample.json": (4, "pended: "),
    "ClaimResponse-PractitionerRequestorPendingResponseExample.json": (4, "pended: "),
    "ri-PendedClaimResponse.json": (4, "pended: "),
    "Bundle-ErrorResponseBundleExample.json": (5, "error response: "),
    "Bundle-ReferralAuthorizationBundleExample.json": (2, ""),
    "Bundle-SurgicalRequestBundleExample.json": (2, ""),
}

env = dict(os.environ, SOURCE_DATE_EPOCH="1796083200")  # 2026-12-01
with tempfile.TemporaryDirectory() as tmp:
    for name, (code, start) in sorted(EXPECTED.items()):
        out = os.path.join(tmp, name + ".draft.json")
        r = run([p2pdoc, "import", "pas", os.path.join(data, name), "-o", out], env=env)
        check(r.returncode == code, f"{name}: exit {r.returncode}, expected {code}\n{r.stdout}{r.stderr}")
        check(r.stdout.startswith(start), f"{name}: stdout starts {r.stdout[:60]!r}, expected {start!r}")
        check(os.path.exists(out) == (code == 0), f"{name}: draft written = {os.path.exists(out)}")
        if code == 2:
            check("nothing written" in r.stderr, f"{name}: stderr does not say nothing was written: {r.stderr}")

    # The request beside the response: the draft is fuller, validate says "draft", generate refuses it.
    draft = os.path.join(tmp, "rejection.json")
    r = run([p2pdoc, "import", "pas", os.path.join(data, "Bundle-RejectionResponseBundleExample.json"),
             "--request", os.path.join(data, "Bundle-ReferralAuthorizationBundleExample.json"), "-o", draft], env=env)
    check(r.returncode == 0, f"import with --request: exit {r.returncode}\n{r.stderr}")
    doc = json.load(open(draft, encoding="utf-8"))
    check(doc["patient"]["member_id"] == "1122334455", f"member id from the request's Coverage: {doc['patient']}")
    check(doc["physician"]["name"] == "SUSAN WATSON", f"physician from the request: {doc['physician']}")
    gaps = [g["path"] for g in doc["draft"]["to_complete"]]
    check("/clinical/summary" in gaps and "/denial/type" in gaps, f"gaps: {gaps}")

    r = run([p2pdoc, "validate", draft], env=env)
    check(r.returncode == 3, f"validate on a draft: exit {r.returncode}, expected 3\n{r.stdout}{r.stderr}")
    check(f"{len(gaps)} field(s) to complete" in r.stdout, f"validate's draft line: {r.stdout}")
    check("1 draft(s) to complete" in r.stdout, f"validate's summary: {r.stdout}")

    broken = os.path.join(tmp, "broken.json")
    doc["patient"]["dob"] = "1970-02-30"
    json.dump(doc, open(broken, "w", encoding="utf-8"))
    r = run([p2pdoc, "validate", broken], env=env)
    check(r.returncode == 2, f"validate on a broken draft: exit {r.returncode}, expected 2\n{r.stdout}{r.stderr}")
    check("/patient/dob" in r.stderr and "invalid" in r.stdout, f"broken draft: {r.stdout}{r.stderr}")

    out = os.path.join(tmp, "out")
    r = run([p2pdoc, "generate", draft, "--out", out, "--no-ledger"], env=env)
    check(r.returncode == 2, f"generate on a draft: exit {r.returncode}, expected 2")
    check("/draft: this case is a draft" in r.stderr, f"generate names the draft: {r.stderr}")
    check(not os.path.exists(os.path.join(out, doc["case_id"])), "generate wrote a packet for a draft")

    before = open(draft, encoding="utf-8").read()
    r = run([p2pdoc, "import", "pas", os.path.join(data, "ri-DeniedResponse.json"), "-o", draft], env=env)
    check(r.returncode == 2 and "--force" in r.stderr, f"an existing draft is kept: exit {r.returncode} {r.stderr}")
    check(open(draft, encoding="utf-8").read() == before, "the existing draft changed")
    r = run([p2pdoc, "import", "pas", os.path.join(data, "ri-DeniedResponse.json"), "-o", draft, "--force"], env=env)
    check(r.returncode == 0, f"--force: exit {r.returncode}")

    # With a ledger: denial_received at the denial's time, once, and the case in the queue.
    ledger = os.path.join(tmp, "ledger.db")
    second = os.path.join(tmp, "second.json")
    for attempt in (1, 2):
        r = run([p2pdoc, "import", "pas", os.path.join(data, "ri-DeniedResponse.json"), "-o", second, "--force",
                 "--ledger", ledger], env=env)
        check(r.returncode == 0, f"import --ledger: exit {r.returncode}\n{r.stderr}")
        said = "recorded denial_received for" if attempt == 1 else "denial_received already recorded for"
        check(said in r.stdout, f"import --ledger, attempt {attempt}: {r.stdout}")
    r = run([p2pdoc, "due", "--ledger", ledger, "--format", "json"], env=env)
    check(r.returncode == 0, f"due: exit {r.returncode}\n{r.stderr}")
    check("pas-451fe716-4701-4cdf-b5bb-a6eedbe43bbb" in r.stdout, f"the imported case is in the queue: {r.stdout}")

    # The queue counts the P2P window from the denial date (2019-09-09, a Monday: 3 business days -> Thursday).
    queue = json.loads(r.stdout)
    entry = [c for c in queue["cases"] if c["case_id"] == "pas-451fe716-4701-4cdf-b5bb-a6eedbe43bbb"]
    check(entry and entry[0]["missed_windows"] == ["p2p_request"], f"the 2019 window is missed, and says so: {entry}")
    row = sqlite3.connect(ledger).execute(
        "select deadlines from cases where case_id = 'pas-451fe716-4701-4cdf-b5bb-a6eedbe43bbb'").fetchone()
    check(row and json.loads(row[0]).get("p2p_request") == "2019-09-12", f"the row's P2P deadline: {row}")

    # Not a denial: recorded as pa_response_received, once; still nothing written.
    for attempt in (1, 2):
        r = run([p2pdoc, "import", "pas", os.path.join(data, "ri-PendedClaimResponse.json"), "--ledger", ledger,
                 "-o", os.path.join(tmp, "pended.json")], env=env)
        check(r.returncode == 4, f"pended --ledger: exit {r.returncode}\n{r.stderr}")
        said = "recorded pa_response_received for" if attempt == 1 else "pa_response_received already recorded for"
        check(said in r.stdout, f"pended --ledger, attempt {attempt}: {r.stdout}")
    check(not os.path.exists(os.path.join(tmp, "pended.json")), "a pended response wrote a draft")
    kinds = sqlite3.connect(ledger).execute(
        "select kind, data from events where case_id = 'pas-68a03b6d-b792-4de3-95e6-abf36eacb9bc'").fetchall()
    check(len(kinds) == 1 and kinds[0][0] == "pa_response_received" and json.loads(kinds[0][1])["decision"] == "pended",
          f"the pended response in the ledger: {kinds}")

    # --sheet: the preparation sheet, one page, what arrived, what is due, what to fill in.
    sheet = os.path.join(tmp, "sheet.pdf")
    r = run([p2pdoc, "import", "pas", os.path.join(data, "Bundle-RejectionResponseBundleExample.json"),
             "--request", os.path.join(data, "Bundle-ReferralAuthorizationBundleExample.json"),
             "-o", os.path.join(tmp, "with-sheet.json"), "--sheet", sheet], env=env)
    check(r.returncode == 0 and "preparation sheet written to" in r.stdout, f"--sheet: exit {r.returncode}\n{r.stderr}")
    check("deadline p2p_request: 2005-05-05" in r.stdout and "not counted internal_appeal" in r.stdout,
          f"the deadlines printed: {r.stdout}")
    info = run(["pdfinfo", sheet]).stdout
    check(re.search(r"Pages:\s+1\n", info) is not None, f"one page: {info}")
    text = " ".join(run(["pdftotext", "-layout", sheet, "-"]).stdout.split())
    for want in ["Preparation sheet", "JOE SMITH", "1122334455", "MARYLAND CAPITAL INSURANCE COMPANY", "May 2, 2005",
                 "111099", "What is due when", "Thu May 5, 2005", "not counted yet", "/payer/plan_type", "/clinical/summary",
                 "/patient/dob", "G89.4", "What to fill in (13)"]:
        check(want in text, f"the sheet shows {want!r}: {text[:300]}")
    first = open(sheet, "rb").read()
    r = run([p2pdoc, "import", "pas", os.path.join(data, "Bundle-RejectionResponseBundleExample.json"),
             "--request", os.path.join(data, "Bundle-ReferralAuthorizationBundleExample.json"),
             "-o", os.path.join(tmp, "with-sheet.json"), "--sheet", sheet], env=env)
    check(r.returncode == 2 and "--force" in r.stderr, f"an existing sheet is kept: exit {r.returncode}")
    r = run([p2pdoc, "import", "pas", os.path.join(data, "Bundle-RejectionResponseBundleExample.json"),
             "--request", os.path.join(data, "Bundle-ReferralAuthorizationBundleExample.json"),
             "-o", os.path.join(tmp, "with-sheet.json"), "--sheet", sheet, "--force"], env=env)
    check(r.returncode == 0 and open(sheet, "rb").read() == first, "SOURCE_DATE_EPOCH: the same sheet, byte for byte")
    r = run([p2pdoc, "import", "pas", os.path.join(data, "Bundle-ReferralAuthorizationResponseBundleExample.json"),
             "--sheet", os.path.join(tmp, "approved.pdf")], env=env)
    check(r.returncode == 3 and not os.path.exists(os.path.join(tmp, "approved.pdf")), "no sheet for an approval")

finish("import pas: every PAS example gives its decision; drafts validate as drafts and never generate")
