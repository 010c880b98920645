#!/usr/bin/python3
"""`p2pdoc demo-ledger` and `p2pdoc report --format csv|json` through the real binary.

Usage: check_report.py P2PDOC REPO_ROOT

1. demo-ledger fills a new ledger deterministically and refuses one that
   already holds cases (writing nothing).
2. The JSON report validates against schema/p2p-report-1.schema.json
   (python3-jsonschema, draft 2020-12), and a broken copy does not.
3. Its figures equal the ones this script computes on its own from the
   SQLite file (sqlite3 module): counts, rates, Wilson bounds, groups and
   their order, months, missed windows.
4. The CSV carries the same figures, one `table` per group kind.
5. The same seed and SOURCE_DATE_EPOCH give byte-identical reports.
6. Bad input (a date, the period, a missing ledger, pdf for now) is refused
   with the option named, and writes no file.
"""

import csv
import io
import json
import math
import os
import sqlite3
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from e2e import check, failures, run  # noqa: E402

try:
    from jsonschema import Draft202012Validator
except ImportError:  # pragma: no cover
    print("check_report: python3-jsonschema is not installed (apt-get install python3-jsonschema)")
    sys.exit(2)

EPOCH = "1796083200"  # 2026-12-01T00:00:00Z
FROM, TO = "2025-12-01", "2026-11-30"
Z = 1.959964


def wilson(s, n):
    if n == 0:
        return None
    p = s / n
    d = 1 + Z * Z / n
    c = (p + Z * Z / (2 * n)) / d
    h = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / d
    return round(p, 4), round(max(0.0, c - h), 4), round(min(1.0, c + h), 4)


def day_start(day):
    import calendar
    import time
    return calendar.timegm(time.strptime(day, "%Y-%m-%d"))


def expected_figures(db, min_group, now):
    """The report's figures computed here, from the tables, without p2pdoc."""
    con = sqlite3.connect(db)
    cases = con.execute(
        "SELECT case_id, payer_id, denial_type, service_category, physician, denial_date, deadlines "
        "FROM cases WHERE denial_date BETWEEN ? AND ? ORDER BY case_id", (FROM, TO)).fetchall()
    events = {}
    for case_id, kind, at, data in con.execute("SELECT case_id, kind, at, data FROM events ORDER BY id"):
        events.setdefault(case_id, []).append((kind, at, json.loads(data)))
    s = dict(cases=0, requested=0, held=0, overturned=0, modified=0, upheld=0, windows=0,
             appeals=0, appeals_decided=0, appeals_overturned=0)
    groups = {"payer": {}, "physician": {}}
    months = {}
    for case_id, payer, _type, _cat, physician, denied, deadlines in cases:
        evs = events.get(case_id, [])
        s["cases"] += 1
        # the newest event of each kind counts (the ledger's digest); the window was used by the earliest of them
        newest = {kind: at for kind, at, _ in evs}
        asks = [newest[k] for k in ("p2p_requested", "p2p_scheduled", "call_held") if k in newest]
        calls = [d.get("disposition", "") for kind, _, d in evs if kind == "call_held"]
        disposition = calls[-1] if calls else None
        s["requested"] += bool(asks)
        s["held"] += bool(calls)
        if disposition in ("overturned", "modified", "upheld"):
            s[disposition] += 1
        window = json.loads(deadlines).get("p2p_request")
        if window:
            end = day_start(window) + 86400
            if now >= end and (not asks or min(asks) >= end):
                s["windows"] += 1
        decisions = [d.get("decision") for kind, _, d in evs if kind == "appeal_decided"]
        s["appeals"] += any(kind in ("appeal_filed", "appeal_decided") for kind, _, _ in evs)
        s["appeals_decided"] += bool(decisions) and decisions[-1] in ("overturned", "modified", "upheld")
        s["appeals_overturned"] += bool(decisions) and decisions[-1] == "overturned"
        for kind, key in (("payer", payer), ("physician", physician)):
            g = groups[kind].setdefault(key, dict(cases=0, held=0, overturned=0, decided=0))
            g["cases"] += 1
            g["held"] += bool(calls)
            g["overturned"] += disposition == "overturned"
            g["decided"] += disposition in ("overturned", "modified", "upheld")
        m = months.setdefault(denied[:7], dict(denials=0, decided=0, overturned=0))
        m["denials"] += 1
        m["decided"] += disposition in ("overturned", "modified", "upheld")
        m["overturned"] += disposition == "overturned"
    ordered = {}
    for kind, table in groups.items():
        shown = [(k, g) for k, g in table.items() if g["decided"] >= min_group]
        hidden = [(k, g) for k, g in table.items() if g["decided"] < min_group]
        shown.sort(key=lambda kg: (-kg[1]["overturned"] / kg[1]["decided"], -kg[1]["decided"], kg[0]))
        hidden.sort(key=lambda kg: (-kg[1]["cases"], kg[0]))
        ordered[kind] = shown + hidden
    return s, ordered, months


