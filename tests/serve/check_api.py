#!/usr/bin/env python3
"""End-to-end: the real `p2pdoc serve` over real HTTP on loopback.
Every sample through POST /v1/packets (201, manifest, each document fetched
and its sha256 compared, the same bytes as `p2pdoc generate`), validation,
every class of client error (400, 401, 404, 405, 411, 413 with a 10 MB body,
422 with JSON paths), path traversal, tokens and the loopback rule, logs
without patient data, metrics, HTTPS, a clean stop.

usage: check_api.py P2PDOC_BINARY REPO_ROOT
"""
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import http.client

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(__file__))
from serve_common import *  # noqa: E402,F403

BIN, ROOT = sys.argv[1], sys.argv[2]
work = workdir("api")
out = os.path.join(work, "out")
svc = Service(BIN, out)


def raw(port, request, wait=10):
    """Sends bytes as they are (no client-side path normalising); returns the status line and body."""
    s = socket.create_connection(("127.0.0.1", port), timeout=wait)
    s.sendall(request)
    data = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
            if b"\r\n\r\n" in data:
                head, _, body = data.partition(b"\r\n\r\n")
                length = [l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")]
                if length and len(body) >= int(length[0].split(b":")[1]):
                    break
    except socket.timeout:
        pass
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1]) if head.startswith(b"HTTP/1.1 ") else 0
    return status, body


# ---- every sample: 201, manifest, documents by URL ------------------------------
cases = {}
for path in samples(ROOT):
    body = open(path, "rb").read()
    case = json.loads(body)
    status, headers, answer = svc.request("POST", "/v1/packets", body, {"Content-Type": "application/json"})
    if not check(status == 201, f"{os.path.basename(path)}: POST /v1/packets -> {status} {answer[:300]!r}"):
        continue
    m = json.loads(answer)
    cid = case["case_id"]
    cases[cid] = m
    check(m["case_id"] == cid, f"{cid}: manifest case_id")
    check(headers.get("location") == f"/v1/packets/{cid}", f"{cid}: Location header")
    check(headers.get("content-type", "").startswith("application/json"), f"{cid}: JSON answer")
    check([d["file"] for d in m["documents"]] == PDFS + ["notice.txt"], f"{cid}: documents {m['documents']}")
    for d in m["documents"]:
        check(d["url"] == f"/v1/packets/{cid}/{d['file']}", f"{cid}: url of {d['file']}")
        for key in ("kind", "bytes", "sha256"):
            check(key in d, f"{cid}: {d['file']} has {key}")
        st, h, got = svc.request("GET", d["url"])
        check(st == 200, f"GET {d['url']} -> {st}")
        want_type = "application/pdf" if d["file"].endswith(".pdf") else "text/plain; charset=utf-8"
        check(h.get("content-type") == want_type, f"{d['url']}: content type {h.get('content-type')}")
        check(sha256(got) == d["sha256"] and len(got) == d["bytes"], f"{d['url']}: sha256 and size match the manifest")
        if d["file"].endswith(".pdf"):
            check(got.startswith(b"%PDF-"), f"{d['url']}: a PDF")
    st, again = svc.json("GET", f"/v1/packets/{cid}")
    check(st == 200 and again["documents"][0]["sha256"] == m["documents"][0]["sha256"], f"GET /v1/packets/{cid}")
    st, v = svc.json("POST", "/v1/validate", body)
    check(st == 200 and v["valid"] is True and v["case_id"] == cid, f"{cid}: validate -> {st} {v}")
check(len(cases) == len(samples(ROOT)) == 8, f"all {len(samples(ROOT))} samples created")

# the service writes the bytes the CLI writes (same clock)
first = samples(ROOT)[0]
cli_out = os.path.join(work, "cli")
r = subprocess.run([BIN, "generate", first, "--out", cli_out], capture_output=True, env=clean_env())
cid = json.load(open(first))["case_id"]
for d in cases.get(cid, {}).get("documents", []):
    cli_bytes = open(os.path.join(cli_out, cid, d["file"]), "rb").read()
    check(sha256(cli_bytes) == d["sha256"], f"{cid}/{d['file']}: same bytes as p2pdoc generate")

# ---- client errors --------------------------------------------------------------
sample = json.load(open(os.path.join(ROOT, "samples", "uhc-lumbar-mri.json")))

st, e = svc.json("POST", "/v1/packets", b'{\n  "case_id": "X",\n  "format" "p2p-case/1"\n}')
check(st == 400 and "line 3, column" in e["errors"][0]["message"], f"malformed JSON -> 400 with line/column: {st} {e}")
for bad in (b"", b"\xff\xfe not utf-8", b"{" * 2000, b"[" * 500000 + b"]" * 500000):
    st, h, b = svc.request("POST", "/v1/packets", bad)
    check(st in (400, 422), f"hostile body ({bad[:12]!r}..., {len(bad)} bytes) -> {st}, expected 400/422")
