#!/usr/bin/env python3
"""End-to-end: documents delivered back to a fake EHR on loopback, through
failures and restarts: nothing lost, nothing duplicated, a change replaces.

FHIR: the EHR answers 503 to everything at first; two packets are posted
(10 PDFs queued in the outbox); the service is stopped (SIGTERM), started
again and killed (SIGKILL) while the EHR still fails; the EHR then accepts
after a few more failures and a third start delivers everything. Every
idempotency key is stored exactly once, each DocumentReference carries the
PDF (base64, SHA-1 hash, size), the key as identifier and the patient's MRN.
Posting a packet again with the same bytes delivers nothing new.
Issue 8 (seen 11):
  - without SOURCE_DATE_EPOCH the same case posted twice gives other PDF
    bytes, and still one document each in the chart;
  - a changed case delivers new versions whose relatesTo replaces the
    earlier DocumentReference (this fake EHR then marks that one superseded);
  - an EHR that ignores If-None-Exist, with the service killed (kill -9)
    after the EHR stored a document and before the answer came back, three
    times over: no document stored twice.
Webhook (HTTPS with a self-signed certificate trusted through
deliver_ca_file): one document the EHR refuses for good (422) lands in
failed/, the rest are delivered; a 429 is retried.

usage: check_delivery.py P2PDOC_BINARY REPO_ROOT
"""
import base64
import hashlib
import json
import os
import signal
import sys
import threading
import time
import urllib.parse

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(__file__))
from serve_common import *  # noqa: E402,F403

BIN, ROOT = sys.argv[1], sys.argv[2]
work = workdir("delivery")
out = os.path.join(work, "out")
token_file = os.path.join(work, "ehr-token")
open(token_file, "w").write("ehr-secret-token\n")
KEY_SYSTEM = "urn:p2pdoc:document"
MRN_SYSTEM = "urn:oid:2.16.840.1.113883.3.999.1"  # an invented hospital OID
DOCUMENT_TYPES = json.load(open(os.path.join(ROOT, "templates", "knowledge", "document_types.json")))["document_types"]


