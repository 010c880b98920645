#!/usr/bin/env python3
"""End-to-end: one request must never take the service down (issue 8).
The real `p2pdoc serve` on loopback against: a gzip bomb (415 before the body
is read), curl's form content type with a case over 8 KiB (201), multipart
(415), a doubled Content-Length (400), 10,000 headers (431), 150 slowloris
connections while /healthz still answers, a symbolic link in the output
folder (404), a worker that aborts, one that hangs past the time limit and
one that runs out of memory (500 with a request id, the next request 201),
and the two crashing inputs of the issue (a clear 4xx or a contained 500).
No timed assertions: bounds are generous, and only "answered at all" counts.

usage: check_hostile.py P2PDOC_BINARY REPO_ROOT
"""
import gzip
import json
import os
import socket
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(__file__))
from serve_common import *  # noqa: E402,F403

BIN, ROOT = sys.argv[1], sys.argv[2]
work = workdir("hostile")
out = os.path.join(work, "out")
SAMPLE = os.path.join(ROOT, "samples", "uhc-lumbar-mri.json")
case_bytes = open(SAMPLE, "rb").read()
case = json.loads(case_bytes)

# the worker faults are a test hook, off unless this variable is set
svc = Service(BIN, out, "--workers", "2", "--worker-timeout", "3", "--worker-memory", "512", "--header-timeout", "3",
              "--threads", "8", env=clean_env(P2PDOC_TEST_WORKER_FAULTS="1"))


def raw(request, wait=30):
    """Sends bytes as they are; returns (status, headers dict, body)."""
    s = socket.create_connection(("127.0.0.1", svc.port), timeout=wait)
    data = b""
    try:
        s.sendall(request)
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
    except (socket.timeout, ConnectionResetError, BrokenPipeError):
        pass
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ")[1]) if lines[0].startswith(b"HTTP/1.1 ") else 0
    headers = {}
    for l in lines[1:]:
        k, _, v = l.partition(b":")
        headers[k.strip().lower().decode()] = v.strip().decode()
    return status, headers, body


def post(body, extra=b"", path=b"/v1/packets"):
    return raw(b"POST " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: " +
               str(len(body)).encode() + b"\r\n" + extra + b"\r\n" + body)


def healthy():
    try:
        return svc.request("GET", "/healthz", timeout=30)[0] == 200
    except OSError:
        return False


# ---- a gzip bomb is refused before it is read ---------------------------------------
bomb = gzip.compress(b"{" + b" " * (200 << 20) + b"}", 9)  # 200 MB of JSON in ~200 KB
st, h, b = post(bomb, b"Content-Type: application/json\r\nContent-Encoding: gzip\r\n")
check(st == 415, f"gzip body -> {st} {b[:200]!r}")
check("x-request-id" in h, "415 carries a request id")
st, _, _ = post(case_bytes, b"Content-Encoding: identity\r\n")
check(st == 201, f"Content-Encoding: identity -> {st}")

# ---- curl's default content type, a case over 8 KiB -> 201 -----------------------------
big = dict(case)
big["notes_padding"] = "x" * 20000  # an unknown key: a warning, not an error
big_bytes = json.dumps(big).encode()
st, _, b = post(big_bytes, b"Content-Type: application/x-www-form-urlencoded\r\n")
check(st == 201, f"form content type, {len(big_bytes)} bytes -> {st} {b[:300]!r}")
st, _, b = post(big_bytes, b"Content-Type: text/plain\r\n", b"/v1/validate")
check(st == 200, f"text/plain validate -> {st}")

# ---- multipart -> 415 ---------------------------------------------------------------
mp = (b"--XyZ\r\nContent-Disposition: form-data; name=\"case\"; filename=\"c.json\"\r\n"
      b"Content-Type: application/json\r\n\r\n" + case_bytes + b"\r\n--XyZ--\r\n")
st, _, b = post(mp, b"Content-Type: multipart/form-data; boundary=XyZ\r\n")
check(st == 415, f"multipart -> {st} {b[:200]!r}")

# ---- a doubled Content-Length -> 400 --------------------------------------------------
st, _, b = raw(b"POST /v1/packets HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: " +
               str(len(case_bytes)).encode() + b"\r\nContent-Length: 5\r\n\r\n" + case_bytes)
check(st == 400, f"two Content-Length headers -> {st} {b[:200]!r}")

# ---- 10,000 headers -> 431 -------------------------------------------------------------
many = b"".join(b"X-H%d: v\r\n" % i for i in range(10000))
st, _, _ = raw(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + many + b"\r\n")
check(st in (431, 400), f"10,000 headers -> {st}")
check(healthy(), "alive after the header flood")

