"""Triage on the real binary (docs/triage.md): the same case generated against
ledgers with different P2P records shows different triage lines on the brief
(pdftotext), in the notice and in the ledger's packet_generated event; each
claim of the line both ways (history present / absent, window open / missed,
amount given / not); `explain --ledger` shows the arithmetic; a bad amount is
refused with its path and writes nothing.

usage: check_triage.py P2PDOC ROOT"""
import json
import os
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from e2e import check, finish, pdf_text, run, written  # noqa: E402

P2PDOC, ROOT = sys.argv[1], sys.argv[2]
NOV_19 = "1795046400"   # 2026-11-19T00:00:00Z: the P2P window (to Nov 23) is open
DEC_01 = "1796083200"   # 2026-12-01T00:00:00Z: it closed


def case(path, amount=2100, case_id="TRI-1"):
    c = json.load(open(os.path.join(ROOT, "samples", "uhc-lumbar-mri.json")))
    c["case_id"] = case_id
    del c["p2p"]["scheduled"]  # nothing booked: the window decides
    if amount is not None:
        c["services"][0]["expected_amount_usd"] = amount
    with open(path, "w") as f:
        json.dump(c, f)
    return path


def generate(case_file, out, epoch=NOV_19, ledger_args=()):
    env = dict(os.environ, SOURCE_DATE_EPOCH=epoch)
    return subprocess.run([P2PDOC, "generate", case_file, "-o", out, *ledger_args],
                          capture_output=True, text=True, env=env)


def triage_line(out, case_id="TRI-1"):
    text = pdf_text(os.path.join(out, case_id, "brief.pdf"))
    at = text.find("Triage:")
    return text[at:text.find("Denial reason", at)].strip() if at >= 0 else ""


def add_history(db, calls, payer="uhc", category="advanced_imaging"):
    """Cases of the payer and category with one call_held each, written the
    way the ledger stores them (the trigger keeps case_progress)."""
    con = sqlite3.connect(db)
    for i, disposition in enumerate(calls):
        cid = f"HIST-{payer}-{category}-{i}"
        con.execute("INSERT INTO cases (case_id, payer_id, plan_type, state, denial_type, denial_date, service_codes, "
                    "service_category, physician, urgent, deadlines) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (cid, payer, "erisa", "NY", "insufficient_documentation", "2026-06-01", '["72148"]',
                     category, "Dana Whitfield", 0, "{}"))
        con.execute("INSERT INTO events (case_id, kind, at, recorded_at, recorded_by, data, source_key) "
                    "VALUES (?, 'call_held', 1780000000, 1780000000, 'test', ?, NULL)",
                    (cid, json.dumps({"disposition": disposition})))
    con.commit()
    con.close()


def packet_event_triage(db, case_id="TRI-1"):
    con = sqlite3.connect(db)
    rows = con.execute("SELECT data FROM events WHERE case_id = ? AND kind = 'packet_generated' ORDER BY id",
                       (case_id,)).fetchall()
    con.close()
    return [json.loads(r[0]).get("triage") for r in rows]


def one_page(out, case_id="TRI-1"):
    info = run(["pdfinfo", os.path.join(out, case_id, "brief.pdf")]).stdout
    return "Pages:           1" in info