st, e = svc.json("POST", "/v1/validate", b"[1, 2")
check(st == 400, f"validate malformed -> {st}")

invalid = json.loads(json.dumps(sample))
invalid["denial"]["date"] = "2026-13-01"
del invalid["patient"]["member_id"]
invalid["extra_key"] = 1
for route in ("/v1/packets", "/v1/validate"):
    st, e = svc.json("POST", route, json.dumps(invalid).encode())
    paths = [x["path"] for x in e["errors"]] if isinstance(e, dict) else []
    check(st == 422, f"{route} invalid case -> {st}")
    check("/denial/date" in paths and "/patient/member_id" in paths, f"{route}: 422 names the paths: {paths}")
    check(any(w["path"] == "/extra_key" for w in e.get("warnings", [])), f"{route}: 422 carries the warnings too")
warned = json.loads(json.dumps(sample))
warned["case_id"] = "WARN-1"
warned["extra_key"] = 1
st, m = svc.json("POST", "/v1/packets", json.dumps(warned).encode())
check(st == 201 and any(w["path"] == "/extra_key" for w in m["warnings"]), f"201 carries warnings: {st}")

st, e = svc.json("GET", "/v2/nothing")
check(st == 404 and e["errors"][0]["message"], f"unknown route -> {st}")
check(svc.request("GET", "/v1/packets/NO-SUCH-CASE/brief.pdf")[0] == 404, "unknown case -> 404")
check(svc.request("GET", "/v1/packets/NO-SUCH-CASE")[0] == 404, "unknown packet -> 404")
check(svc.request("GET", "/v1/packets/RSP-2026-00417/missing.pdf")[0] == 404, "unknown document -> 404")
for method, path, allow in (("GET", "/v1/packets", "POST"), ("DELETE", "/v1/packets/RSP-2026-00417/brief.pdf", "GET, HEAD"),
                            ("PUT", "/v1/validate", "POST"), ("POST", "/healthz", "GET, HEAD")):
    st, h, b = svc.request(method, path, b"x" if method in ("PUT", "POST") else None)
    check(st == 405 and h.get("allow") == allow, f"{method} {path} -> {st} Allow={h.get('allow')}")

# 10 MB body: 413, and the client gets to read it
big = b"{" + b" " * (10 * 1024 * 1024) + b"}"
st, h, b = svc.request("POST", "/v1/packets", big)
check(st == 413 and b"larger than the limit of 1048576 bytes" in b, f"10 MB body -> {st} {b[:200]!r}")
# a client that waits for 100-continue is refused before it sends a byte
st, b = raw(svc.port, b"POST /v1/packets HTTP/1.1\r\nHost: x\r\nContent-Length: 10485760\r\nExpect: 100-continue\r\n\r\n")
check(st == 413, f"Expect: 100-continue with 10 MB -> {st}")
st, b = raw(svc.port, b"POST /v1/packets HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n")
check(st == 411, f"chunked body -> {st}")
st, b = raw(svc.port, b"POST /v1/packets HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n{}")
check(st == 413, f"absurd Content-Length -> {st}")
st, b = raw(svc.port, b"NONSENSE\r\n\r\n")
check(st in (0, 400), f"garbage request line -> {st}")