class Ehr:
    """A FHIR server enough for DocumentReference: create (honouring
    If-None-Exist unless told to ignore it), search by identifier, and for a
    create that replaces another, the replaced one marked superseded. Also a
    webhook receiver."""

    def __init__(self, tls=None):
        self.lock = threading.Lock()
        self.fail_left = 10 ** 9      # answers before it starts accepting
        self.attempts = []            # (method, key, status)
        self.accepted = {}            # key -> count of 2xx to a POST
        self.bodies = {}              # key -> parsed body
        self.resources = {}           # server id -> DocumentReference stored
        self.auth = set()
        self.refuse_files = set()     # answered 422
        self.rate_limited = set()     # files answered 429 once
        self.ignore_if_none_exist = False
        self.hold = False             # store a create, then hang until `release`, then drop the connection
        self.held = threading.Event()
        self.release = threading.Event()
        self.server = FakeServer(self.handle, tls)

    def stored_keys(self):
        with self.lock:
            return [r["identifier"][0]["value"] for r in self.resources.values()]

    def find(self, key):
        return [i for i, r in self.resources.items() if any(x.get("value") == key for x in r.get("identifier", []))]

    def handle(self, method, path, headers, body):
        url = urllib.parse.urlparse(path)
        if method == "GET":
            return self.search(url, headers)
        key = headers.get("Idempotency-Key", "")
        with self.lock:
            self.auth.add(headers.get("Authorization", ""))
            file = key.split("/")[1] if key.count("/") == 2 else ""
            if file in self.refuse_files:
                status = 422
            elif file == "p2p-script.pdf" and "429" in self.refuse_files and file not in self.rate_limited:
                self.rate_limited.add(file)
                self.attempts.append(("POST", key, 429))
                return 429, "application/json", b'{"error": "slow down"}'
            elif self.fail_left > 0:
                self.fail_left -= 1
                status = 503
            else:
                status = 201
            self.attempts.append(("POST", key, status))
            if status != 201:
                return status, "application/json", b'{"resourceType": "OperationOutcome"}'
            doc = json.loads(body)
            self.bodies[key] = (url.path, headers.get("Content-Type"), headers.get("If-None-Exist"), doc)
            if url.path.endswith("/hook"):
                self.accepted[key] = self.accepted.get(key, 0) + 1
                return 201, "application/json", b"{}"
            cond = headers.get("If-None-Exist", "")
            if cond and not self.ignore_if_none_exist:
                system, _, value = cond.partition("=")[2].partition("|")
                existing = self.find(value)
                if existing:
                    return 200, "application/fhir+json", json.dumps(self.resources[existing[0]]).encode()
            self.accepted[key] = self.accepted.get(key, 0) + 1
            rid = str(len(self.resources) + 1)
            doc["id"] = rid
            self.resources[rid] = doc
            for rel in doc.get("relatesTo", []):  # as an EHR may do for a replacement
                if rel.get("code") == "replaces":
                    for old in self.find(rel["target"]["identifier"]["value"]):
                        self.resources[old]["status"] = "superseded"
            hold = self.hold
        if hold:
            self.held.set()
            self.release.wait(30)
            return None, None, None  # the answer never arrives
        return 201, "application/fhir+json", json.dumps(doc).encode()

    def search(self, url, headers):
        q = urllib.parse.parse_qs(url.query)
        token = q.get("identifier", [""])[0]
        system, _, value = token.partition("|")
        with self.lock:
            self.auth.add(headers.get("Authorization", ""))
            if self.fail_left > 0:
                self.fail_left -= 1
                self.attempts.append(("GET", value, 503))
                return 503, "application/json", b'{"resourceType": "OperationOutcome"}'
            self.attempts.append(("GET", value, 200))
            hits = [self.resources[i] for i in self.find(value)] if system == KEY_SYSTEM else []
        bundle = {"resourceType": "Bundle", "type": "searchset", "total": len(hits),
                  "entry": [{"resource": r} for r in hits]}
        return 200, "application/fhir+json", json.dumps(bundle).encode()

    def failed_attempts(self):
        with self.lock:
            return sum(1 for _, _, s in self.attempts if s >= 500)

    def posts(self):
        with self.lock:
            return sum(1 for m, _, _ in self.attempts if m == "POST")


ehr = Ehr()
fhir_args = ["--deliver-fhir", ehr.server.url + "/fhir/", "--fhir-mrn-system", MRN_SYSTEM, "--deliver-token-file", token_file,
             "--retry-initial-ms", "100", "--retry-max-ms", "400"]
posted = [os.path.join(ROOT, "samples", n) for n in ("uhc-lumbar-mri.json", "aetna-acdf.json")]

# 1. the EHR is down: deliveries wait in the outbox
a = Service(BIN, out, *fhir_args)
manifests = {}
for p in posted:
    st, m = a.json("POST", "/v1/packets", open(p, "rb").read())
    check(st == 201, f"POST {os.path.basename(p)} -> {st}")
    manifests[m["case_id"]] = m
    states = [d["state"] for d in m["delivery"]["documents"]]
    check(m["delivery"]["target"] == "fhir" and states == ["queued"] * 5, f"delivery queued: {m['delivery']}")
expected = {d["idempotency_key"] for m in manifests.values() for d in m["delivery"]["documents"]}
check(len(expected) == 10, "ten PDFs to deliver")
outbox = os.path.join(out, ".outbox")
check(len([f for f in os.listdir(outbox) if f.endswith(".json")]) == 10, "ten entries in the outbox")
check(wait_for(lambda: ehr.failed_attempts() >= 12, 20), "the service retries while the EHR fails")
st, h, b = a.request("GET", "/metrics")
check("p2pdoc_deliveries_pending 10" in b.decode(), "metrics: ten pending")
st, health = a.json("GET", "/healthz")
check(health.get("deliveries_pending") == 10, f"healthz shows the queue: {health}")
check(a.stop() == 0, "SIGTERM with deliveries pending: clean exit")

# 2. a restart while the EHR still fails, then a crash
before = ehr.failed_attempts()
b_svc = Service(BIN, out, *fhir_args)
check(wait_for(lambda: ehr.failed_attempts() >= before + 10, 20), "after a restart the outbox is retried")
b_svc.stop(signal.SIGKILL)
check(len([f for f in os.listdir(outbox) if f.endswith(".json")]) == 10, "after kill -9 the outbox is whole")
check(not ehr.accepted, "nothing accepted yet")

