#!/usr/bin/python3
"""Checks schema/p2p-case-1.schema.json against the samples.

Usage: /usr/bin/python3 tests/schema/check_schema.py REPO_ROOT

1. The schema is a valid JSON Schema draft 2020-12 document.
2. Every samples/*.json validates against it.
3. Mutated copies of one sample (each breaking one rule) do NOT validate,
   and valid edge cases (leap day, HCPCS code, citation key) still do.
4. The example in docs/case-format.md validates.
5. Nothing in the repo's schema, samples or docs points outside the repo
   (the shared case example must not be referenced).

Needs only Debian's python3-jsonschema (4.10 on bookworm). Exit 0 when every
check passes; 1 with one line per failure otherwise; 2 on bad usage.
"""

import copy
import glob
import json
import os
import sys

try:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError
except ImportError:  # pragma: no cover
    print("check_schema: python3-jsonschema is not installed (apt-get install python3-jsonschema)")
    sys.exit(2)

SCHEMA_REL = os.path.join("schema", "p2p-case-1.schema.json")
BASE_SAMPLE = "uhc-lumbar-mri.json"
FORBIDDEN_REFERENCE = "case-examples/lumbar-mri-uhc.json"


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def describe(errors):
    return "; ".join(
        "/" + "/".join(str(p) for p in e.absolute_path) + ": " + e.message for e in errors
    )


def set_at(doc, path, value):
    for key in path[:-1]:
        doc = doc[key]
    doc[path[-1]] = value


def delete_at(doc, path):
    for key in path[:-1]:
        doc = doc[key]
    del doc[path[-1]]