with tempfile.TemporaryDirectory() as tmp:
    c = case(os.path.join(tmp, "case.json"))

    # no ledger: the benchmark, and the line says so
    out0 = os.path.join(tmp, "none")
    r = generate(c, out0, ledger_args=["--no-ledger"])
    check(r.returncode == 0, f"no ledger: exit {r.returncode}: {r.stderr}")
    line0 = triage_line(out0)
    check("request a P2P" in line0 and "benchmark 60–75 %, no ledger" in line0, f"no ledger: {line0!r}")
    check("own" not in line0, f"no ledger, yet the line cites own calls: {line0!r}")
    check(one_page(out0), "no ledger: the brief is not one page")

    # a fresh ledger: no decided call yet
    out1 = os.path.join(tmp, "fresh")
    generate(c, out1)
    line1 = triage_line(out1)
    check("benchmark 60–75 %, no own calls" in line1, f"empty ledger: {line1!r}")

    # little history (7 of 9): shrunk toward the benchmark
    db1 = os.path.join(out1, "p2pdoc.db")
    add_history(db1, ["overturned"] * 7 + ["upheld"] * 2)
    add_history(db1, ["upheld"] * 5, payer="aetna")  # another payer: not counted
    r = generate(c, out1)
    check(r.returncode == 0, f"shrunk: exit {r.returncode}: {r.stderr}")
    shrunk = triage_line(out1)
    check("P2P est. 72 % (own 7/9 calls, shrunk to 60–75 %)" in shrunk, f"shrunk: {shrunk!r}")
    check("$1,520 exp. vs $170 time" in shrunk, f"shrunk, money: {shrunk!r}")
    notice = open(os.path.join(out1, "TRI-1", "notice.txt")).read()
    check("Triage: request a P2P." in notice and "own 7 of 9 decided calls" in notice,
          "shrunk: the notice lacks the triage section")
    events = packet_event_triage(db1)
    check(len(events) == 2 and events[0]["estimate"]["basis"] == "benchmark"
          and events[1]["estimate"]["basis"] == "shrunk" and events[1]["estimate"]["decided"] == 9,
          f"packet_generated events carry the triage shown: {events}")
    manifest = json.load(open(os.path.join(out1, "TRI-1", "manifest.json")))
    check(manifest.get("triage", {}).get("recommendation") == "p2p", "manifest: no triage")

    # explain shows the arithmetic with the ledger, the benchmark without
    ex = subprocess.run([P2PDOC, "explain", c, "--ledger", db1], capture_output=True, text=True,
                        env=dict(os.environ, SOURCE_DATE_EPOCH=NOV_19))
    check("p = (k + m x midpoint) / (n + m) = (7 + 10 x 0.675) / (9 + 10) = 0.724" in ex.stdout,
          f"explain --ledger: {ex.stdout[-800:]}")
    check("expected = 0.724 x $2100.00 = $1519.74 >= $170.00" in ex.stdout, "explain: no break-even arithmetic")
    ex0 = subprocess.run([P2PDOC, "explain", c], capture_output=True, text=True,
                         env=dict(os.environ, SOURCE_DATE_EPOCH=NOV_19))
    check("history: no ledger read" in ex0.stdout and "estimate (benchmark)" in ex0.stdout,
          f"explain without a ledger: {ex0.stdout[-600:]}")

    # a poor record of its own (3 of 40): the written appeal directly
    out2 = os.path.join(tmp, "poor")
    generate(c, out2)
    add_history(os.path.join(out2, "p2pdoc.db"), ["overturned"] * 3 + ["upheld"] * 30 + ["modified"] * 7)
    generate(c, out2)
    poor = triage_line(out2)
    check("written appeal directly" in poor and "P2P est. 8 % (own 3/40 calls) · appeal $1,050 exp. vs $173 time" in poor,
          f"own record: {poor!r}")
    check(shrunk != poor and shrunk != line1, "the triage line did not change with the history")

    # window missed: no P2P, the written appeal
    out3 = os.path.join(tmp, "missed")
    generate(c, out3, epoch=DEC_01, ledger_args=["--no-ledger"])
    missed = triage_line(out3)
    check("window missed" in missed and "written appeal directly" in missed and "window open" not in missed
          and "appeal est. 50 % (benchmark 40–60 %) · $1,050 exp." in missed,
          f"missed window: {missed!r}")
    check("window open" in line0 and "window missed" not in line0, f"open window: {line0!r}")

    # no amount: nothing weighed, and the line says so
    out4 = os.path.join(tmp, "noamount")
    generate(case(os.path.join(tmp, "noamount.json"), amount=None), out4, ledger_args=["--no-ledger"])
    unpriced = triage_line(out4)
    check("no amount given" in unpriced and "exp." not in unpriced, f"no amount: {unpriced!r}")
    check("no amount given" not in line0, f"amount given, yet: {line0!r}")

    # a small amount: not worth the time
    out5 = os.path.join(tmp, "small")
    generate(case(os.path.join(tmp, "small.json"), amount=100), out5, ledger_args=["--no-ledger"])
    small = triage_line(out5)
    check("not worth contesting" in small and "P2P est. 68 % (benchmark 60–75 %, no ledger) · $68 exp. vs $170 time" in small, f"small amount: {small!r}")

    # a negative amount: refused with its path, nothing written
    out6 = os.path.join(tmp, "bad")
    r = generate(case(os.path.join(tmp, "bad.json"), amount=-5), out6, ledger_args=["--no-ledger"])
    check(r.returncode == 2 and "/services/0/expected_amount_usd: must not be negative" in r.stderr,
          f"negative amount: exit {r.returncode}: {r.stderr}")
    check(written(out6) == [], f"negative amount wrote {written(out6)}")

print("\n".join([line0, line1, shrunk, poor, missed, unpriced, small])) if os.environ.get("TRIAGE_SHOW") else None
finish("triage: the line follows the history, the window and the amount; explain shows the arithmetic")