# 3. the EHR recovers (after three more failures); a third start delivers everything
with ehr.lock:
    ehr.fail_left = 3
c = Service(BIN, out, *fhir_args)
check(wait_for(lambda: set(ehr.accepted) == expected, 30), f"everything delivered: {len(ehr.accepted)} of 10")
time.sleep(0.5)
check(all(n == 1 for n in ehr.accepted.values()), f"each key accepted once: {ehr.accepted}")
check(sorted(ehr.stored_keys()) == sorted(expected), "each key stored once")
check(set(ehr.accepted) == expected, "exactly the expected keys")
check(not [f for f in os.listdir(outbox) if f.endswith(".json")], "outbox empty")
check(len(os.listdir(os.path.join(outbox, "sent"))) == 10, "ten sent markers")
check(ehr.auth == {"Bearer ehr-secret-token"}, f"the EHR's token was sent: {ehr.auth}")

# what arrived is a proper DocumentReference carrying the PDF
for key, (path, ctype, if_none, ref) in ehr.bodies.items():
    cid, file, content_digest = key.split("/")
    check(path == "/fhir/DocumentReference", f"POSTed to {path}")
    check(ctype == "application/fhir+json", f"content type {ctype}")
    check(if_none == "identifier=urn:p2pdoc:document|" + key, f"conditional create: {if_none}")
    check(ref["resourceType"] == "DocumentReference" and ref["status"] == "current", "resourceType and status")
    check(ref["identifier"][0]["value"] == key and ref["masterIdentifier"]["value"] == key, "identifier is the key")
    kind = file.rsplit(".", 1)[0]  # brief.pdf -> brief
    check(ref["type"]["coding"][0]["code"] == DOCUMENT_TYPES[kind]["type_code"], f"{file}: LOINC type from the knowledge library")
    pdf = base64.b64decode(ref["content"][0]["attachment"]["data"])
    att = ref["content"][0]["attachment"]
    check(att["contentType"] == "application/pdf" and pdf.startswith(b"%PDF-"), "a PDF attachment")
    check(len(content_digest) == 64 and content_digest != hashlib.sha256(pdf).hexdigest(),
          f"{key}: the key names the content, not the bytes")
    check(att["size"] == len(pdf) and att["hash"] == base64.b64encode(hashlib.sha1(pdf).digest()).decode(), "size and SHA-1")
    want = next(d["sha256"] for d in manifests[cid]["documents"] if d["file"] == file)
    check(want == hashlib.sha256(pdf).hexdigest(), f"{key}: the bytes of the packet")
    check("relatesTo" not in ref, f"{key}: a first version replaces nothing")
    mrn = json.load(open(os.path.join(ROOT, "samples", "uhc-lumbar-mri.json" if cid == "RSP-2026-00417" else "aetna-acdf.json")))["patient"].get("mrn")
    check(ref["subject"]["identifier"]["value"] == mrn, "subject is the patient's MRN")

# 4. the same bytes posted again: nothing new goes out
time.sleep(0.3)  # searches of entries found after the restart are done
seen = len(ehr.attempts)
outbox_before = sorted(os.listdir(os.path.join(out, ".outbox")))
st, m = c.json("POST", "/v1/packets", open(posted[0], "rb").read())
check(st == 200 and "delivery" not in m, f"repeat: the packet already written, nothing queued: {st} {m.get('delivery')}")
check(sorted(os.listdir(os.path.join(out, ".outbox"))) == outbox_before, "repeat: the outbox is unchanged")
st, m = c.json("POST", "/v1/packets?regenerate=1", open(posted[0], "rb").read())
check(st == 201 and all(d["state"] == "already delivered" for d in m["delivery"]["documents"]), f"regenerated: {m.get('delivery')}")
time.sleep(0.5)
check(len(ehr.attempts) == seen, "no delivery for a repeat")
st, h, b = c.request("GET", "/metrics")
text = b.decode()
check("p2pdoc_deliveries_pending 0" in text and "p2pdoc_deliveries_delivered_total 10" in text, "metrics after recovery")
check(c.stop() == 0, "clean stop")
log = [l for l in c.log_lines() if l.get("event") == "delivery"]
check(any(l["outcome"] == "delivered" for l in log) and any(l["outcome"] == "retry" for l in log), "deliveries logged")
check(all("data" not in l for l in log), "no document data in the log")

