"""Shared by the service's end-to-end tests: start the real `p2pdoc serve` on
an ephemeral loopback port, talk HTTP to it with http.client, and run fake
EHR and E-utilities servers (http.server) on loopback. Nothing here talks to
another machine: every address is 127.0.0.1.
"""
import glob
import hashlib
import http.client
import http.server
import json
import os
import select
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

EPOCH = "1795435200"  # fixed clock: the same case gives the same bytes
PDFS = ["brief.pdf", "p2p-script.pdf", "lomn.pdf", "appeal-cover.pdf", "post-call.pdf"]
failures = []
checks = [0]


def check(ok, what):
    checks[0] += 1
    if not ok:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)
    return ok


def finish(name):
    if failures:
        print(f"{name}: {len(failures)} failure(s)", file=sys.stderr)
        sys.exit(1)
    print(f"{name}: ok ({checks[0]} checks)")


def clean_env(**extra):
    """The environment for the service: no proxy (curl would honour one), a fixed clock."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower() and not k.startswith("P2PDOC_")}
    env["SOURCE_DATE_EPOCH"] = EPOCH
    env.update(extra)
    return env


def samples(root):
    return sorted(glob.glob(os.path.join(root, "samples", "*.json")))


def sha256(b):
    return hashlib.sha256(b).hexdigest()


class Service:
    """`p2pdoc serve` as a child process; the port comes from its first stdout line."""

    def __init__(self, binary, out, *args, env=None, log=None, expect_start=True):
        self.out = out
        self.log = log or os.path.join(out + "-logs", "serve.log")
        os.makedirs(os.path.dirname(self.log), exist_ok=True)
        cmd = [binary, "serve", "--listen", "127.0.0.1:0", "--out", out, "--log", self.log, *args]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env or clean_env())
        self.port = None
        if not expect_start:
            return
        ready, _, _ = select.select([self.proc.stdout], [], [], 15)
        line = self.proc.stdout.readline().decode() if ready else ""
        if not line.startswith("listening on 127.0.0.1:"):
            err = self.proc.stderr.read().decode() if self.proc.poll() is not None else "(still running)"
            self.proc.kill()
            raise RuntimeError(f"serve did not start: {line!r} {err}")
        self.port = int(line.strip().rsplit(":", 1)[1])

    def request(self, method, path, body=None, headers=None, timeout=60):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            conn.close()

    def json(self, method, path, body=None, headers=None):
        status, h, b = self.request(method, path, body, headers)
        try:
            return status, json.loads(b) if b else None
        except ValueError:
            return status, b

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None

    def alive(self):
        return self.proc.poll() is None

    def log_lines(self):
        try:
            with open(self.log, encoding="utf-8") as f:
                return [json.loads(l) for l in f if l.strip()]
        except FileNotFoundError:
            return []


class FakeServer:
    """A ThreadingHTTPServer on 127.0.0.1:0 whose handler is a function
    (method, path, headers, body) -> (status, content_type, body_bytes)."""

    def __init__(self, handle, tls=None):

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                try:
                    status, ctype, out = handle(self.command, self.path, self.headers, body)
                except BrokenPipeError:
                    return
                if status is None:  # drop the connection without answering
                    self.close_connection = True
                    return
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                try:
                    self.wfile.write(out)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = _serve

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        if tls:  # (cert, key): HTTPS
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*tls)
            self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
            self.url = f"https://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def wait_for(pred, timeout, step=0.05):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(step)
    return pred()


def make_certificate(folder):
    """A self-signed certificate for 127.0.0.1, or None without the openssl tool."""
    if not shutil.which("openssl"):
        return None
    cert, key = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"], capture_output=True, check=True)
    return cert, key


def workdir(name):
    d = tempfile.mkdtemp(prefix=f"p2p-serve-{name}-")
    return d


def cleanup(d):
    if not failures:
        shutil.rmtree(d, ignore_errors=True)
    else:
        print("kept for inspection:", d, file=sys.stderr)


def closed_by_service(socks, feed, bound=60):
    """Feeds `feed` (a few bytes) to every connection each half second, all
    at once, until the service has closed them all or `bound` seconds have
    passed; returns how many it closed (a timeout of the test's own is not a
    close)."""
    open_ = list(socks)
    end = time.time() + bound
    for s in open_:
        s.setblocking(False)
    while open_ and time.time() < end:
        for s in list(open_):
            try:
                if feed:
                    s.send(feed)
                if not s.recv(4096):
                    open_.remove(s)
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError, BlockingIOError):
                continue
            except OSError:  # reset, broken pipe, TLS EOF: closed
                open_.remove(s)
        time.sleep(0.5)
    return len(socks) - len(open_)
