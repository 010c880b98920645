#!/usr/bin/env python3
"""End-to-end: what the service files in the chart is a record (issue 13,
docs/delivery-records.md). `p2pdoc serve --deliver-fhir` posts every sample's
packet to a small FHIR listener on loopback; every DocumentReference received
must validate against HL7's FHIR R4 JSON schema and hold every element of the
must-support table in the docs, with the values of its case: the LOINC type
of its document kind, docStatus preliminary for the unsigned LOMN and appeal
cover letter and final for the rest, the physician and the practice by NPI,
the encounter and its period when the case gives one. The same case posted
again with /letters_signed files exactly two new versions, the final letters,
each replacing its draft; posted again unchanged it files nothing. A service
with FHIR delivery and no fhir_mrn_system does not start. The validator is
shown to reject broken resources, so a pass means something.

usage: check_records.py P2PDOC_BINARY REPO_ROOT
"""
import copy
import json
import os
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "serve"))
from serve_common import *  # noqa: E402,F403
import fhir_records  # noqa: E402

BIN, ROOT = sys.argv[1], sys.argv[2]
records = fhir_records.Records(ROOT)
work = workdir("records")
MRN_SYSTEM = "urn:oid:2.16.840.1.113883.3.999.1"  # an invented hospital OID


# 0. the validator can fail: a broken resource is rejected
good_shape = {"resourceType": "DocumentReference", "status": "current", "content": [{"attachment": {"contentType": "application/pdf"}}]}
check(records.schema_errors(good_shape) == [], f"a minimal DocumentReference validates: {records.schema_errors(good_shape)}")
for label, broken in [("status bogus", dict(good_shape, status="bogus")),
                      ("content missing", {k: v for k, v in good_shape.items() if k != "content"}),
                      ("unknown element", dict(good_shape, docState="final")),
                      ("size as text", dict(good_shape, content=[{"attachment": {"contentType": "application/pdf", "size": "12"}}]))]:
    check(records.schema_errors(broken) != [], f"the schema rejects a DocumentReference with {label}")
check(any("missing" in p for p in records.problems(good_shape)), "the must-support check rejects a bare DocumentReference")

# 1. refused at start-up without the MRN's identifier system
s = Service(BIN, os.path.join(work, "refused"), "--deliver-fhir", "http://127.0.0.1:9/fhir", expect_start=False)
code = s.proc.wait(20)
err = s.proc.stderr.read().decode()
check(code == 2 and "fhir_mrn_system" in err, f"no fhir_mrn_system: exit {code}, {err!r}")

# 2. every sample, and one with an encounter, filed as records
ehr = fhir_records.DocumentReferenceListener()
out = os.path.join(work, "out")
svc = Service(BIN, out, "--deliver-fhir", ehr.server.url + "/fhir", "--fhir-mrn-system", MRN_SYSTEM,
              "--retry-initial-ms", "100", "--retry-max-ms", "400", "--no-ledger")
cases = {}
for p in samples(ROOT):
    case = json.load(open(p, encoding="utf-8"))
    cases[case["case_id"]] = case
with_encounter = copy.deepcopy(cases["RSP-2026-00417"])
with_encounter["case_id"] = "RSP-2026-00417-ENC"
with_encounter["encounter"] = {"id": "enc-5521.a", "start": "2026-11-02", "end": "2026-11-04"}
cases[with_encounter["case_id"]] = with_encounter
for cid, case in cases.items():
    st, m = svc.json("POST", "/v1/packets", json.dumps(case))
    check(st == 201, f"POST {cid} -> {st} {m if st != 201 else ''}")
expected = 5 * len(cases)
check(wait_for(lambda: ehr.count() >= expected, 60), f"{ehr.count()} of {expected} DocumentReferences arrived")
# the EHR's answer is not the end of a delivery: the outbox records it as sent
# next, and until then a repost finds the document "already queued", not "already delivered"
outbox = os.path.join(out, ".outbox")
check(wait_for(lambda: not [f for f in os.listdir(outbox) if f.endswith(".json")], 30), "the outbox recorded every delivery")


def case_of(ref):
    return cases.get(ref["identifier"][0]["value"].split("/")[0])


statuses = {}
for ref in ehr.bodies():
    key = ref["identifier"][0]["value"]
    problems = records.problems(ref, case_of(ref))
    check(problems == [], f"{key}: {problems[:6]}")
    statuses[key.split("/")[1]] = statuses.get(key.split("/")[1], set()) | {ref.get("docStatus")}
check(statuses.get("lomn.pdf") == {"preliminary"} and statuses.get("appeal-cover.pdf") == {"preliminary"},
      f"unsigned letters are drafts: {statuses}")
check(statuses.get("brief.pdf") == {"final"} and statuses.get("post-call.pdf") == {"final"}, f"the rest is final: {statuses}")

# 3. signing the letters files the final letters, each replacing its draft, and nothing else
before = ehr.bodies()
drafts = {r["identifier"][0]["value"].split("/")[1]: r["identifier"][0]["value"]
          for r in before if r["identifier"][0]["value"].startswith("RSP-2026-00417/")}
signed = dict(cases["RSP-2026-00417"], letters_signed="2026-11-24")
cases["RSP-2026-00417"] = signed
st, m = svc.json("POST", "/v1/packets", json.dumps(signed))
check(st == 201, f"POST signed -> {st}")
states = {d["file"]: d["state"] for d in (m or {}).get("delivery", {}).get("documents", [])}
check(states == {"brief.pdf": "already delivered", "p2p-script.pdf": "already delivered", "lomn.pdf": "queued",
                 "appeal-cover.pdf": "queued", "post-call.pdf": "already delivered"}, f"only the letters go again: {states}")
check(wait_for(lambda: ehr.count() >= len(before) + 2, 30), f"{ehr.count() - len(before)} new versions arrived, want 2")
for ref in ehr.bodies()[len(before):]:
    key = ref["identifier"][0]["value"]
    file = key.split("/")[1]
    check(records.problems(ref, signed) == [], f"{key}: {records.problems(ref, signed)[:6]}")
    check(ref.get("docStatus") == "final", f"{file}: signed is final, got {ref.get('docStatus')}")
    rel = ref.get("relatesTo", [{}])[0]
    check(rel.get("code") == "replaces" and rel.get("target", {}).get("identifier", {}).get("value") == drafts.get(file),
          f"{file}: replaces its draft: {rel}")
    check(rel.get("target", {}).get("reference", "").startswith("DocumentReference/"),
          f"{file}: the draft named by its id in the EHR too: {rel}")

# 4. the same again: nothing new (once the outbox has recorded the letters as
# sent: until then a regeneration finds them "already queued")
check(wait_for(lambda: not [f for f in os.listdir(outbox) if f.endswith(".json")], 30), "the outbox recorded the letters")
n = ehr.count()
st, m = svc.json("POST", "/v1/packets", json.dumps(signed))
check(st == 200 and "delivery" not in (m or {}), f"unchanged: a retry, answered from disk: {st}")
st, m = svc.json("POST", "/v1/packets?regenerate=1", json.dumps(signed))
states = {d["state"] for d in (m or {}).get("delivery", {}).get("documents", [])}
check(st == 201 and states == {"already delivered"}, f"unchanged, regenerated: {st} {states}")
check(svc.stop() == 0, "clean stop")
check(ehr.count() == n, f"nothing more was sent: {ehr.count() - n}")
ehr.server.close()
finish("delivery/records")
cleanup(work)
