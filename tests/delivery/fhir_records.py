"""What a delivered DocumentReference must be (docs/delivery-records.md):
valid against HL7's FHIR R4 JSON schema, and holding every element the
must-support table in the docs marks "sent" (the context rows only when the
case gives an encounter). Shared by tests/delivery/check_records.py,
tests/watch/check_delivery.py and tests/install/check_units_run.py, with
the small FHIR server they deliver to (DocumentReferenceListener). Needs Debian's python3-jsonschema and the
schema scripts/install-deps.sh puts in .deps/fhir-r4/.
"""
import json
import os
import re
import sys
import threading

try:
    from jsonschema import Draft6Validator
except ImportError:  # pragma: no cover
    print("fhir_records: python3-jsonschema is not installed (apt-get install python3-jsonschema)")
    sys.exit(2)

US_CORE_PROFILE = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-documentreference"
CATEGORY_SYSTEM = "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category"
NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"


def schema_path(root):
    return os.environ.get("P2PDOC_FHIR_SCHEMA") or os.path.join(root, ".deps", "fhir-r4", "fhir.schema.json")


class Records:
    def __init__(self, root):
        path = schema_path(root)
        if not os.path.exists(path):
            print(f"fhir_records: {path} is missing: run scripts/install-deps.sh (it fetches HL7's FHIR R4 schema)")
            sys.exit(1)
        full = json.load(open(path, encoding="utf-8"))
        # the DocumentReference definition, resolving its $refs in the whole schema
        sub = {k: v for k, v in full.items() if k not in ("oneOf", "discriminator")}
        sub["$ref"] = "#/definitions/DocumentReference"
        self.validator = Draft6Validator(sub)
        self.sent, self.when_encounter = must_support(root)
        self.types = json.load(open(os.path.join(root, "templates", "knowledge", "document_types.json")))["document_types"]

    def schema_errors(self, ref):
        return [("/" + "/".join(str(p) for p in e.absolute_path)) + ": " + e.message
                for e in sorted(self.validator.iter_errors(ref), key=str)]

    def problems(self, ref, case=None):
        """Every way `ref` falls short; [] when it is a proper record. With the
        case it was made from, its values are checked against the case."""
        found = self.schema_errors(ref)
        paths = list(self.sent)
        if case is not None and "encounter" in case:
            paths += self.when_encounter
        for p in paths:
            if not present(ref, p.split(".")[1:]):
                found.append(f"{p}: missing")
        if US_CORE_PROFILE not in ref.get("meta", {}).get("profile", []):
            found.append("meta.profile: not US Core's DocumentReference")
        cats = [c for cat in ref.get("category", []) for c in cat.get("coding", [])]
        if not any(c.get("system") == CATEGORY_SYSTEM and c.get("code") == "clinical-note" for c in cats):
            found.append("category: no clinical-note")
        if ref.get("status") != "current":
            found.append(f"status {ref.get('status')}")
        att = ref.get("content", [{}])[0].get("attachment", {})
        for k in ("contentType", "language", "size", "hash", "title", "data"):
            if k not in att:
                found.append(f"content.attachment.{k}: missing")
        key = ref.get("identifier", [{}])[0].get("value", "")
        kind = key.split("/")[1].rsplit(".", 1)[0] if key.count("/") >= 2 else "?"
        want = self.types.get(kind)
        coding = ref.get("type", {}).get("coding", [{}])[0]
        if want is None or coding.get("system") != "http://loinc.org" or coding.get("code") != want["type_code"] \
                or coding.get("display") != want["type_display"]:
            found.append(f"type {coding} for {kind}")
        if case is not None:
            found += self.against_case(ref, case, kind)
        return found

    def against_case(self, ref, case, kind):
        found = []
        draft = self.types.get(kind, {}).get("draft_until_signed") and "letters_signed" not in case
        want_status = "preliminary" if draft else "final"
        if ref.get("docStatus") != want_status:
            found.append(f"docStatus {ref.get('docStatus')}, want {want_status}")
        author = ref.get("author", [{}])[0]
        npi = case["physician"].get("npi")
        if npi and author.get("identifier") != {"system": NPI_SYSTEM, "value": npi}:
            found.append(f"author {author}")
        custodian = ref.get("custodian", {})
        if custodian.get("display") != case["practice"]["name"]:
            found.append(f"custodian {custodian}")
        if case["practice"].get("npi") and custodian.get("identifier", {}).get("value") != case["practice"]["npi"]:
            found.append(f"custodian identifier {custodian}")
        subject = ref.get("subject", {}).get("identifier", {})
        if subject.get("value") != case["patient"].get("mrn", case["patient"]["member_id"]) or not subject.get("system"):
            found.append(f"subject {subject}")
        if "encounter" in case:
            ctx = ref.get("context", {})
            if ctx.get("encounter", [{}])[0].get("reference") != "Encounter/" + case["encounter"]["id"]:
                found.append(f"context.encounter {ctx}")
            period = {k: case["encounter"][k] for k in ("start", "end") if k in case["encounter"]}
            if ctx.get("period") != period:
                found.append(f"context.period {ctx}, want {period}")
        elif "context" in ref:
            found.append("context without an encounter in the case")
        return found


def must_support(root):
    """(paths always sent, paths sent when the case gives an encounter) from
    the table in docs/delivery-records.md."""
    text = open(os.path.join(root, "docs", "delivery-records.md"), encoding="utf-8").read()
    table = text.split("<!-- must-support list")[1].split("<!-- end of the must-support list")[0]
    sent, when_encounter = [], []
    for m in re.finditer(r"^\| `(DocumentReference[.\w]*)` \| [^|]* \| ([^|]*) \|$", table, re.M):
        path, ours = m.group(1), m.group(2).strip()
        if ours == "sent":
            sent.append(path)
        elif ours.startswith("sent when the case gives `/encounter`"):
            when_encounter.append(path)
    if len(sent) < 10:
        raise SystemExit("fhir_records: the must-support table in docs/delivery-records.md was not found")
    return sent, when_encounter


def present(value, steps):
    if not steps:
        return value not in (None, "", [], {})
    if isinstance(value, list):
        return any(present(v, steps) for v in value)
    if not isinstance(value, dict) or steps[0] not in value:
        return False
    return present(value[steps[0]], steps[1:])


class DocumentReferenceListener:
    """A FHIR server that files DocumentReferences (201 with an id) and
    answers every search with none; `down` makes it answer 503. Serves on
    loopback through serve_common.FakeServer (tests/serve on sys.path)."""

    def __init__(self):
        from serve_common import FakeServer
        self.lock = threading.Lock()
        self.down = False
        self.received = []  # parsed bodies, in arrival order
        self.server = FakeServer(self.handle)

    def handle(self, method, path, headers, body):
        with self.lock:
            if self.down:
                return 503, "application/fhir+json", b"{}"
            if method == "GET":
                return 200, "application/fhir+json", b'{"resourceType": "Bundle", "type": "searchset", "total": 0}'
            self.received.append(json.loads(body))
            n = len(self.received)
        return 201, "application/fhir+json", json.dumps({"resourceType": "DocumentReference", "id": str(n)}).encode()

    def count(self):
        with self.lock:
            return len(self.received)

    def keys(self):
        with self.lock:
            return [r["identifier"][0]["value"] for r in self.received]

    def bodies(self):
        with self.lock:
            return list(self.received)