def check_json_against(report, db, min_group):
    s, groups, months = expected_figures(db, min_group, int(EPOCH))
    r = report["summary"]
    for ours, theirs in (("cases", "cases"), ("requested", "p2p_requested"), ("held", "p2p_held"),
                         ("overturned", "overturned"), ("modified", "modified"), ("upheld", "upheld"),
                         ("windows", "windows_missed"), ("appeals", "appeals_filed"),
                         ("appeals_decided", "appeals_decided"), ("appeals_overturned", "appeals_overturned")):
        check(r[theirs] == s[ours], f"summary {theirs}: report {r[theirs]}, computed {s[ours]}")
    decided = s["overturned"] + s["modified"] + s["upheld"]
    w = wilson(s["overturned"], decided)
    p = r["p2p_overturn"]
    check((p["rate"], p["low"], p["high"]) == w, f"summary P2P rate and interval {p} != {w}")
    for kind in ("payer", "physician"):
        got = report["groups"][kind]
        want = groups[kind]
        check([g["key"] for g in got] == [k for k, _ in want],
              f"{kind} order: {[g['key'] for g in got]} != {[k for k, _ in want]}")
        for g, (key, e) in zip(got, want):
            check(g["cases"] == e["cases"] and g["calls_held"] == e["held"] and g["overturned"] == e["overturned"],
                  f"{kind} {key}: counts {g} != {e}")
            shown = e["decided"] >= min_group
            check(g["rate_shown"] == shown, f"{kind} {key}: rate_shown {g['rate_shown']}, {e['decided']} decided")
            o = g["overturn"]
            if shown:
                check((o["rate"], o["low"], o["high"]) == wilson(e["overturned"], e["decided"]),
                      f"{kind} {key}: rate {o} != {wilson(e['overturned'], e['decided'])}")
            else:
                check(o["rate"] is None and o["low"] is None and o["high"] is None,
                      f"{kind} {key}: a group under {min_group} decided calls shows a rate: {o}")
    got_months = {m["month"]: m for m in report["monthly"]}
    for month, e in months.items():
        m = got_months.get(month)
        if check(m is not None, f"month {month} missing"):
            check(m["denials"] == e["denials"] and m["decided"] == e["decided"] and m["overturned"] == e["overturned"],
                  f"month {month}: {m} != {e}")
    check(len(report["monthly"]) == 12, f"12 months from {FROM} to {TO}, got {len(report['monthly'])}")
    missed = [i for i in report["review"] if i["missed_window"]]
    check(len(missed) == s["windows"], f"review: {len(missed)} missed windows, summary {s['windows']}")
    keys = [(i["step"], i["due"], i["case_id"]) for i in report["review"]]
    order = ["p2p_request", "scheduled_call", "call_confirmation", "internal_appeal", "external_review"]
    check(keys == sorted(keys, key=lambda k: (order.index(k[0]), k[1], k[2])), "review list not by step, then due")


