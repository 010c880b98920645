#!/usr/bin/env python3
"""The README's curl examples, run exactly as printed (issue 13), against the
service started as the README starts it, with a case over 8 KiB as case.json.

curl -d and --data-binary label a body application/x-www-form-urlencoded;
cpp-httplib caps form bodies at 8 KiB, so before the fix every case over
8 KiB got 413. Here every `curl ...` command of the README's sh blocks runs
unchanged through bash, from a folder laid out like the repository root
(build/src/p2pdoc, samples/, case.json), and the service's own log says
which status each got. The addresses the README uses (127.0.0.1:8080 and
10.2.0.15:8443) are made real in a private network namespace (unshare -n),
so nothing collides with another test or touches the network; without
unshare the test is skipped (77) and says why. One line cannot run as
printed: TOKEN=$(cat /etc/p2pdoc/token) reads a file of this machine, so
TOKEN is set in the environment instead.

Usage: check_readme_curl.py P2PDOC_BINARY SOURCE_ROOT
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serve_common as sc  # noqa: E402

TOKEN = "readme-example-token-0123456789"


def readme_commands(readme):
    """Every command of the README's ```sh blocks, continuation lines joined, in order."""
    commands, block, pending = [], False, ""
    for line in open(readme, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("```"):
            block = line.strip() == "```sh"
            continue
        if not block:
            continue
        if pending:
            line = pending + " " + line.strip()
            pending = ""
        if line.endswith("\\"):
            pending = line[:-1].rstrip()
            continue
        commands.append(line.strip())
    return commands


def big_case(root):
    """The README's sample case (RSP-2026-00417) with more findings: valid, and over 8 KiB
    even after curl -d strips its line breaks."""
    with open(os.path.join(root, "samples", "uhc-lumbar-mri.json"), encoding="utf-8") as f:
        case = json.load(f)
    case["clinical"]["findings"] += [
        f"Follow-up examination {i}: straight-leg raise, ankle dorsiflexion and EHL strength, Achilles reflex "
        "and L5 sensation recorded again at the visit; the left-sided deficit persists unchanged despite ten "
        "weeks of therapy" for i in range(1, 18)]
    return json.dumps(case, indent=2, ensure_ascii=False) + "\n"


def log_statuses(path, start):
    """The (method, route, status) of each request logged after byte `start`."""
    with open(path, encoding="utf-8") as f:
        f.seek(start)
        lines = f.read().splitlines()
    out = []
    for line in lines:
        try:
            d = json.loads(line)
        except ValueError:
            continue
        if d.get("event") == "request":
            out.append((d["method"], d["route"], d["status"]))
    return out


def wait_listening(log, what):
    for _ in range(1200):  # a state, not a guess: the service logs "start" once its socket listens
        if os.path.exists(log) and re.search(r'"event"\s*:\s*"start"', open(log, encoding="utf-8").read()):
            return True
        time.sleep(0.05)
    sc.check(False, f"{what} did not start listening: {open(log).read()[-2000:] if os.path.exists(log) else ''}")
    return False


def start(command, log, env):
    """A README serve command, run as printed by bash, its stderr (the JSON log) to `log`."""
    return subprocess.Popen(["bash", "-c", command], env=env, stdout=subprocess.DEVNULL,
                            stderr=open(log, "w"), start_new_session=True)


def stop(proc):
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def run_curl(command, env, log):
    """Runs one README curl line as printed; returns (curl's exit, its output, the statuses the service logged)."""
    before = os.path.getsize(log)
    r = subprocess.run(["bash", "-c", command], env=env, capture_output=True, timeout=120)
    seen = log_statuses(log, before)
    for _ in range(600):  # the log line may follow the response: wait for it, not for a guess
        if seen or r.returncode != 0:
            break
        time.sleep(0.05)
        seen = log_statuses(log, before)
    return r.returncode, r.stdout, seen


def inside(binary, root, work):
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    subprocess.run(["ip", "addr", "add", "10.2.0.15/32", "dev", "lo"], check=True)
    commands = readme_commands(os.path.join(root, "README.md"))
    serve_lines = [c for c in commands if " serve --listen " in c]
    curls = [c for c in commands if c.startswith("curl ")]
    sc.check(len(serve_lines) == 2, f"the README starts the service twice (loopback, TLS): {serve_lines}")
    sc.check(len(curls) >= 8, f"the README's curl examples: {curls}")
    # the README's story starts with a packet (generate, or POST /v1/packets): that curl goes first
    loopback = sorted((c for c in curls if "127.0.0.1:8080" in c), key=lambda c: "/v1/packets " not in c)
    tls = [c for c in curls if "10.2.0.15:8443" in c]
    sc.check(len(loopback) + len(tls) == len(curls), f"every curl example goes to one of the two services: {curls}")

    os.chdir(work)
    env = sc.clean_env(TOKEN=TOKEN, PATH=os.environ.get("PATH", "/usr/bin:/bin"))
    for c in serve_lines + curls:
        sc.check("$(" not in c, f"runs as printed: {c}")

    # The loopback service, started as the README starts it.
    log = os.path.join(work, "loopback.log")
    proc = start(serve_lines[0], log, env)
    try:
        if wait_listening(log, "the loopback service"):
            for c in loopback:
                code, out, seen = run_curl(c, env, log)
                sc.check(code == 0, f"curl exit {code}: {c}")
                sc.check(len(seen) == 1, f"one request logged for {c}: {seen}")
                status = seen[0][2] if seen else 0
                # every example succeeds: packets 201, events 201, the rest 200
                sc.check(status in (200, 201), f"{c} -> {status} {out[:300]!r}")
                if "-o brief.pdf" in c:
                    info = subprocess.run(["pdfinfo", "brief.pdf"], capture_output=True, text=True)
                    sc.check(info.returncode == 0 and "Pages:" in info.stdout, f"brief.pdf is a PDF: {info.stderr}")
                if "/v1/validate" in c:
                    sc.check(b'"valid"' in out or b"valid" in out, f"validate of the {len(case_bytes)}-byte case: {out[:300]!r}")
            # beyond the README: curl -d (strips line breaks, same content type) and a multipart upload
            code, out, seen = run_curl("curl -s -d @case.json http://127.0.0.1:8080/v1/packets", env, log)
            sc.check(seen and seen[0][2] == 201, f"curl -d @case.json (over 8 KiB) -> {seen} {out[:300]!r}")
            code, out, seen = run_curl("curl -s -F case=@case.json http://127.0.0.1:8080/v1/packets", env, log)
            sc.check(seen and seen[0][2] == 415 and b"application/json" in out,
                     f"curl -F (multipart) -> 415 saying what to send: {seen} {out[:300]!r}")
    finally:
        stop(proc)

    # The HTTPS service on its network address, with a token, as the README starts it.
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=10.2.0.15",
                    "-addext", "subjectAltName=IP:10.2.0.15", "-keyout", "key.pem", "-out", "cert.pem"],
                   check=True, capture_output=True)
    log = os.path.join(work, "tls.log")
    proc = start(serve_lines[1], log, env)
    try:
        if wait_listening(log, "the HTTPS service"):
            for c in tls:
                code, out, seen = run_curl(c, env, log)
                sc.check(code == 0, f"curl exit {code}: {c}")
                status = seen[0][2] if seen else 0
                # 200: the loopback run above posted the same case into the same folder (a replay)
                sc.check(status in (200, 201), f"{c} (case.json, {len(case_bytes)} bytes) -> {status} {out[:300]!r}")
    finally:
        stop(proc)


