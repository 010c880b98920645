#!/usr/bin/env python3
"""End-to-end: 200 concurrent requests against the real service (default
settings): 160 packets (40 case ids, so several posts of one case race each
other), 20 validations, 20 health and metrics reads, all released at once.
Every answer must be a success (the default queue is long enough for all);
no 5xx, no dropped connection, no crash; afterwards every packet on disk is
whole and matches its manifest. Then load shedding: one worker and a queue
of two, 24 posts at once: only 201 or 503 with Retry-After.

usage: check_load.py P2PDOC_BINARY REPO_ROOT
"""
import json
import os
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(__file__))
from serve_common import *  # noqa: E402,F403

BIN, ROOT = sys.argv[1], sys.argv[2]
work = workdir("load")
out = os.path.join(work, "out")
svc = Service(BIN, out)

bodies = [json.load(open(p)) for p in samples(ROOT)]
jobs = []
for i in range(160):
    # four posts of each case id, each with another body: they race and replace each other
    case = json.loads(json.dumps(bodies[(i + i // 40) % len(bodies)]))
    case["case_id"] = f"LOAD-{i % 40:03d}"
    jobs.append(("POST", "/v1/packets", json.dumps(case).encode()))
for i in range(20):
    jobs.append(("POST", "/v1/validate", json.dumps(bodies[i % len(bodies)]).encode()))
for i in range(20):
    jobs.append(("GET", "/healthz" if i % 2 else "/metrics", None))

results = [None] * len(jobs)
barrier = threading.Barrier(len(jobs))


def worker(i):
    method, path, body = jobs[i]
    barrier.wait()
    started = time.time()
    try:
        st, h, b = svc.request(method, path, body, timeout=120)
        results[i] = (st, b, time.time() - started)
    except Exception as e:  # a reset or refused connection is a failure too
        results[i] = (0, repr(e).encode(), time.time() - started)


started = time.time()
threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(jobs))]
for t in threads:
    t.start()
for t in threads:
    t.join()
elapsed = time.time() - started

statuses = {}
for (method, path, _), (st, b, dt) in zip(jobs, results):
    statuses[st] = statuses.get(st, 0) + 1
    ok = st in ((201,) if path == "/v1/packets" else (200,)) or st in (429, 503)
    check(ok, f"{method} {path} -> {st} {b[:200]!r}")
check(not any(s >= 500 and s != 503 for s in statuses), f"no 5xx: {statuses}")
check(svc.alive(), "the service survived")
slowest = max(r[2] for r in results)
print(f"200 concurrent requests in {elapsed:.2f} s, slowest {slowest:.2f} s, statuses {statuses}")

# every packet on disk is whole: its files match its manifest
for n in range(40):
    cid = f"LOAD-{n:03d}"
    st, m = svc.json("GET", f"/v1/packets/{cid}")
    if not check(st == 200, f"GET /v1/packets/{cid} -> {st}"):
        continue
    for d in m["documents"]:
        st, h, b = svc.request("GET", d["url"])
        check(st == 200 and sha256(b) == d["sha256"], f"{d['url']} matches its manifest")
leftovers = [n for n in os.listdir(out) if n.startswith(".staging")]
check(not leftovers, f"no staging folders left: {leftovers}")

st, h, b = svc.request("GET", "/metrics")
text = b.decode()
check('p2pdoc_http_requests_total{method="POST",route="/v1/packets",status="201"} 160' in text, "metrics: 160 packets")
check("p2pdoc_failures_total 0" in text, "metrics: no failures")
check(svc.stop() == 0, "clean stop")

# load shedding: one worker, at most two waiting; the rest get a clean 503 with Retry-After
small = Service(BIN, os.path.join(work, "out-small"), "--workers", "1", "--max-queue", "2")
shed = []
gate = threading.Barrier(24)


def shed_worker(i):
    # four posts of each case id, each with another body: they race and replace each other
    case = json.loads(json.dumps(bodies[(i + i // 40) % len(bodies)]))
    case["case_id"] = f"SHED-{i}"
    gate.wait()
    try:
        st, h, b = small.request("POST", "/v1/packets", json.dumps(case).encode())
        shed.append((st, h.get("retry-after")))
    except Exception as e:
        shed.append((0, repr(e)))


threads = [threading.Thread(target=shed_worker, args=(i,)) for i in range(24)]
for t in threads:
    t.start()
for t in threads:
    t.join()
codes = sorted(s for s, _ in shed)
check(set(codes) <= {201, 503} and 201 in codes and 503 in codes, f"shedding: only 201 and 503: {codes}")
check(all(r == "1" for s, r in shed if s == 503), "503 carries Retry-After")
st, h, b = small.request("GET", "/metrics")
check(f"p2pdoc_requests_shed_total {codes.count(503)}" in b.decode(), "metrics count the shed requests")
check(small.stop() == 0, "clean stop")
cleanup(work)
finish("serve/load")