# ---- path traversal: nothing outside OUT/<case_id>/ is ever served ----------------
secret = os.path.join(work, "secret.txt")
open(secret, "w").write("TOP-SECRET")
open(os.path.join(out, "secret.txt"), "w").write("TOP-SECRET")
os.symlink(secret, os.path.join(out, "RSP-2026-00417", "link.pdf"))
for p in ["/v1/packets/../../secret.txt", "/v1/packets/..%2F..%2Fsecret.txt", "/v1/packets/RSP-2026-00417/..%2F..%2Fsecret.txt",
          "/v1/packets/%2e%2e/secret.txt", "/v1/packets/RSP-2026-00417/%2e%2e", "/v1/packets/..", "/v1/packets/../secret.txt",
          "/v1/packets/RSP-2026-00417/%2Fetc%2Fpasswd", "/v1/packets//etc/passwd", "/v1/packets/RSP-2026-00417/link.pdf",
          "/v1/packets/RSP-2026-00417/manifest.json%00.pdf", "/v1/packets/.outbox/x", "/v1/packets/RSP-2026-00417/.%2e",
          "/v1/packets/RSP-2026-00417/..\\..\\secret.txt", "/v1/packets/%2Ftmp/secret.txt", "/v1/packets/~/secret.txt"]:
    st, b = raw(svc.port, f"GET {p} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    check(st in (400, 404), f"GET {p} -> {st}, expected 400 or 404")
    check(b"TOP-SECRET" not in b and b"root:" not in b, f"GET {p} leaked a file")

st, h, b = svc.request("HEAD", "/healthz")
check(st == 200 and b == b"", f"HEAD /healthz -> {st}")
st, h, b = svc.request("GET", "/metrics")
text = b.decode()
check(st == 200 and h.get("content-type", "").startswith("text/plain"), "metrics are text")
check('p2pdoc_http_requests_total{method="POST",route="/v1/packets",status="201"} 9' in text, "metrics count the 201s")
check('p2pdoc_http_requests_total{method="POST",route="/v1/packets",status="413"}' in text, "metrics count the 413s")
check("p2pdoc_documents_generated_total 54" in text, "metrics count the documents")
check('p2pdoc_http_request_duration_seconds_bucket{method="POST",route="/v1/packets",le="+Inf"}' in text, "latency histogram")
check('route="unmatched"' in text and "/v2/nothing" not in text, "unknown paths are counted as unmatched, not by path")
check(svc.alive(), "still running after every error class")
check(svc.stop() == 0, "SIGTERM: exit code 0")

# ---- logs: one JSON line per request, no patient data ---------------------------
lines = svc.log_lines()
reqs = [l for l in lines if l.get("event") == "request"]
check(len(reqs) > 100, f"one log line per request ({len(reqs)})")
check(all({"route", "status", "ms", "method"} <= set(l) for l in reqs), "request lines carry route, status, ms")
check(any(l.get("case_id") == "RSP-2026-00417" and l["status"] == 201 for l in reqs), "case id logged")
check(lines[-1].get("event") == "stop", "a stop line at the end")
log_text = open(svc.log).read()
for path in samples(ROOT):
    c = json.load(open(path))
    for phi in (c["patient"]["name"], c["patient"]["member_id"], c["patient"].get("mrn"), c["patient"]["dob"]):
        if phi:
            check(phi not in log_text, f"the log contains patient data ({phi[:3]}...)")

# ---- tokens ---------------------------------------------------------------------
token_file = os.path.join(work, "tokens")
open(token_file, "w").write("# integration engine\nfile-token-0123456789abcdef\n")
auth = Service(BIN, out, "--token-file", token_file, env=clean_env(P2PDOC_TOKENS="env-token-0123456789abcdef,second-env-token-0123456789"))
body = open(samples(ROOT)[0], "rb").read()
check(auth.request("GET", "/healthz")[0] == 200, "healthz needs no token")
st, h, b = auth.request("POST", "/v1/packets", body)
check(st == 401 and "bearer" in h.get("www-authenticate", "").lower(), f"no token -> {st}")
for hdr in ("Bearer wrong-token-0123456789abcdef", "Basic file-token-0123456789abcdef", "Bearer ", "Bearer file-token-0123456789abcde"):
    check(auth.request("GET", "/metrics", headers={"Authorization": hdr})[0] == 401, f"{hdr!r} -> 401")
for tok in ("file-token-0123456789abcdef", "env-token-0123456789abcdef", "second-env-token-0123456789"):
    st, h, b = auth.request("POST", "/v1/packets", body, {"Authorization": "Bearer " + tok})
    check(st in (200, 201), f"token {tok[:8]}... -> {st} (200: the same case again, answered from disk)")
check(auth.request("GET", "/nope", headers={"Authorization": "Bearer env-token-0123456789abcdef"})[0] == 404, "authenticated 404")
auth.stop()

# without a token, only loopback
r = subprocess.run([BIN, "serve", "--listen", "0.0.0.0:0", "--out", out], capture_output=True, text=True, env=clean_env(), timeout=20)
check(r.returncode == 2 and "refusing to listen on 0.0.0.0" in r.stderr, f"0.0.0.0 without tokens refused: {r.returncode} {r.stderr}")
r = subprocess.run([BIN, "serve", "--listen", "[::]:0", "--out", out], capture_output=True, text=True, env=clean_env(), timeout=20)
check(r.returncode == 2 and "refusing" in r.stderr, f":: without tokens refused: {r.returncode}")
r = subprocess.run([BIN, "serve", "--listen", "127.0.0.1:0", "--out", out], capture_output=True, text=True,
                   env=clean_env(P2PDOC_TOKENS="short"), timeout=20)
check(r.returncode == 2 and "at least 16 characters" in r.stderr, f"short token refused: {r.returncode} {r.stderr}")

# ---- HTTPS (when the openssl tool is there to make a certificate) -------------------
pair = make_certificate(work)
if pair:
    cert, key = pair
    tls = Service(BIN, out, "--tls-cert", cert, "--tls-key", key)
    ctx = ssl.create_default_context(cafile=cert)
    conn = http.client.HTTPSConnection("127.0.0.1", tls.port, context=ctx, timeout=30)
    conn.request("POST", "/v1/packets", body)
    resp = conn.getresponse()
    check(resp.status in (200, 201), f"HTTPS POST -> {resp.status}")
    resp.read()
    conn.close()
    tls.stop()

cleanup(work)
finish("serve/api")