# 5. webhook (over HTTPS when openssl can make a certificate, trusted through
# deliver_ca_file): a refusal for good goes to failed/, a 429 is retried
pair = make_certificate(work)
hook = Ehr(tls=pair)
hook.fail_left = 0
hook.refuse_files = {"lomn.pdf", "429"}
out2 = os.path.join(work, "out2")
conf = os.path.join(work, "webhook.conf")
open(conf, "w").write(f"deliver_ca_file = {pair[0]}\n" if pair else "")
w = Service(BIN, out2, "--config", conf, "--deliver-webhook", hook.server.url + "/hook",
            "--retry-initial-ms", "100", "--retry-max-ms", "400")
st, m = w.json("POST", "/v1/packets", open(posted[0], "rb").read())
check(st == 201 and m["delivery"]["target"] == "webhook", "webhook delivery queued")
others = {d["idempotency_key"] for d in m["delivery"]["documents"] if "/lomn.pdf/" not in d["idempotency_key"]}
check(wait_for(lambda: set(hook.accepted) == others, 20), f"webhook: four delivered ({len(hook.accepted)})")
failed_dir = os.path.join(out2, ".outbox", "failed")
check(wait_for(lambda: len(os.listdir(failed_dir)) == 1, 10), "the refused one is kept in failed/")
check(any(s == 429 for _, _, s in hook.attempts), "a 429 was answered and then retried")
for key, (path, ctype, if_none, body) in hook.bodies.items():
    check(path == "/hook" and ctype == "application/json" and body["idempotency_key"] == key, "webhook body")
    check(body["replaces"] is None and len(body["content_sha256"]) == 64, "webhook: a first version")
    check(hashlib.sha256(base64.b64decode(body["data"])).hexdigest() == body["sha256"], "webhook data")
st, h, b = w.request("GET", "/metrics")
check("p2pdoc_deliveries_failed 1" in b.decode(), "metrics: one failed")
check(w.stop() == 0, "clean stop")

hook.server.close()

# 6. issue 8: no fixed clock. The same case twice gives other bytes (the PDF
# dates) and still one document each; a changed case replaces.
ehr.server.close()
fhir = Ehr()
fhir.fail_left = 0
no_clock = {k: v for k, v in clean_env().items() if k != "SOURCE_DATE_EPOCH"}
out3 = os.path.join(work, "out3")
args3 = ["--deliver-fhir", fhir.server.url + "/fhir", "--fhir-mrn-system", MRN_SYSTEM, "--retry-initial-ms", "100", "--retry-max-ms", "400"]
s3 = Service(BIN, out3, *args3, env=no_clock)
case = json.load(open(posted[0]))
st, m1 = s3.json("POST", "/v1/packets", json.dumps(case).encode())
check(st == 201 and [d["state"] for d in m1["delivery"]["documents"]] == ["queued"] * 5, f"first post: {m1.get('delivery')}")
check(wait_for(lambda: len(fhir.stored_keys()) == 5, 20), f"five documents in the chart: {len(fhir.stored_keys())}")
first_keys = {d["file"]: d["idempotency_key"] for d in m1["delivery"]["documents"]}
# The PDF dates have one-second steps, and the service reads time(), a coarse
# clock that can lag Python's by a few milliseconds at a second's boundary:
# wait until we are well into the next second, not just past the boundary.
next_second = int(time.time()) + 1
wait_for(lambda: time.time() >= next_second + 0.1, 3)
st, m2 = s3.json("POST", "/v1/packets?regenerate=1", json.dumps(case).encode())
check(st == 201, f"second post: {st}")
bytes1 = {d["file"]: d["sha256"] for d in m1["documents"]}
bytes2 = {d["file"]: d["sha256"] for d in m2["documents"]}
check(all(bytes1[f] != bytes2[f] for f in PDFS), "without a fixed clock the PDF bytes differ")
check(all(d["state"] in ("already delivered", "already queued") for d in m2["delivery"]["documents"]),
      f"the same content again: {m2['delivery']}")