def check_csv_against(text, report):
    rows = list(csv.DictReader(io.StringIO(text)))
    check(rows and "table" in rows[0], "CSV has a table column")
    tables = {}
    for row in rows:
        tables.setdefault(row["table"], []).append(row)
    check(set(tables) >= {"summary", "payer", "denial_type", "service_category", "physician", "monthly"},
          f"CSV tables: {sorted(tables)}")
    for kind in ("payer", "denial_type", "service_category", "physician"):
        got, want = tables.get(kind, []), report["groups"][kind]
        check([r["key"] for r in got] == [g["key"] for g in want], f"CSV {kind}: keys differ from the JSON")
        for r, g in zip(got, want):
            rate = g["overturn"]["rate"]
            check(r["overturn_rate"] == ("" if rate is None else f"{rate:.4f}"),
                  f"CSV {kind} {g['key']}: rate {r['overturn_rate']!r}, JSON {rate}")
            check(int(r["cases"]) == g["cases"] and int(r["decided"]) == g["overturn"]["trials"],
                  f"CSV {kind} {g['key']}: counts differ from the JSON")
    p2p = [r for r in tables["summary"] if r["key"] == "p2p"][0]
    check(int(p2p["cases"]) == report["summary"]["cases"], "CSV summary cases")
    check(p2p["ci_low"] == f"{report['summary']['p2p_overturn']['low']:.4f}", "CSV summary interval")
    check(len(tables.get("monthly", [])) == len(report["monthly"]), "CSV months")
    check(len(tables.get("review", [])) == len(report["review"]), "CSV review lines")


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    exe, root = sys.argv[1], sys.argv[2]
    schema = json.load(open(os.path.join(root, "schema", "p2p-report-1.schema.json"), encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    env = dict(os.environ, SOURCE_DATE_EPOCH=EPOCH)
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "demo", "p2pdoc.db")
        demo = [exe, "demo-ledger", "--ledger", db, "--cases", "600", "--seed", "5", "--until", "2026-11-30"]
        r = run(demo, env=env)
        check(r.returncode == 0 and "600 synthetic cases" in r.stdout, f"demo-ledger: {r.returncode} {r.stdout} {r.stderr}")
        r = run(demo, env=env)
        check(r.returncode == 2 and "already holds 600" in r.stderr, f"demo-ledger twice: {r.returncode} {r.stderr}")
        check(sqlite3.connect(db).execute("SELECT count(*) FROM cases").fetchone()[0] == 600, "refused run wrote nothing")

        base = [exe, "report", "--ledger", db, "--from", FROM, "--to", TO, "--root", root]
        r = run(base + ["--format", "json"], env=env)
        if not check(r.returncode == 0, f"report json: {r.returncode} {r.stderr}"):
            return finish()
        first_json = r.stdout
        report = json.loads(r.stdout)
        errors = list(validator.iter_errors(report))
        check(not errors, "JSON report against the schema: " + "; ".join(e.message for e in errors[:3]))
        broken = json.loads(r.stdout)
        broken["summary"]["p2p_overturn"]["rate"] = 1.5
        check(not validator.is_valid(broken), "the schema accepts a rate of 1.5")
        check(report["summary"]["cases"] > 500, f"cases in the period: {report['summary']['cases']}")
        check_json_against(report, db, 10)

        r5 = run(base + ["--format", "json", "--min-group", "40"], env=env)
        check(r5.returncode == 0, "report --min-group 40")
        if r5.returncode == 0:
            check_json_against(json.loads(r5.stdout), db, 40)

        out = os.path.join(tmp, "report.csv")
        r = run(base + ["--out", out], env=env)  # the format from the extension
        check(r.returncode == 0 and os.path.exists(out), f"report --out report.csv: {r.returncode} {r.stderr}")
        if os.path.exists(out):
            check_csv_against(open(out, encoding="utf-8").read(), report)

        # the same seed, another ledger: the same bytes
        db2 = os.path.join(tmp, "again.db")
        run([exe, "demo-ledger", "--ledger", db2, "--cases", "600", "--seed", "5", "--until", "2026-11-30"], env=env)
        again = run([exe, "report", "--ledger", db2, "--from", FROM, "--to", TO, "--root", root, "--format", "json"], env=env)
        check(again.returncode == 0 and again.stdout == first_json, "the same seed gives a byte-identical report")

        # refusals: named, and no file written
        bad = os.path.join(tmp, "bad.json")
        for args, code, words in (
                (["--from", "2026-02-30", "--to", TO], 2, "from: \"2026-02-30\" is not a date"),
                (["--from", TO, "--to", FROM], 2, "after it ends"),
                (["--from", FROM, "--to", TO, "--min-group", "0"], 2, "min_group"),
                (["--from", FROM, "--to", TO, "--format", "xml"], 2, "--format is pdf, csv or json"),
        ):
            r = run([exe, "report", "--ledger", db, "--root", root, "--out", bad] + args, env=env)
            check(r.returncode == code and words in r.stderr, f"report {args}: {r.returncode} {r.stderr!r}")
            check(not os.path.exists(bad), f"report {args} wrote {bad}")
        r = run([exe, "report", "--ledger", os.path.join(tmp, "none.db"), "--from", FROM, "--to", TO, "--format", "csv"], env=env)
        check(r.returncode == 2 and "no ledger at" in r.stderr, f"missing ledger: {r.returncode} {r.stderr}")
        check(not os.path.exists(os.path.join(tmp, "none.db")), "a missing ledger was created")
        r = run(base + ["--out", os.path.join(tmp, "report.pdf")], env=env)
        check(r.returncode == 1 and "not built yet" in r.stderr and not os.path.exists(os.path.join(tmp, "report.pdf")),
              f"pdf: {r.returncode} {r.stderr}")
    return finish()


def finish():
    for f in failures:
        print("FAIL:", f)
    print(f"check_report: {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
