#!/usr/bin/env python3
"""End-to-end: the watcher and the service recording into a real PostgreSQL
ledger (docs/ledger.md, "PostgreSQL"), `ledger = postgresql://...` in their
config files. Run by tests/ledger/with_postgres.sh, which starts a throw-away
server and names it in P2P_TEST_LEDGER_PG.

The watcher generates two cases (one whose case file holds its call) and
records a filled post-call form from INBOX/outcomes/; the service generates
two more and records a call posted as JSON. Checked in the database with
psql: every event landed, recorded by the entry point that made it, each
call once; `p2pdoc due --ledger postgresql://...` lists all four cases; no
SQLite file was made.

usage: with_postgres.sh python3 check_postgres_entry.py P2PDOC SOURCE_ROOT
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "watch"))
sys.path.insert(0, os.path.join(HERE, "..", "serve"))
import watchlib as w  # noqa: E402
from serve_common import Service, clean_env  # noqa: E402

BIN, ROOT = sys.argv[1], sys.argv[2]
c = w.Checker("ledger/postgres_entry")
BASE = os.environ.get("P2P_TEST_LEDGER_PG", "")
if not BASE:
    print("ledger/postgres_entry: P2P_TEST_LEDGER_PG not set (run through tests/ledger/with_postgres.sh): skipped")
    sys.exit(77)
if not shutil.which("psql") or not shutil.which("pdftk"):
    print("ledger/postgres_entry: psql or pdftk missing: skipped")
    sys.exit(77)


def psql(uri, sql):
    r = subprocess.run(["psql", uri, "-X", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"psql: {r.stderr}")
    return [line.split("\t") for line in r.stdout.splitlines() if line]


# a database of its own in the throw-away server
psql(BASE, "CREATE DATABASE p2pdoc_entry")
URI = BASE.replace("///postgres?", "///p2pdoc_entry?", 1)
assert URI != BASE, BASE


def sample(name, case_id):
    case = json.load(open(os.path.join(ROOT, "samples", name), encoding="utf-8"))
    case["case_id"] = case_id
    return json.dumps(case).encode("utf-8")


def events(case_id):
    return psql(URI, f"SELECT kind, recorded_by, source_key FROM events WHERE case_id = '{case_id}' ORDER BY id")


def kinds(case_id):
    return [(k, by) for k, by, _ in events(case_id)]


def pdftk_fill(src, dst, values, tmp):
    from xml.sax.saxutils import escape
    fields = "".join(f'<field name="{k}"><value>{escape(v)}</value></field>' for k, v in values.items())
    data = os.path.join(tmp, "data.xfdf")
    with open(data, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<xfdf xmlns="http://ns.adobe.com/xfdf/" '
                f'xml:space="preserve"><fields>{fields}</fields></xfdf>\n')
    r = subprocess.run(["pdftk", src, "fill_form", data, "output", dst, "need_appearances"], capture_output=True, text=True)
    c.check(r.returncode == 0, f"pdftk fill_form: {r.stderr}")
    return open(dst, "rb").read()


with tempfile.TemporaryDirectory() as tmp:
    # 1. the watcher: ledger = postgresql://... in its config file
    inbox, out, log = os.path.join(tmp, "inbox"), os.path.join(tmp, "watch-out"), os.path.join(tmp, "watch.log")
    os.makedirs(inbox)
    conf = os.path.join(tmp, "watch.conf")
    with open(conf, "w") as f:
        f.write(f"ledger = {URI}\nworkers = 2\nquiet_period = 0\n")
    open(os.path.join(inbox, "w1.json"), "wb").write(sample("uhc-lumbar-mri.json", "PGW-1"))
    open(os.path.join(inbox, "w2.json"), "wb").write(sample("aetna-acdf.json", "PGW-2"))
    r = w.run_once(BIN, inbox, out, "--config", conf, log=log)
    c.check(r.returncode == 0, f"watch (cases): exit {r.returncode}")
    form = pdftk_fill(os.path.join(out, "PGW-1", "post-call.pdf"), os.path.join(tmp, "filled.pdf"), {
        "call_date_time": "2026-11-23 06:00 -05:00", "reviewer_name": "Dana Whitfield",
        "disposition_modified": "Yes", "auth_number": "A-4411"}, tmp)
    with open(os.path.join(inbox, "outcomes", ".filled.pdf.part"), "wb") as f:
        f.write(form)
    os.rename(os.path.join(inbox, "outcomes", ".filled.pdf.part"), os.path.join(inbox, "outcomes", "filled.pdf"))
    r = w.run_once(BIN, inbox, out, "--config", conf, log=log)
    c.check(r.returncode == 0, f"watch (the form): exit {r.returncode}")
    c.check(os.path.exists(os.path.join(inbox, "outcomes", "done", "filled.pdf")), "the form is done")

    c.check(kinds("PGW-1") == [("denial_received", "watch"), ("p2p_scheduled", "watch"), ("packet_generated", "watch"),
                               ("call_held", "watch"), ("packet_generated", "watch")],
            f"PGW-1: the case, the form's call, the regenerated packet: {kinds('PGW-1')}")
    c.check([e for e in events("PGW-1") if e[0] == "call_held"] == [["call_held", "watch", "call:2026-11-23T11:00Z:modified"]],
            f"PGW-1: the form's call key: {events('PGW-1')}")
    c.check([e for e in events("PGW-2") if e[0] == "call_held"] == [["call_held", "watch", "call:2026-11-18T22:06Z:upheld"]],
            f"PGW-2: the case file's call, once: {events('PGW-2')}")

    # 2. the service: ledger = postgresql://... in its config file
    sout = os.path.join(tmp, "serve-out")
    sconf = os.path.join(tmp, "serve.conf")
    with open(sconf, "w") as f:
        f.write(f"ledger = {URI}\n")
    svc = Service(BIN, sout, "--config", sconf, env=clean_env())
    try:
        for cid, name in (("PGS-1", "uhc-lumbar-mri.json"), ("PGS-2", "aetna-acdf.json")):
            st, body = svc.json("POST", "/v1/packets", sample(name, cid), {"Content-Type": "application/json"})
            c.check(st == 201, f"POST /v1/packets {cid}: {st} {str(body)[:300]}")
        call = {"started": "2026-11-23T10:15:00Z", "duration_minutes": 12, "disposition": "upheld"}
        for attempt in (1, 2):  # the second is the same call: counted once
            st, body = svc.json("POST", "/v1/cases/PGS-1/events", json.dumps({"kind": "call_held", "call": call}),
                                {"Content-Type": "application/json"})
            c.check(st == (201 if attempt == 1 else 200), f"POST events #{attempt}: {st} {body}")
        st, queue = svc.json("GET", "/v1/queue")
        c.check(st == 200 and {e["case_id"] for e in queue.get("cases", [])} >= {"PGW-1", "PGW-2", "PGS-1", "PGS-2"},
                f"GET /v1/queue from PostgreSQL lists all four: {st} {str(queue)[:300]}")
    finally:
        svc.stop()
    c.check(kinds("PGS-1") == [("denial_received", "serve"), ("p2p_scheduled", "serve"), ("packet_generated", "serve"),
                               ("call_held", "serve"), ("packet_generated", "serve")],
            f"PGS-1: the packet, the posted call, the regenerated packet: {kinds('PGS-1')}")
    c.check([e for e in events("PGS-2") if e[0] == "call_held"] == [["call_held", "serve", "call:2026-11-18T22:06Z:upheld"]],
            f"PGS-2: the case file's call, once: {events('PGS-2')}")

    # 3. the work queue from the command line, and no SQLite anywhere
    r = subprocess.run([BIN, "due", "--ledger", URI, "--format", "json"], capture_output=True, text=True, env=w.ENV)
    c.check(r.returncode == 0, f"due: {r.stderr}")
    try:
        due = {e["case_id"]: e for e in json.loads(r.stdout)["cases"]}
    except (ValueError, KeyError):
        due = {}
    c.check(set(due) == {"PGW-1", "PGW-2", "PGS-1", "PGS-2"}, f"due lists the four cases: {sorted(due)}")
    c.check(due.get("PGW-1", {}).get("stage") == "call_held" and due.get("PGS-1", {}).get("stage") == "call_held",
            f"due: the recorded calls moved the cases on: {due.get('PGW-1')} {due.get('PGS-1')}")
    for folder in (out, sout):
        c.check(not any(n.startswith("p2pdoc.db") for n in os.listdir(folder)), f"{folder}: no SQLite ledger was made")
    text = open(log, encoding="utf-8").read()
    c.check("password" not in text, "no secrets in the watcher's log")

c.finish()