check({d["file"]: d["idempotency_key"] for d in m2["delivery"]["documents"]} == first_keys, "the same keys")
time.sleep(0.5)
check(len(fhir.stored_keys()) == 5, f"still five documents: {len(fhir.stored_keys())}")

case["denial"]["reason"] = "The payer now says the imaging was ordered too early."
st, m3 = s3.json("POST", "/v1/packets", json.dumps(case).encode())
changed = [d for d in m3["delivery"]["documents"] if d["state"] == "queued"]
check(st == 201 and any(d["file"] == "brief.pdf" for d in changed), f"a changed case: {m3.get('delivery')}")
check(all(d["idempotency_key"] != first_keys[d["file"]] for d in changed), "new versions have new keys")
check(wait_for(lambda: len(fhir.stored_keys()) == 5 + len(changed), 20), f"{len(changed)} new versions stored")
with fhir.lock:
    by_key = {r["identifier"][0]["value"]: r for r in fhir.resources.values()}
for d in changed:
    new = by_key.get(d["idempotency_key"], {})
    old_key = first_keys[d["file"]]
    rel = new.get("relatesTo", [{}])[0]
    check(rel.get("code") == "replaces" and rel.get("target", {}).get("identifier", {}).get("value") == old_key,
          f"{d['file']}: relatesTo {rel}")
    check(rel.get("target", {}).get("reference") == "DocumentReference/" + by_key.get(old_key, {}).get("id", "?"),
          f"{d['file']}: the replaced document by its id in the EHR: {rel}")
    check(by_key.get(old_key, {}).get("status") == "superseded", f"{d['file']}: the earlier one is superseded")
current = {}
for r in by_key.values():
    if r["status"] == "current":
        f = r["identifier"][0]["value"].split("/")[1]
        current[f] = current.get(f, 0) + 1
check(current == {f: 1 for f in PDFS}, f"one current document per file: {current}")
check(s3.stop() == 0, "clean stop")
fhir.server.close()

# 7. issue 8: an EHR that ignores If-None-Exist; the service killed after the
# EHR stored a document and before its answer arrived, three times.
lossy = Ehr()
lossy.fail_left = 0
lossy.ignore_if_none_exist = True
lossy.hold = True
out4 = os.path.join(work, "out4")
args4 = ["--deliver-fhir", lossy.server.url + "/fhir", "--fhir-mrn-system", MRN_SYSTEM, "--retry-initial-ms", "100", "--retry-max-ms", "400"]
svc = Service(BIN, out4, *args4)
st, m = svc.json("POST", "/v1/packets", open(posted[1], "rb").read())
keys4 = {d["idempotency_key"] for d in m["delivery"]["documents"]}
check(st == 201 and len(keys4) == 5, "five queued")
for round_ in range(3):
    check(lossy.held.wait(20), f"round {round_}: a document reached the EHR")
    svc.stop(signal.SIGKILL)  # between send and record
    lossy.held.clear()
    lossy.release.set()  # the handler lets go: the connection is dropped
    time.sleep(0.1)
    lossy.release.clear()
    if round_ == 2:
        lossy.hold = False
    svc = Service(BIN, out4, *args4)
check(wait_for(lambda: set(lossy.stored_keys()) == keys4, 30), f"all five stored: {len(lossy.stored_keys())}")
time.sleep(0.5)
stored = lossy.stored_keys()
check(sorted(stored) == sorted(keys4), f"each stored once, not {len(stored)} times for 5 documents")
check(not [f for f in os.listdir(os.path.join(out4, ".outbox")) if f.endswith(".json")], "outbox empty")
check(svc.stop() == 0, "clean stop")
found = [l for l in svc.log_lines() if l.get("outcome") == "already in the EHR"]
check(len(found) == 3, f"each of the three documents the EHR stored unanswered was found by search, not sent again: {len(found)}")
lossy.server.close()
cleanup(work)
finish("serve/delivery")
