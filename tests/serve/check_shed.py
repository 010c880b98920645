#!/usr/bin/env python3
"""End-to-end: load shedding (issue 8). With one generation slot and room for
two waiting requests, a hung worker (the test hook P2PDOC_TEST_WORKER_FAULTS=1,
case id fault-hang) holds the slot and two posts wait; every further post
gets 503 with Retry-After at once, while /healthz and /metrics still answer.
When the hung worker is killed (its request gets 500), the waiting posts are
served and new posts get 201 again. Every step waits for a state the
service's /metrics shows, never for a guess at timing.

usage: check_shed.py P2PDOC_BINARY REPO_ROOT
"""
import json
import os
import signal
import sys
import threading

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(__file__))
from serve_common import *  # noqa: E402,F403

BIN, ROOT = sys.argv[1], sys.argv[2]
work = workdir("shed")
case_bytes = open(os.path.join(ROOT, "samples", "uhc-lumbar-mri.json"), "rb").read()
hang_bytes = json.dumps(dict(json.loads(case_bytes), case_id="fault-hang")).encode()


def case_as(case_id):
    """The sample under another case id: posts of one case id wait for each
    other before the slot (the second is a retry), so each post here has its own."""
    return json.dumps(dict(json.loads(case_bytes), case_id=case_id)).encode()


# the time limits are far away: only the test ends the hang
conf = os.path.join(work, "serve.conf")
open(conf, "w").write("queue_timeout = 600\n")
svc = Service(BIN, os.path.join(work, "out"), "--config", conf, "--workers", "1", "--max-queue", "2",
              "--worker-timeout", "600", env=clean_env(P2PDOC_TEST_WORKER_FAULTS="1"))


def metrics():
    st, _, b = svc.request("GET", "/metrics", timeout=30)
    values = {}
    for line in b.decode().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            values[name] = float(value)
    return st, values


def gauge(name):
    return metrics()[1].get(name, -1)


answers = {}


def post(name, body):
    try:
        st, h, _ = svc.request("POST", "/v1/packets", body, timeout=300)
        answers[name] = st
    except OSError as e:
        answers[name] = str(e)


def in_background(name, body):
    t = threading.Thread(target=post, args=(name, body))
    t.start()
    return t


def worker_pids():
    """The service's generation workers (`p2pdoc serve-worker`), from /proc."""
    pids = []
    pid = svc.proc.pid
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            kids = open(f"/proc/{pid}/task/{tid}/children").read().split()
        except OSError:
            continue
        for k in kids:
            try:
                if b"serve-worker" in open(f"/proc/{k}/cmdline", "rb").read():
                    pids.append(int(k))
            except OSError:
                pass
    return pids


# ---- fill the slot and the queue ---------------------------------------------------
hung = in_background("hung", hang_bytes)
check(wait_for(lambda: gauge("p2pdoc_generation_running") == 1, 60, step=0.1), "the hung case holds the only slot")
waiting = [in_background(f"waiting{i}", case_as(f"SHED-WAIT-{i}")) for i in range(2)]
check(wait_for(lambda: gauge("p2pdoc_generation_waiting") == 2, 60, step=0.1), "two posts wait for the slot")

# ---- the queue is full: 503 with Retry-After, at once ------------------------------------
for i in range(3):
    st, h, b = svc.request("POST", "/v1/packets", case_as(f"SHED-FULL-{i}"), timeout=60)
    msg = ""
    try:
        msg = json.loads(b)["errors"][0]["message"]
    except (ValueError, KeyError, IndexError):
        pass
    check(st == 503 and h.get("retry-after") == "1" and "busy" in msg,
          f"post {i + 1} with the queue full -> {st}, Retry-After {h.get('retry-after')!r}, {msg!r}")
    check("x-request-id" in h, "the 503 carries a request id")
st, h, b = svc.request("GET", "/healthz", timeout=30)
check(st == 200 and json.loads(b)["status"] == "ok", f"/healthz while shedding -> {st}")
st, values = metrics()
check(st == 200, f"/metrics while shedding -> {st}")
check(values.get("p2pdoc_requests_shed_total") == 3, f"3 requests counted as shed: {values.get('p2pdoc_requests_shed_total')}")
st, _ = svc.json("POST", "/v1/validate", case_bytes)
check(st == 200, f"validation needs no slot: /v1/validate while shedding -> {st}")
check(all(t.is_alive() for t in [hung] + waiting), "the hung post and the two waiting posts are still open")

# ---- end the hang: the waiting posts are served, and new ones too --------------------------
pids = worker_pids()
check(len(pids) == 1, f"one generation worker: {pids}")
for p in pids:
    os.kill(p, signal.SIGKILL)  # a worker of the service this test started
for t in [hung] + waiting:
    t.join(300)
check(answers.get("hung") == 500, f"the hung post -> {answers.get('hung')} (its worker was killed)")
check([answers.get(f"waiting{i}") for i in range(2)] == [201, 201], f"the waiting posts -> {answers}")
check(gauge("p2pdoc_generation_waiting") == 0 and gauge("p2pdoc_generation_running") == 0, "queue and slot empty again")
st, h, _ = svc.request("POST", "/v1/packets", case_as("SHED-AFTER"), timeout=120)
check(st == 201 and "retry-after" not in h, f"a post after the load -> {st}")
check(svc.stop() == 0, "clean stop")
cleanup(work)
finish("serve/shed")