# (name, mutation) pairs. Each mutation breaks exactly one rule the schema
# encodes; the mutated case must be rejected.
MUST_FAIL = [
    ("missing patient.dob", lambda d: delete_at(d, ["patient", "dob"])),
    ("missing format", lambda d: delete_at(d, ["format"])),
    ("wrong format version", lambda d: set_at(d, ["format"], "p2p-case/2")),
    ("missing physician.specialty", lambda d: delete_at(d, ["physician", "specialty"])),
    ("blank patient.name", lambda d: set_at(d, ["patient", "name"], "   ")),
    ("case_id starting with '.'", lambda d: set_at(d, ["case_id"], ".hidden")),
    ("case_id '..'", lambda d: set_at(d, ["case_id"], "..")),
    ("case_id with '/'", lambda d: set_at(d, ["case_id"], "a/b")),
    ("case_id longer than 64", lambda d: set_at(d, ["case_id"], "A" * 65)),
    ("bad CPT code for system CPT", lambda d: set_at(d, ["services", 0, "code"], "7214")),
    ("HCPCS-shaped code under system CPT", lambda d: set_at(d, ["services", 0, "code"], "J0135")),
    ("CPT-shaped code under system HCPCS",
     lambda d: set_at(d, ["services", 0], {"code": "72148", "system": "HCPCS", "description": "x"})),
    ("unknown code system", lambda d: set_at(d, ["services", 0, "system"], "ICD")),
    ("empty services", lambda d: set_at(d, ["services"], [])),
    ("empty diagnoses", lambda d: set_at(d, ["diagnoses"], [])),
    ("bad ICD-10 shape", lambda d: set_at(d, ["diagnoses", 0, "icd10"], "m51.16")),
    ("bad denial.type enum", lambda d: set_at(d, ["denial", "type"], "not_necessary")),
    ("bad payer.plan_type enum", lambda d: set_at(d, ["payer", "plan_type"], "commercial")),
    ("bad setting enum", lambda d: set_at(d, ["setting"], "clinic")),
    ("bad criterion status enum", lambda d: set_at(d, ["policy", "criteria", 0, "status"], "yes")),
    ("bad payer.state", lambda d: set_at(d, ["payer", "state"], "XX")),
    ("payer.id not a lowercase slug", lambda d: set_at(d, ["payer", "id"], "UHC")),
    ("impossible date 2026-13-01",
     lambda d: set_at(d, ["clinical", "prior_treatments", 0, "start"], "2026-13-01")),
    ("impossible date 2026-02-29", lambda d: set_at(d, ["denial", "date"], "2026-02-29")),
    ("date-time without offset", lambda d: set_at(d, ["p2p", "scheduled"], "2026-11-24T10:30:00")),
    ("urgent as a string", lambda d: set_at(d, ["urgent"], "yes")),
    ("units zero", lambda d: set_at(d, ["services", 0, "units"], 0)),
    ("expected amount negative", lambda d: set_at(d, ["services", 0, "expected_amount_usd"], -1)),
    ("expected amount as a string", lambda d: set_at(d, ["services", 0, "expected_amount_usd"], "2100")),
    ("expected amount over the bound", lambda d: set_at(d, ["services", 0, "expected_amount_usd"], 10000001)),
    ("citation object without title",
     lambda d: set_at(d, ["citations", 0], {"kind": "guideline", "source": "ACR"})),
    ("citation kind not in enum",
     lambda d: set_at(d, ["citations", 0], {"kind": "review", "source": "ACR", "title": "x"})),
    ("pmid with letters", lambda d: set_at(d, ["citations", 1, "pmid"], "PMID17119140")),
    ("bad call.disposition",
     lambda d: set_at(d, ["call"], {"disposition": "approved"})),
    ("call.duration_minutes zero", lambda d: set_at(d, ["call"], {"duration_minutes": 0})),
    ("call.approved service without code",
     lambda d: set_at(d, ["call"], {"disposition": "modified", "approved": {"services": [{"units": 2}]}})),
    ("call.approved units zero",
     lambda d: set_at(d, ["call"], {"disposition": "modified", "approved": {"services": [{"code": "72148", "units": 0}]}})),
    ("citation key with capitals", lambda d: set_at(d, ["citations", 0], "ACR-2021")),
    ("citation year 1899", lambda d: set_at(d, ["citations", 0, "year"], 1899)),
    ("doi without '/'", lambda d: set_at(d, ["citations", 1, "doi"], "10.1001")),
    ("policy.url not http(s)", lambda d: set_at(d, ["policy", "url"], "www.example.org/policy")),
    ("year 0000 date", lambda d: set_at(d, ["patient", "dob"], "0000-01-01")),
    ("offset hour 24", lambda d: set_at(d, ["p2p", "scheduled"], "2026-11-24T10:30:00+24:00")),
    # issue 8: dates out of 1900..2100 and every documented length limit
    ("denial in year 9999", lambda d: set_at(d, ["denial", "date"], "9999-11-30")),
    ("date of birth 1899-12-31", lambda d: set_at(d, ["patient", "dob"], "1899-12-31")),
    ("service date 2101-01-01", lambda d: set_at(d, ["services", 0, "date"], "2101-01-01")),
    ("call scheduled in year 9999", lambda d: set_at(d, ["p2p", "scheduled"], "9999-11-24T10:30:00Z")),
    ("free text of 2001 characters", lambda d: set_at(d, ["clinical", "summary"], "x" * 2001)),
    ("denial reason of 2001 characters", lambda d: set_at(d, ["denial", "reason"], "x" * 2001)),
    ("criterion evidence of 2001 characters",
     lambda d: set_at(d, ["policy", "criteria", 0, "evidence"], "x" * 2001)),
    ("patient name of 201 characters", lambda d: set_at(d, ["patient", "name"], "x" * 201)),
    ("address line of 201 characters", lambda d: set_at(d, ["practice", "address", 0], "x" * 201)),
    ("reviewer name of 201 characters", lambda d: set_at(d, ["denial", "reviewer", "name"], "x" * 201)),
    ("url of 2001 characters", lambda d: set_at(d, ["policy", "url"], "https://" + "x" * 1993)),
    ("13 diagnoses", lambda d: set_at(d, ["diagnoses"], [d["diagnoses"][0]] * 13)),
    ("21 services", lambda d: set_at(d, ["services"], [d["services"][0]] * 21)),
    ("201 criteria", lambda d: set_at(d, ["policy", "criteria"], [d["policy"]["criteria"][0]] * 201)),
    ("2000 criteria", lambda d: set_at(d, ["policy", "criteria"], [d["policy"]["criteria"][0]] * 2000)),
    ("21 citations", lambda d: set_at(d, ["citations"], ["acr-low-back-pain-2021"] * 21)),
    ("51 prior treatments",
     lambda d: set_at(d, ["clinical", "prior_treatments"], [d["clinical"]["prior_treatments"][0]] * 51)),
    ("21 findings", lambda d: set_at(d, ["clinical", "findings"], ["x"] * 21)),
    ("7 address lines", lambda d: set_at(d, ["practice", "address"], ["x"] * 7)),
    ("21 next steps", lambda d: set_at(d, ["call"], {"next_steps": ["x"] * 21})),
]

# Valid variants: must still validate (guards against an over-strict schema).
MUST_PASS = [
    ("unknown top-level key (a warning, not an error)", lambda d: set_at(d, ["x_vendor_note"], "hello")),
    ("leap day 2024-02-29", lambda d: set_at(d, ["denial", "date"], "2024-02-29")),
    ("CPT category II code 3008F", lambda d: set_at(d, ["services", 0, "code"], "3008F")),
    ("HCPCS code J0135",
     lambda d: set_at(d, ["services", 0], {"code": "J0135", "system": "HCPCS", "description": "x"})),
    ("ICD-10 without dot", lambda d: set_at(d, ["diagnoses", 0, "icd10"], "M5116")),
    ("ICD-10 with 7th character", lambda d: set_at(d, ["diagnoses", 0, "icd10"], "S32.010A")),
    ("citation library key", lambda d: set_at(d, ["citations", 0], "acr-low-back-pain-2021")),
    ("date-time with Z", lambda d: set_at(d, ["p2p", "scheduled"], "2026-11-24T15:30:00Z")),
    ("overturned call without auth_number (warning only)",
     lambda d: set_at(d, ["call"], {"disposition": "overturned"})),
    ("call.duration_minutes 12.5", lambda d: set_at(d, ["call"], {"duration_minutes": 12.5})),
    ("date-time without seconds", lambda d: set_at(d, ["p2p", "scheduled"], "2026-11-24T10:30-05:00")),
    ("date-time with fraction", lambda d: set_at(d, ["p2p", "scheduled"], "2026-11-24T10:30:00.250-05:00")),
    ("units 1.0 counts as an integer", lambda d: set_at(d, ["services", 0, "units"], 1.0)),
    ("expected amount 0 and 2100.50",
     lambda d: (set_at(d, ["services", 0, "expected_amount_usd"], 0),
                set_at(d, ["services"], d["services"] + [dict(d["services"][0], expected_amount_usd=2100.5)]))),
    ("accented and symbol-laden patient name",
     lambda d: set_at(d, ["patient", "name"], "**Zoë** Ødegaard {{x}} <i>")),
    ("dates at both ends of the range",
     lambda d: (set_at(d, ["patient", "dob"], "1900-01-01"), set_at(d, ["services", 0, "date"], "2100-12-31"))),
    ("limits exactly reached",
     lambda d: (set_at(d, ["clinical", "summary"], "é" * 2000), set_at(d, ["patient", "name"], "é" * 200),
                set_at(d, ["diagnoses"], [d["diagnoses"][0]] * 12),
                set_at(d, ["policy", "criteria"], [d["policy"]["criteria"][0]] * 200),
                set_at(d, ["practice", "address"], ["x"] * 6))),
]


