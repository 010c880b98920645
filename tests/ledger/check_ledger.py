#!/usr/bin/env python3
"""End-to-end (issue 10): the case ledger through the real binary.
generate the samples (the ledger is OUT/p2pdoc.db, created 0640), `p2pdoc
due` lists them by the P2P window, `p2pdoc event` moves a case on and `due`
shows its next deadline; generating again doubles nothing; --no-ledger
records nothing; a packet written without its event is recorded by the next
run (recovery); a ledger that cannot be opened, or is newer than the binary,
fails the command with a clear error and the packets stay written; the
service answers GET /v1/queue with what `due --format json` prints.

usage: check_ledger.py P2PDOC_BINARY REPO_ROOT
"""
import glob
import json
import os
import sqlite3
import stat
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "serve"))
from e2e import check, finish  # noqa: E402

BIN, ROOT = sys.argv[1], sys.argv[2]
NOW = "1795017600"  # 2026-11-18T16:00:00Z: every sample's P2P window still open
ENV = {k: v for k, v in os.environ.items() if not k.startswith("P2PDOC_")}
ENV["SOURCE_DATE_EPOCH"] = NOW
SAMPLES = sorted(glob.glob(os.path.join(ROOT, "samples", "*.json")))
LUMBAR = "RSP-2026-00417"  # samples/uhc-lumbar-mri.json: denied Wed 2026-11-18, no call yet


def p2p(*args, env=None):
    return subprocess.run([BIN, *args], capture_output=True, text=True, env=env or ENV)


def events(db, case_id=None):
    con = sqlite3.connect(db)
    rows = con.execute("SELECT case_id, kind, source_key FROM events" + (" WHERE case_id = ?" if case_id else ""),
                       (case_id,) if case_id else ()).fetchall()
    con.close()
    return rows


def due_json(out, *extra):
    r = p2p("due", "-o", out, "--format", "json", *extra)
    check(r.returncode == 0, f"due exits 0: {r.returncode} {r.stderr}")
    return json.loads(r.stdout) if r.returncode == 0 else {"cases": []}


def entry(queue, case_id):
    return next((c for c in queue["cases"] if c["case_id"] == case_id), None)


def unscheduled_copies(folder):
    """The samples without their booked call (/p2p/scheduled): the steps below
    start from a denial nobody has acted on yet."""
    os.makedirs(folder)
    paths = []
    for s in SAMPLES:
        doc = json.load(open(s))
        doc.get("p2p", {}).pop("scheduled", None)
        doc.pop("call", None)
        paths.append(os.path.join(folder, os.path.basename(s)))
        json.dump(doc, open(paths[-1], "w"))
    return paths


