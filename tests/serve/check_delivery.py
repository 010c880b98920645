#!/usr/bin/env python3
"""End-to-end: documents delivered back to a fake EHR on loopback, through
failures and restarts: nothing lost, nothing duplicated.

FHIR: the EHR answers 503 to everything at first; two packets are posted
(10 PDFs queued in the outbox); the service is stopped (SIGTERM), started
again and killed (SIGKILL) while the EHR still fails; the EHR then accepts
after a few more failures and a third start delivers everything. Every
idempotency key is accepted exactly once, each DocumentReference carries the
PDF (base64, SHA-1 hash, size), the key as identifier and the patient's MRN.
Posting a packet again with the same bytes delivers nothing new.
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

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(__file__))
from serve_common import *  # noqa: E402,F403

BIN, ROOT = sys.argv[1], sys.argv[2]
work = workdir("delivery")
out = os.path.join(work, "out")
token_file = os.path.join(work, "ehr-token")
open(token_file, "w").write("ehr-secret-token\n")


class Ehr:
    def __init__(self, tls=None):
        self.lock = threading.Lock()
        self.fail_left = 10 ** 9      # answers before it starts accepting
        self.attempts = []            # (key, status)
        self.accepted = {}            # key -> count of 2xx
        self.bodies = {}              # key -> parsed body
        self.auth = set()
        self.refuse_files = set()     # answered 422
        self.rate_limited = set()     # files answered 429 once
        self.server = FakeServer(self.handle, tls)

    def handle(self, method, path, headers, body):
        key = headers.get("Idempotency-Key", "")
        with self.lock:
            self.auth.add(headers.get("Authorization", ""))
            file = key.split("/")[1] if key.count("/") == 2 else ""
            if file in self.refuse_files:
                status = 422
            elif file == "p2p-script.pdf" and "429" in self.refuse_files and file not in self.rate_limited:
                self.rate_limited.add(file)
                self.attempts.append((key, 429))
                return 429, "application/json", b'{"error": "slow down"}'
            elif self.fail_left > 0:
                self.fail_left -= 1
                status = 503
            else:
                status = 201
            self.attempts.append((key, status))
            if status == 201:
                self.accepted[key] = self.accepted.get(key, 0) + 1
                self.bodies[key] = (path, headers.get("Content-Type"), headers.get("If-None-Exist"), json.loads(body))
        return status, "application/json", b'{"resourceType": "OperationOutcome"}'

    def failed_attempts(self):
        with self.lock:
            return sum(1 for _, s in self.attempts if s >= 500)


ehr = Ehr()
fhir_args = ["--deliver-fhir", ehr.server.url + "/fhir/", "--deliver-token-file", token_file,
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
check(set(ehr.accepted) == expected, "exactly the expected keys")
check(not [f for f in os.listdir(outbox) if f.endswith(".json")], "outbox empty")
check(len(os.listdir(os.path.join(outbox, "sent"))) == 10, "ten sent markers")
check(ehr.auth == {"Bearer ehr-secret-token"}, f"the EHR's token was sent: {ehr.auth}")

# what arrived is a proper DocumentReference carrying the PDF
for key, (path, ctype, if_none, ref) in ehr.bodies.items():
    cid, file, digest = key.split("/")
    check(path == "/fhir/DocumentReference", f"POSTed to {path}")
    check(ctype == "application/fhir+json", f"content type {ctype}")
    check(if_none == "identifier=urn:p2pdoc:document|" + key, f"conditional create: {if_none}")
    check(ref["resourceType"] == "DocumentReference" and ref["status"] == "current", "resourceType and status")
    check(ref["identifier"][0]["value"] == key and ref["masterIdentifier"]["value"] == key, "identifier is the key")
    check(ref["type"]["coding"][0]["code"] == "11488-4", "LOINC type")
    pdf = base64.b64decode(ref["content"][0]["attachment"]["data"])
    att = ref["content"][0]["attachment"]
    check(att["contentType"] == "application/pdf" and pdf.startswith(b"%PDF-"), "a PDF attachment")
    check(hashlib.sha256(pdf).hexdigest() == digest, f"{key}: the bytes of the packet")
    check(att["size"] == len(pdf) and att["hash"] == base64.b64encode(hashlib.sha1(pdf).digest()).decode(), "size and SHA-1")
    want = next(d["sha256"] for d in manifests[cid]["documents"] if d["file"] == file)
    check(want == digest, f"{key}: matches the manifest")
    mrn = json.load(open(os.path.join(ROOT, "samples", "uhc-lumbar-mri.json" if cid == "RSP-2026-00417" else "aetna-acdf.json")))["patient"].get("mrn")
    check(ref["subject"]["identifier"]["value"] == mrn, "subject is the patient's MRN")

# 4. the same bytes posted again: nothing new goes out
seen = len(ehr.attempts)
st, m = c.json("POST", "/v1/packets", open(posted[0], "rb").read())
check(st == 201 and all(d["state"] == "already delivered" for d in m["delivery"]["documents"]), f"repeat: {m.get('delivery')}")
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
check(any(s == 429 for _, s in hook.attempts), "a 429 was answered and then retried")
for key, (path, ctype, if_none, body) in hook.bodies.items():
    check(path == "/hook" and ctype == "application/json" and body["idempotency_key"] == key, "webhook body")
    check(hashlib.sha256(base64.b64decode(body["data"])).hexdigest() == body["sha256"], "webhook data")
st, h, b = w.request("GET", "/metrics")
check("p2pdoc_deliveries_failed 1" in b.decode(), "metrics: one failed")
check(w.stop() == 0, "clean stop")

ehr.server.close()
hook.server.close()
cleanup(work)
finish("serve/delivery")
