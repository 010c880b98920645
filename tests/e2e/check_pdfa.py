"""Archival PDF/A-2b end to end (docs/archival.md): `generate --pdfa`, a
watcher with `pdfa = true` and `serve --pdfa` write files whose objects carry what level B asks
of them, checked over qpdf's JSON of every object; without the setting the
same documents carry none of it. There is no veraPDF on Debian: the clauses
these checks cover are listed in docs/archival.md.

usage: check_pdfa.py P2PDOC SOURCE_ROOT"""
import os
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "serve"))
from e2e import check, finish, run  # noqa: E402
from serve_common import Service, clean_env  # noqa: E402
from pdfa_checks import body, check_archival, objects  # noqa: E402

BIN, ROOT = sys.argv[1], sys.argv[2]
SAMPLE = os.path.join(ROOT, "samples", "uhc-lumbar-mri.json")
CID = "RSP-2026-00417"
ENV = dict(os.environ, SOURCE_DATE_EPOCH="1796083200")  # 2026-12-01T00:00:00Z


def pdfs(folder):
    return sorted(f for f in os.listdir(folder) if f.endswith(".pdf"))


with tempfile.TemporaryDirectory() as tmp:
    a, b, plain = (os.path.join(tmp, n) for n in ("a", "b", "plain"))
    for out, extra in ((a, ["--pdfa"]), (b, ["--pdfa"]), (plain, [])):
        r = run([BIN, "generate", SAMPLE, "--out", out, "--no-ledger"] + extra, env=ENV)
        check(r.returncode == 0, f"generate {extra}: exit {r.returncode}: {r.stderr}")
    packet = os.path.join(a, CID)
    names = pdfs(packet) if os.path.isdir(packet) else []
    check("post-call.pdf" in names and "brief.pdf" in names, f"the PDFs of the packet: {names}")
    widgets = 0
    for n in names:
        path = os.path.join(packet, n)
        check(run(["qpdf", "--check", path]).returncode == 0, f"{n}: qpdf --check")
        _, w = check_archival(path, n)
        widgets += len(w)
        fonts = run(["pdffonts", path]).stdout.splitlines()[2:]
        check(fonts and all(line.split()[-5] == "yes" for line in fonts), f"{n}: pdffonts says embedded: {fonts}")
        with open(path, "rb") as f1, open(os.path.join(b, CID, n), "rb") as f2:
            check(f1.read() == f2.read(), f"{n}: the same bytes twice under SOURCE_DATE_EPOCH")
    check(widgets >= 10, f"the post-call form keeps its fields: {widgets} widgets")

    # without --pdfa: none of it
    for n in pdfs(os.path.join(plain, CID)):
        objs = objects(os.path.join(plain, CID, n))
        root = body(objs.get(body(objs["trailer"])["/Root"]))
        check("/Metadata" not in root and "/OutputIntents" not in root, f"{n} without --pdfa: no archival parts")

    # the watcher, from its settings file
    inbox, out = os.path.join(tmp, "inbox"), os.path.join(tmp, "wout")
    os.makedirs(inbox)
    with open(SAMPLE, encoding="utf-8") as f, open(os.path.join(inbox, "case.json"), "w", encoding="utf-8") as g:
        g.write(f.read())
    conf = os.path.join(tmp, "watch.conf")
    with open(conf, "w", encoding="utf-8") as f:
        f.write(f"inbox = {inbox}\nout = {out}\nroot = {ROOT}\npdfa = true\nno_ledger = true\n")
    r = run([BIN, "watch", "--config", conf, "--once", "--log", os.path.join(tmp, "watch.log")], env=ENV)
    check(r.returncode == 0, f"watch --once with pdfa = true: exit {r.returncode}: {r.stderr}")
    brief = os.path.join(out, CID, "brief.pdf")
    if check(os.path.exists(brief), "the watcher wrote the brief"):
        check_archival(brief, "watch: brief.pdf")

    # the service: its generation workers are started with --pdfa too
    sout = os.path.join(tmp, "sout")
    svc = Service(BIN, sout, "--pdfa", "--root", ROOT, "--no-ledger", "--workers", "1",
                  env=clean_env(SOURCE_DATE_EPOCH="1796083200"))
    try:
        with open(SAMPLE, "rb") as f:
            status, _, reply = svc.request("POST", "/v1/packets", f.read(), {"Content-Type": "application/json"})
        check(status == 201, f"serve --pdfa: POST /v1/packets: {status} {reply[:200]}")
    finally:
        svc.stop()
    brief = os.path.join(sout, CID, "brief.pdf")
    if check(os.path.exists(brief), "the service wrote the brief"):
        check_archival(brief, "serve: brief.pdf")

    # the report, from a synthetic ledger, and the documents `record` regenerates
    ledger = os.path.join(tmp, "demo.db")
    r = run([BIN, "demo-ledger", "--ledger", ledger, "--cases", "60", "--until", "2026-12-01"], env=ENV)
    check(r.returncode == 0, f"demo-ledger: {r.stderr}")
    for n in ("r1.pdf", "r2.pdf"):
        r = run([BIN, "report", "--from", "2025-12-01", "--to", "2026-11-30", "--ledger", ledger,
                 "--out", os.path.join(tmp, n), "--pdfa", "--root", ROOT], env=ENV)
        check(r.returncode == 0, f"report --pdfa: exit {r.returncode}: {r.stderr}")
    report = os.path.join(tmp, "r1.pdf")
    if check(os.path.exists(report), "report --pdfa wrote its PDF"):
        check(run(["qpdf", "--check", report]).returncode == 0, "report: qpdf --check")
        check_archival(report, "report.pdf")
        with open(report, "rb") as f1, open(os.path.join(tmp, "r2.pdf"), "rb") as f2:
            check(f1.read() == f2.read(), "report --pdfa: the same bytes twice under SOURCE_DATE_EPOCH")
    r = run([BIN, "report", "--from", "2025-12-01", "--to", "2026-11-30", "--ledger", ledger,
             "--format", "csv", "--pdfa"], env=ENV)
    check(r.returncode == 2 and "--pdfa" in r.stderr, f"report --format csv --pdfa: exit {r.returncode}")
    filled = os.path.join(tmp, "filled.pdf")
    data = os.path.join(tmp, "data.xfdf")
    with open(data, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?><xfdf xmlns="http://ns.adobe.com/xfdf/"><fields>'
                '<field name="call_date_time"><value>11/24/2026 10:40 AM EST</value></field>'
                '<field name="disposition_upheld"><value>Yes</value></field></fields></xfdf>')
    r = run(["pdftk", os.path.join(plain, CID, "post-call.pdf"), "fill_form", data, "output", filled, "need_appearances"])
    check(r.returncode == 0, f"pdftk fill_form: {r.stderr}")
    r = run([BIN, "record", filled, "--out", plain, "--no-ledger", "--pdfa", "--root", ROOT], env=ENV)
    check(r.returncode == 0, f"record --pdfa: exit {r.returncode}: {r.stdout} {r.stderr}")
    for n in pdfs(os.path.join(plain, CID)):
        check_archival(os.path.join(plain, CID, n), f"record --pdfa: {n}")

finish("check_pdfa: PDF/A-2b parts in every PDF with --pdfa and pdfa = true, none without")