with tempfile.TemporaryDirectory() as tmp:
    # A case file that names its scheduled call: the ledger knows the P2P is
    # booked (not a missed window), once however often it is generated.
    booked = os.path.join(tmp, "booked")
    lumbar_sample = os.path.join(ROOT, "samples", "uhc-lumbar-mri.json")
    for _ in range(2):
        r = p2p("generate", lumbar_sample, "-o", booked)
        check(r.returncode == 0, f"generate the booked sample: {r.stderr}")
    got = events(os.path.join(booked, "p2pdoc.db"), LUMBAR)
    check(got.count((LUMBAR, "p2p_scheduled", "case:p2p_scheduled:2026-11-24T10:30:00-05:00")) == 1,
          f"the case's booked call is one p2p_scheduled event: {got}")
    lumbar = entry(due_json(booked), LUMBAR)
    check(lumbar and lumbar["deadline"] == "scheduled_call" and lumbar["due"] == "2026-11-24T15:30:00Z"
          and not lumbar["missed"], f"{LUMBAR}: the booked call is what is due: {lumbar}")
    later = dict(ENV, SOURCE_DATE_EPOCH="1796745600")  # 2026-12-08, after the call, none recorded
    lumbar = entry(json.loads(p2p("due", "-o", booked, "--format", "json", env=later).stdout), LUMBAR)
    check(lumbar and lumbar["missed"] and "no call recorded" in lumbar["reason"] and "no request" not in lumbar["reason"],
          f"{LUMBAR}: after the booked time, the call is missing, not the request: {lumbar}")

    SAMPLES = unscheduled_copies(os.path.join(tmp, "unscheduled"))
    out = os.path.join(tmp, "out")
    db = os.path.join(out, "p2pdoc.db")
    r = p2p("generate", *SAMPLES, "-o", out)
    check(r.returncode == 0, f"generate the samples: exit {r.returncode}: {r.stderr}")
    check(os.path.isfile(db), "the ledger is OUT/p2pdoc.db")
    check(stat.S_IMODE(os.stat(db).st_mode) == 0o640, f"the ledger is 0640: {oct(os.stat(db).st_mode)}")
    kinds = sorted(k for _, k, _ in events(db))
    check(kinds.count("denial_received") == len(SAMPLES) and kinds.count("packet_generated") == len(SAMPLES),
          f"one denial_received and one packet_generated per sample: {kinds}")

    q = due_json(out)
    check(q["count"] == len(SAMPLES), f"every sample is open: {q['count']}")
    dues = [c["due"] for c in q["cases"]]
    check(dues == sorted(dues), f"soonest first: {dues}")
    lumbar = entry(q, LUMBAR)
    check(lumbar and lumbar["deadline"] == "p2p_request" and lumbar["due"] == "2026-11-23",
          f"{LUMBAR}: P2P window ends 3 business days after Wed 2026-11-18: {lumbar}")
    check(lumbar and lumbar["reason"] == "P2P not requested yet" and not lumbar["missed"], f"{LUMBAR}: reason {lumbar}")
    manifest = json.load(open(os.path.join(out, LUMBAR, "manifest.json")))
    con = sqlite3.connect(db)
    data = json.loads(con.execute("SELECT data FROM events WHERE case_id = ? AND kind = 'packet_generated'",
                                  (LUMBAR,)).fetchone()[0])
    row = con.execute("SELECT payer_id, plan_type, service_codes, physician FROM cases WHERE case_id = ?", (LUMBAR,)).fetchone()
    con.close()
    check(data["documents"] == {d["file"]: d["sha256"] for d in manifest["documents"]},
          "packet_generated holds the manifest's document sha256s")
    check(data["templates"] == {d["kind"]: d["template"] for d in manifest["documents"]},
          "packet_generated holds the template chosen per document")
    check(row == ("uhc", "erisa", '["72148"]', "Dana Whitfield"), f"case row: {row}")

    # the same samples again: nothing doubles (same denial, same packet content)
    r = p2p("generate", *SAMPLES, "-o", out)
    check(r.returncode == 0, f"generate again: {r.stderr}")
    check(len(events(db)) == 2 * len(SAMPLES), f"generating again doubles nothing: {len(events(db))} events")

    # `within`: only SVN-2026-01188 (aetna, window ends today) is due within a day
    soon = due_json(out, "--within", "1d")
    check([c["case_id"] for c in soon["cases"]] == ["SVN-2026-01188"], f"--within 1d: {soon['cases']}")

    # staff steps by phone: requested, then scheduled
    r = p2p("event", LUMBAR, "requested", "-o", out, "--note", "faxed the request")
    check(r.returncode == 0, f"event requested: {r.stderr}")
    lumbar = entry(due_json(out), LUMBAR)
    check(lumbar["deadline"] == "p2p_request" and lumbar["stage"] == "p2p_requested", f"after requested: {lumbar}")
    r = p2p("event", LUMBAR, "scheduled", "--call-time", "2026-11-20T10:00:00-06:00", "-o", out)
    check(r.returncode == 0, f"event scheduled: {r.stderr}")
    lumbar = entry(due_json(out), LUMBAR)
    check(lumbar["deadline"] == "scheduled_call" and lumbar["due"] == "2026-11-20T16:00:00Z",
          f"after scheduled: the call, in UTC: {lumbar}")
    table = p2p("due", "-o", out).stdout
    check(LUMBAR in table and "scheduled_call" in table, f"table shows the call:\n{table}")
    csv = p2p("due", "-o", out, "--format", "csv").stdout.splitlines()
    check(csv[0].startswith("case_id,deadline,due,missed") and len(csv) == len(SAMPLES) + 1, f"csv: {csv[:2]}")

    # the appeal: upheld -> external review counted from the decision (4 months, ACA rule, a business day)
    later = dict(ENV, SOURCE_DATE_EPOCH="1796745600")  # 2026-12-08
    for args in (["appeal-filed", "--at", "2026-11-25"], ["appeal-decided", "--decision", "upheld", "--at", "2026-12-07"]):
        r = p2p("event", LUMBAR, *args, "-o", out, env=later)
        check(r.returncode == 0, f"event {args}: {r.stderr}")
    r = p2p("due", "-o", out, "--format", "json", env=later)
    lumbar = entry(json.loads(r.stdout), LUMBAR)
    check(lumbar["deadline"] == "external_review" and lumbar["due"] == "2027-04-07",
          f"after an upheld appeal: external review 4 months after 2026-12-07: {lumbar}")
    weekly = json.loads(p2p("due", "-o", out, "--weekly", "--format", "json", env=later).stdout)
    check(set(weekly) == {"as_of", "calls_this_week", "windows_missed", "appeals_due"}, f"weekly: {list(weekly)}")
    missed_ids = {m["case_id"] for m in weekly["windows_missed"]}
    check(len(missed_ids) == len(SAMPLES) - 1 and LUMBAR not in missed_ids,
          f"every other sample missed its P2P window by 2026-12-08: {missed_ids}")
    r = p2p("event", LUMBAR, "closed", "-o", out)
    check(r.returncode == 0 and entry(due_json(out), LUMBAR) is None, "a closed case leaves the queue")

    # refused steps: exit 2, nothing stored
    before = len(events(db))
    for args, why in ((["NO-SUCH-CASE", "requested"], "not in the ledger"),
                      ([LUMBAR, "appeal-decided"], "needs --decision"),
                      ([LUMBAR, "requested", "--decision", "upheld"], "takes no --decision"),
                      ([LUMBAR, "scheduled"], "needs --call-time"),
                      ([LUMBAR, "requested", "--at", "yesterday"], "not a date"),
                      ([LUMBAR, "call-held"], "unknown step")):
        r = p2p("event", *args, "-o", out)
        check(r.returncode == 2 and why in r.stderr, f"event {args}: exit 2 naming '{why}': {r.returncode} {r.stderr}")
    check(len(events(db)) == before, "refused steps store nothing")
    r = p2p("due", "-o", os.path.join(tmp, "nowhere"))
    check(r.returncode == 1 and "no ledger at" in r.stderr, f"due without a ledger: {r.stderr}")

    # events are append-only, even from a SQL shell
    con = sqlite3.connect(db)
    for sql in ("UPDATE events SET at = 0", "DELETE FROM events"):
        try:
            con.execute(sql)
            con.commit()
            check(False, f"{sql} was accepted")
        except sqlite3.DatabaseError as e:
            check("append-only" in str(e), f"{sql}: {e}")
    con.close()

    # --no-ledger records nothing; the next run with a ledger recovers those packets
    out2 = os.path.join(tmp, "out2")
    r = p2p("generate", SAMPLES[0], SAMPLES[1], "-o", out2, "--no-ledger")
    check(r.returncode == 0 and not os.path.exists(os.path.join(out2, "p2pdoc.db")), "--no-ledger writes no ledger")
    r = p2p("generate", SAMPLES[2], "-o", out2)
    check(r.returncode == 0 and "recorded 2 packet(s)" in r.stdout, f"recovery of 2 packets: {r.stdout} {r.stderr}")
    got = events(os.path.join(out2, "p2pdoc.db"))
    check(sorted(k for _, k, _ in got).count("packet_generated") == 3, f"3 packets recorded: {got}")
    r = p2p("generate", SAMPLES[2], "-o", out2)
    check("recorded" not in r.stdout and len(events(os.path.join(out2, "p2pdoc.db"))) == len(got),
          "a second run recovers nothing more")

    # a ledger that cannot be opened: exit 1, a clear error, the packet written
    out3 = os.path.join(tmp, "out3")
    r = p2p("generate", SAMPLES[0], "-o", out3, "--ledger", os.path.join(tmp, "no", "such", "dir", "l.db"))
    check(r.returncode == 1 and "cannot create the file" in r.stderr, f"unopenable ledger: {r.returncode} {r.stderr}")
    check(len(glob.glob(os.path.join(out3, "*", "manifest.json"))) == 1, "the packet stays written")

    # a ledger newer than the binary: refused, naming both versions, nothing changed
    newer = os.path.join(tmp, "newer.db")
    con = sqlite3.connect(newer)
    con.execute("PRAGMA user_version = 99")
    con.close()
    r = p2p("generate", SAMPLES[0], "-o", out3, "--ledger", newer)
    check(r.returncode == 1 and "schema version 99 is newer" in r.stderr, f"newer ledger: {r.stderr}")
    r = p2p("due", "--ledger", newer)
    check(r.returncode == 1 and "schema version 99 is newer" in r.stderr, f"due on a newer ledger: {r.stderr}")

    # the service: GET /v1/queue is `due --format json`
    import serve_common as sc  # noqa: E402
    svc = sc.Service(BIN, out, env=dict(sc.clean_env(), SOURCE_DATE_EPOCH=NOW))
    try:
        st, _, body = svc.request("GET", "/v1/queue")
        check(st == 200 and json.loads(body) == due_json(out), f"GET /v1/queue == due --format json: {st}")
        lumbar_copy = next(p for p in SAMPLES if p.endswith("uhc-lumbar-mri.json"))  # as generated above
        st, _, body = svc.request("POST", "/v1/packets", open(lumbar_copy, "rb").read(),
                                  {"Content-Type": "application/json"})
        check(st == 201, f"POST a packet: {st}")
    finally:
        svc.stop()
    check(len([e for e in events(db, LUMBAR) if e[1] == "packet_generated"]) == 1,
          "the service's packet of the same content is not recorded twice")
    noled = sc.Service(BIN, out3, "--no-ledger", env=dict(sc.clean_env(), SOURCE_DATE_EPOCH=NOW))
    try:
        st, _, _ = noled.request("GET", "/v1/queue")
        check(st == 404, f"GET /v1/queue without a ledger: {st}")
    finally:
        noled.stop()

finish("ledger/cli: ok")