case_bytes = b""


def main():
    global case_bytes
    binary, root = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    for tool in ("unshare", "ip", "curl", "openssl", "pdfinfo"):
        if not shutil.which(tool):
            print(f"readme_curl: skipped: {tool} is not installed")
            sys.exit(77)
    work = tempfile.mkdtemp(prefix="p2p-readme-curl-")
    try:
        os.makedirs(os.path.join(work, "build", "src"))
        os.symlink(binary, os.path.join(work, "build", "src", "p2pdoc"))
        shutil.copytree(os.path.join(root, "samples"), os.path.join(work, "samples"))
        case_bytes = big_case(root).encode()
        with open(os.path.join(work, "case.json"), "wb") as f:
            f.write(case_bytes)
        sc.check(len(case_bytes.replace(b"\n", b"")) > 8192, f"case.json is over 8 KiB even without line breaks ({len(case_bytes)})")
        if len(sys.argv) > 3 and sys.argv[3] == "--inside":
            inside(binary, root, work)
            sc.finish("readme_curl")
            return
        # a private network namespace: as root directly, else in a user namespace
        for prefix in (["unshare", "-n"], ["unshare", "-rn"]):
            probe = subprocess.run(prefix + ["true"], capture_output=True)
            if probe.returncode == 0:
                r = subprocess.run(prefix + [sys.executable, os.path.abspath(__file__), binary, root, "--inside"])
                sys.exit(r.returncode)
        print("readme_curl: skipped: cannot create a network namespace here (unshare -n and -rn both refused)")
        sys.exit(77)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