def main(argv):
    if len(argv) != 2 or not os.path.isdir(argv[1]):
        print("usage: check_schema.py REPO_ROOT")
        return 2
    root = argv[1]
    failures = []

    schema_path = os.path.join(root, SCHEMA_REL)
    try:
        schema = load(schema_path)
    except (OSError, ValueError) as e:
        print(f"FAIL {SCHEMA_REL}: cannot read: {e}")
        return 1
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as e:
        print(f"FAIL {SCHEMA_REL}: not a valid draft 2020-12 schema: {e.message}")
        return 1
    if schema.get("$schema") != "https://json-schema.org/draft/2020-12/schema":
        failures.append(f"{SCHEMA_REL}: $schema is not draft 2020-12")
    validator = Draft202012Validator(schema)

    samples = sorted(glob.glob(os.path.join(root, "samples", "*.json")))
    if not samples:
        failures.append("samples/: no *.json found")
    case_ids = {}
    for path in samples:
        rel = os.path.relpath(path, root)
        try:
            doc = load(path)
        except (OSError, ValueError) as e:
            failures.append(f"{rel}: not JSON: {e}")
            continue
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
        if errors:
            failures.append(f"{rel}: does not validate: {describe(errors)}")
        cid = doc.get("case_id") if isinstance(doc, dict) else None
        if cid in case_ids:
            failures.append(f"{rel}: case_id {cid!r} also used by {case_ids[cid]}")
        case_ids[cid] = rel

    base_path = os.path.join(root, "samples", BASE_SAMPLE)
    if os.path.exists(base_path):
        base = load(base_path)
        if list(validator.iter_errors(base)):
            failures.append(f"samples/{BASE_SAMPLE}: base of the mutation tests is itself invalid")
        for name, mutate in MUST_FAIL:
            doc = copy.deepcopy(base)
            mutate(doc)
            if validator.is_valid(doc):
                failures.append(f"mutation accepted but must be rejected: {name}")
        for name, mutate in MUST_PASS:
            doc = copy.deepcopy(base)
            mutate(doc)
            errors = list(validator.iter_errors(doc))
            if errors:
                failures.append(f"valid variant rejected: {name}: {describe(errors)}")
    else:
        failures.append(f"samples/{BASE_SAMPLE}: missing (base of the mutation tests)")

    # The full example in docs/case-format.md must itself be a valid case.
    doc_path = os.path.join(root, "docs", "case-format.md")
    if os.path.exists(doc_path):
        with open(doc_path, encoding="utf-8") as f:
            text = f.read()
        start = text.find("## Example")
        block = text.find("```json\n", start) if start >= 0 else -1
        end = text.find("```", block + 8) if block >= 0 else -1
        if end < 0:
            failures.append("docs/case-format.md: no ```json block under '## Example'")
        else:
            try:
                example = json.loads(text[block + 8:end])
                errors = list(validator.iter_errors(example))
                if errors:
                    failures.append(f"docs/case-format.md: example does not validate: {describe(errors)}")
            except ValueError as e:
                failures.append(f"docs/case-format.md: example is not JSON: {e}")

    # The repo must stand alone: no file it ships points at the shared example.
    scanned = [schema_path] + samples + [os.path.join(root, "docs", "case-format.md")]
    for path in scanned:
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as f:
            if FORBIDDEN_REFERENCE in f.read():
                failures.append(f"{os.path.relpath(path, root)}: refers to {FORBIDDEN_REFERENCE} outside the repo")

    for line in failures:
        print("FAIL " + line)
    if failures:
        print(f"check_schema: {len(failures)} failure(s)")
        return 1
    print(f"check_schema: ok ({len(samples)} samples valid, {len(MUST_FAIL)} mutations rejected, "
          f"{len(MUST_PASS)} valid variants accepted)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
