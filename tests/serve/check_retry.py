#!/usr/bin/env python3
"""End-to-end: retried posts (issue 14 item 4) against the real service with
its ledger. The same case posted again, even re-serialised, is answered 200
with the manifest already written: no packet regenerated (the folder, its
files and the .prev untouched), no ledger event, no new count in /metrics;
?regenerate=1 makes it again (201). An Idempotency-Key replays with the same
case and is refused (422, naming the header) with another, also after
kill -9 and a restart. Eight posts of one new case at once: one generation
(one 201, seven 200 with the same manifest; the metrics and the ledger say
one packet).

usage: check_retry.py P2PDOC_BINARY REPO_ROOT
"""
import json
import os
import signal
import sqlite3
import sys
import threading

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(__file__))
from serve_common import *  # noqa: E402,F403

BIN, ROOT = sys.argv[1], sys.argv[2]
work = workdir("retry")
out = os.path.join(work, "out")
case = json.load(open(os.path.join(ROOT, "samples", "uhc-lumbar-mri.json")))
body = json.dumps(case).encode()
cid = case["case_id"]


def metric(svc, name):
    _, _, b = svc.request("GET", "/metrics", timeout=30)
    for line in b.decode().splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return -1.0


def ledger_events(case_id=None, kind=None):
    db = sqlite3.connect(os.path.join(out, "p2pdoc.db"))
    try:
        if case_id:
            return db.execute("SELECT COUNT(*) FROM events WHERE case_id = ? AND kind = ?", (case_id, kind)).fetchone()[0]
        return db.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    finally:
        db.close()


def packet_state(case_id):
    d = os.path.join(out, case_id)
    return {n: os.stat(os.path.join(d, n)).st_ino for n in sorted(os.listdir(d))}, os.path.exists(d + ".prev")


svc = Service(BIN, out)
st, h, first = svc.request("POST", "/v1/packets", body)
check(st == 201, f"first post -> {st}")
events, state = ledger_events(), packet_state(cid)
check(".request.json" in state[0], f"the request record sits in the packet: {sorted(state[0])}")

# ---- the same case again: 200, the same manifest, nothing made or recorded --------------------
for label, again in (("the same bytes", body), ("re-serialised", json.dumps(case, indent=3, sort_keys=True).encode())):
    st, h, b = svc.request("POST", "/v1/packets", again)
    check(st == 200 and b == first, f"{label}: -> {st}, the same manifest: {b == first}")
    check(h.get("idempotent-replayed") == "true" and h.get("location") == f"/v1/packets/{cid}", f"{label}: headers {h}")
check(packet_state(cid) == state, "the packet folder is untouched (same files, same inodes, no .prev)")
check(ledger_events() == events, f"no ledger event for a retry: {events} -> {ledger_events()}")
check(metric(svc, "p2pdoc_packets_generated_total") == 1, "metrics: one packet generated")
check(metric(svc, "p2pdoc_packets_replayed_total") == 2, "metrics: two replays")

# ---- ?regenerate=1 makes it again ----------------------------------------------------------------
st, _, _ = svc.request("POST", "/v1/packets?regenerate=1", body)
check(st == 201 and packet_state(cid)[1], f"?regenerate=1 -> {st}, the old packet kept as .prev")
st, _, b = svc.request("POST", "/v1/packets?regenerate=maybe", body)
check(st == 400 and b"regenerate" in b, f"?regenerate=maybe -> {st}")

# ---- Idempotency-Key ----------------------------------------------------------------------------
key = {"Idempotency-Key": '"0b6f3f7e-5f0e-4c1e-9d55-7a3a2f1c9e11"'}
keyed = dict(case, case_id="KEYED-1")
st, _, kfirst = svc.request("POST", "/v1/packets", json.dumps(keyed).encode(), headers=key)
check(st == 201, f"keyed post -> {st}")
st, _, b = svc.request("POST", "/v1/packets?regenerate=1", json.dumps(keyed).encode(), headers=key)
check(st == 200 and b == kfirst, f"the same key and case, even with ?regenerate=1 -> {st} (a retried request)")
other = dict(keyed, case_id="KEYED-2")
st, _, b = svc.request("POST", "/v1/packets", json.dumps(other).encode(), headers=key)
check(st == 422 and b"Idempotency-Key" in b, f"the same key, another case -> {st} {b[:200]!r}")
check(not os.path.exists(os.path.join(out, "KEYED-2")), "nothing written for the refused key")
st, _, b = svc.request("POST", "/v1/packets", json.dumps(keyed).encode(), headers={"Idempotency-Key": '""'})
check(st == 400 and b"Idempotency-Key" in b, f"an empty key -> {st}")

# ---- kill -9 and a restart: the records are on disk ---------------------------------------------
svc.stop(signal.SIGKILL)
svc = Service(BIN, out)
st, _, b = svc.request("POST", "/v1/packets", body)
check(st == 200, f"after kill -9: the same case -> {st}")
st, _, b = svc.request("POST", "/v1/packets", json.dumps(keyed).encode(), headers=key)
check(st == 200 and b == kfirst, f"after kill -9: the same key and case -> {st}")
st, _, b = svc.request("POST", "/v1/packets", json.dumps(other).encode(), headers=key)
check(st == 422, f"after kill -9: the same key, another case -> {st}")

# ---- eight posts of one new case at once: one generation ----------------------------------------
same = json.dumps(dict(case, case_id="SAME-8")).encode()
generated = metric(svc, "p2pdoc_packets_generated_total")
answers = []
barrier = threading.Barrier(8)


def post():
    barrier.wait()
    st, _, b = svc.request("POST", "/v1/packets", same, timeout=120)
    answers.append((st, b))


threads = [threading.Thread(target=post) for _ in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
statuses = sorted(st for st, _ in answers)
check(statuses == [200] * 7 + [201], f"eight posts of one case -> {statuses}")
check(len({b for _, b in answers}) == 1, "all eight got the same manifest")
check(metric(svc, "p2pdoc_packets_generated_total") == generated + 1, "metrics: one more packet generated")
check(ledger_events("SAME-8", "packet_generated") == 1, "the ledger: one packet_generated event")
check(not os.path.exists(os.path.join(out, "SAME-8.prev")), "one generation: no .prev")
check(svc.stop() == 0, "clean stop")
cleanup(work)
finish("serve/retry")
