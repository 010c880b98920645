#!/usr/bin/env python3
"""End-to-end: the HTTPS service keeps the limits of the plain one (issue 8).
The real `p2pdoc serve --tls-cert --tls-key` on loopback, with a self-signed
certificate openssl makes in a temporary folder: header count limit (431), a
doubled Content-Length (400), connections that never finish the TLS
handshake, 100 handshaken connections trickling headers (slowloris) while
/healthz and /metrics still answer, a body trickled past its deadline, and
the connection cap: a connection that waited for a thread longer than the
header deadline gets 503 with Retry-After. Each slow client must be cut off
by the service itself (the test waits for the service to close, never
decides by the clock alone); bounds are generous.
Skips (exit 77) only when the openssl tool is missing.

usage: check_tls.py P2PDOC_BINARY REPO_ROOT
"""
import http.client
import json
import os
import socket
import ssl
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(__file__))
from serve_common import *  # noqa: E402,F403

BIN, ROOT = sys.argv[1], sys.argv[2]
work = workdir("tls")
pair = make_certificate(work)
if not pair:
    print("serve/tls: skipped: the openssl tool is missing, so no certificate can be made")
    cleanup(work)
    sys.exit(77)
CERT, KEY = pair
CTX = ssl.create_default_context(cafile=CERT)
case_bytes = open(os.path.join(ROOT, "samples", "uhc-lumbar-mri.json"), "rb").read()

# Header deadline 2 s, body deadline 4 s. httplib's own TLS loop cut a client
# off only after `--timeout` seconds without a byte, so trickling kept a
# connection forever.
svc = Service(BIN, os.path.join(work, "out"), "--tls-cert", CERT, "--tls-key", KEY, "--threads", "8",
              "--header-timeout", "2", "--timeout", "4")


def tls_socket(port, timeout=30):
    raw = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    return CTX.wrap_socket(raw, server_hostname="127.0.0.1")


def https(method, path, body=None, port=None, timeout=60):
    conn = http.client.HTTPSConnection("127.0.0.1", port or svc.port, context=CTX, timeout=timeout)
    try:
        conn.request(method, path, body=body)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def raw(request, port=None):
    """Sends bytes over TLS as they are; returns (status, headers dict)."""
    s = tls_socket(port or svc.port)
    data = b""
    try:
        s.sendall(request)
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
    except (socket.timeout, ConnectionResetError, BrokenPipeError, ssl.SSLError):
        pass
    s.close()
    head = data.partition(b"\r\n\r\n")[0].split(b"\r\n")
    status = int(head[0].split(b" ")[1]) if head[0].startswith(b"HTTP/1.1 ") else 0
    headers = {}
    for line in head[1:]:
        k, _, v = line.partition(b":")
        headers[k.strip().lower().decode()] = v.strip().decode()
    return status, headers


def healthy(port=None):
    try:
        return https("GET", "/healthz", port=port, timeout=30)[0] == 200
    except (OSError, http.client.HTTPException):
        return False


# ---- the plain path's answers, over TLS -----------------------------------------------
check(healthy(), "GET /healthz over TLS -> 200")
st, h, b = https("POST", "/v1/packets", case_bytes)
check(st == 201, f"POST a case over TLS -> {st} {b[:200]!r}")
many = b"".join(b"X-H%d: v\r\n" % i for i in range(10000))
st, _ = raw(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + many + b"\r\n")
check(st in (431, 400), f"10,000 headers over TLS -> {st}")
st, _ = raw(b"POST /v1/validate HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: " +
            str(len(case_bytes)).encode() + b"\r\nContent-Length: 5\r\n\r\n" + case_bytes)
check(st == 400, f"two Content-Length headers over TLS -> {st}")

# ---- no handshake: TCP connections that send nothing, or half a ClientHello ----------
silent = [socket.create_connection(("127.0.0.1", svc.port), timeout=10) for _ in range(20)]
silent[0].sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")  # a record header promising 512 bytes, then stalls
check(healthy(), "/healthz answers while 20 connections stall before the handshake")
cut = closed_by_service(silent, b"")
check(cut == 20, f"connections stalled before the handshake closed by the service: {cut} of 20")
for s in silent:
    s.close()

# ---- slowloris over TLS: 100 handshaken connections trickling headers -------------------
slow = []
for _ in range(100):
    try:
        s = tls_socket(svc.port, timeout=10)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        slow.append(s)
    except OSError:
        break
check(len(slow) == 100, f"opened {len(slow)} slow TLS connections")
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
check(answered == 5, f"/healthz answered {answered} of 5 probes under 100 slow TLS connections")
st, _, _ = https("GET", "/metrics", timeout=30)
check(st == 200, f"/metrics under slowloris over TLS -> {st}")
cut = closed_by_service(slow, b"X-a: b\r\n")
check(cut == 100, f"trickling TLS connections closed by the service: {cut} of 100")
for s in slow:
    s.close()

# ---- a body trickled past the body deadline ---------------------------------------------
s = tls_socket(svc.port)
s.sendall(b"POST /v1/validate HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{")
check(closed_by_service([s], b" ") == 1, "a TLS body trickled a byte at a time is cut off by the service")
s.close()
check(healthy(), "alive after the slow clients")

# ---- the connection cap: one thread, one connection ---------------------------------------
capped = Service(BIN, os.path.join(work, "out-capped"), "--tls-cert", CERT, "--tls-key", KEY, "--threads", "1",
                 "--max-connections", "1", "--header-timeout", "2", "--timeout", "8")
# the only thread reads this body for up to 8 s after the headers...
holder = tls_socket(capped.port)
holder.sendall(b"POST /v1/validate HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{")
# ...so this connection waits in the queue far past the 2 s header deadline: shed
st, h = raw(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", port=capped.port)
check(st == 503 and h.get("retry-after") == "1", f"a TLS connection past the cap -> {st}, Retry-After {h.get('retry-after')!r}")
check(closed_by_service([holder], b" ") == 1, "the connection holding the only thread is cut at the body deadline")
holder.close()
check(wait_for(lambda: healthy(capped.port), 60, step=0.5), "the capped service answers again once the holder is gone")
check(capped.stop() == 0, "capped service: clean stop")

st, _, _ = https("POST", "/v1/packets?regenerate=1", case_bytes)
check(st == 201, f"a packet at the end -> {st}")
check(svc.stop() == 0, "clean stop")
errors = [l for l in svc.log_lines() if l.get("event") == "internal_error"]
check(not errors, f"no internal errors logged: {errors[:2]}")
cleanup(work)
finish("serve/tls")