# ---- a symbolic link in the output folder is never followed --------------------------
os.symlink("/etc", os.path.join(out, "ETCLINK"))
st, _, b = raw(b"GET /v1/packets/ETCLINK/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
check(st == 404 and b"root:" not in b, f"OUT/ETCLINK -> /etc: GET .../ETCLINK/passwd -> {st}")
st, _, b = raw(b"GET /v1/packets/ETCLINK HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
check(st == 404, f"GET /v1/packets/ETCLINK (manifest through a link) -> {st}")
os.makedirs(os.path.join(out, "REAL"), exist_ok=True)
os.symlink("/etc/passwd", os.path.join(out, "REAL", "file.pdf"))
st, _, _ = raw(b"GET /v1/packets/REAL/file.pdf HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
check(st == 404, f"a link as the last component -> {st}")

# ---- crashed, hung and memory-hungry workers fail one request each -----------------------
for fault, what in (("fault-abort", "abort"), ("fault-hang", "time limit"), ("fault-memory", "memory limit")):
    bad = dict(case)
    bad["case_id"] = fault
    st, h, b = svc.request("POST", "/v1/packets", json.dumps(bad).encode(), timeout=120)
    rid = h.get("x-request-id", "")
    body_ok = False
    try:
        body_ok = json.loads(b).get("request_id") == rid and rid != ""
    except ValueError:
        pass
    check(st == 500 and body_ok, f"{what}: -> {st}, request id {rid!r} in header and body: {body_ok} {b[:200]!r}")
    check(svc.alive(), f"service alive after the worker's {what}")
    st, _, _ = svc.request("POST", "/v1/packets?regenerate=1", case_bytes, timeout=120)
    check(st == 201, f"the next packet after the worker's {what} -> {st}")
    lost = [l for l in svc.log_lines() if l.get("event") == "internal_error" and l.get("case_id") == fault]
    check(lost and lost[-1].get("request_id") == rid, f"{what}: logged with case id and request id")
check(not os.path.exists(os.path.join(out, "fault-abort")), "a crashed worker writes no packet")

# several at once: the others carry on
results = []


def one(body):
    try:
        results.append(svc.request("POST", "/v1/packets", body, timeout=120)[0])
    except OSError as e:
        results.append(str(e))


abort_case = json.dumps(dict(case, case_id="fault-abort")).encode()
# each good post under its own case id, so that each is generated (one id: one generation)
threads = [threading.Thread(target=one, args=(abort_case if i % 3 == 0 else
                                              json.dumps(dict(case, case_id=f"HOSTILE-{i}")).encode(),))
           for i in range(9)]
for t in threads:
    t.start()
for t in threads:
    t.join()
check(sorted(results) == [201] * 6 + [500] * 3, f"3 crashing among 9 concurrent posts -> {sorted(map(str, results))}")

# ---- the inputs of issue 8 that killed the service: a 4xx or a contained 500 ----------------
# a valid case plus one unknown key nested 9,000 deep (too deep for Python's json module)
nest = b'{"k": ' * 9000 + b"{}" + b"}" * 9000
deep_bytes = json.dumps(case).encode()[:-1] + b', "unknown_deep": ' + nest + b"}"
st, _, _ = svc.request("POST", "/v1/packets", deep_bytes, timeout=120)
check(st in (400, 422, 500), f"9,000-deep nesting -> {st}")
print("9,000-deep nesting ->", st)
check(healthy(), "alive after the deep nesting")
far = json.loads(case_bytes)
far["denial"]["date"] = "9999-11-30"
st, _, _ = svc.request("POST", "/v1/packets", json.dumps(far).encode(), timeout=120)
check(st in (400, 422, 500), f"denial.date 9999-11-30 -> {st}")
print("denial.date 9999-11-30 ->", st)
check(healthy(), "alive after the far-future date")

# ---- slowloris: 150 connections trickling headers; /healthz still answers -------------
slow = []
for i in range(150):
    try:
        s = socket.create_connection(("127.0.0.1", svc.port), timeout=10)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        slow.append(s)
    except OSError:
        break
check(len(slow) == 150, f"opened {len(slow)} slow connections")
answered = 0
for probe in range(5):
    for s in slow:  # one more header line each: never finishing the request
        try:
            s.sendall(b"X-a: b\r\n")
        except OSError:
            pass
    if healthy():
        answered += 1
    time.sleep(0.5)
check(answered == 5, f"/healthz answered {answered} of 5 probes under 150 slow connections")
st, _, _ = svc.request("GET", "/metrics", timeout=30)
check(st == 200, f"/metrics under slowloris -> {st}")
# past the header deadline the slow connections are closed by the service
# (only a close by the service counts, not a timeout of the test's own)
closed = closed_by_service(slow, b"X-a: b\r\n")
for s in slow:
    s.close()
check(closed == 150, f"slow connections closed by the service: {closed}")
check(healthy(), "alive after slowloris")

st, _, _ = svc.request("POST", "/v1/packets?regenerate=1", case_bytes, timeout=120)
check(st == 201, f"a packet at the end -> {st}")
check(svc.stop() == 0, "clean stop")
logs = open(svc.log, encoding="utf-8").read()
check(case["patient"]["name"] not in logs and case["patient"]["mrn"] not in logs, "no patient data in the log")
cleanup(work)
finish("serve/hostile")
