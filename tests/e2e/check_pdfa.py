"""Archival PDF/A-2b end to end (docs/archival.md): `generate --pdfa`, a
watcher with `pdfa = true` and `serve --pdfa` write files whose objects carry what level B asks
of them, checked over qpdf's JSON of every object; without the setting the
same documents carry none of it. There is no veraPDF on Debian: the clauses
these checks cover are listed in docs/archival.md.

usage: check_pdfa.py P2PDOC SOURCE_ROOT"""
import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "serve"))
from e2e import check, finish, run  # noqa: E402
from serve_common import Service, clean_env  # noqa: E402

BIN, ROOT = sys.argv[1], sys.argv[2]
SAMPLE = os.path.join(ROOT, "samples", "uhc-lumbar-mri.json")
CID = "RSP-2026-00417"
ENV = dict(os.environ, SOURCE_DATE_EPOCH="1796083200")  # 2026-12-01T00:00:00Z
NS = {"rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "dc": "http://purl.org/dc/elements/1.1/",
      "xmp": "http://ns.adobe.com/xap/1.0/", "pdf": "http://ns.adobe.com/pdf/1.3/",
      "pdfaid": "http://www.aiim.org/pdfa/ns/id/"}


def objects(pdf):
    """{"1 0 R": {"value": ...} or {"stream": {"dict": ...}}} from qpdf's JSON v2."""
    r = run(["qpdf", "--json=2", "--json-key=qpdf", "--json-stream-data=none", pdf])
    found = json.loads(r.stdout)["qpdf"][1]
    return {k[len("obj:"):] if k.startswith("obj:") else k: v for k, v in found.items()}


def body(obj):
    return obj.get("value", obj.get("stream", {}).get("dict"))


def text(v):
    """qpdf spells strings "u:..." (text) or "b:..." (bytes)."""
    return v[2:] if isinstance(v, str) and v[:2] in ("u:", "b:") else v


def xmp_of(pdf, ref):
    r = subprocess.run(["qpdf", "--show-object=" + ref.split()[0], "--raw-stream-data", pdf], capture_output=True)
    return ET.fromstring(r.stdout)


def walk(v):
    """Every dictionary inside a value."""
    if isinstance(v, dict):
        yield v
        for x in v.values():
            yield from walk(x)
    elif isinstance(v, list):
        for x in v:
            yield from walk(x)


def check_archival(pdf, name):
    objs = objects(pdf)
    trailer = body(objs.get("trailer", {})) or {}
    catalog_ref = trailer.get("/Root")
    catalog = body(objs.get(catalog_ref, {})) or {}
    info = body(objs.get(trailer.get("/Info"), {})) or {}
    check("/Encrypt" not in trailer, f"{name}: not encrypted")
    check(isinstance(trailer.get("/ID"), list) and len(trailer["/ID"]) == 2, f"{name}: a file identifier")
    with open(pdf, "rb") as f:
        head = f.read(64)
    check(head.startswith(b"%PDF-1.") and int(head[7:8]) <= 7, f"{name}: PDF 1.7 or lower: {head[:8]}")
    second = head.split(b"\n")[1]
    check(second.startswith(b"%") and all(b >= 128 for b in second[1:5]), f"{name}: the binary comment after the header")

    # 6.6 metadata: an unfiltered XML stream, part 2, level B, the info repeated
    meta_ref = catalog.get("/Metadata")
    meta = objs.get(meta_ref, {}).get("stream", {}).get("dict", {}) if meta_ref else {}
    check(meta.get("/Type") == "/Metadata" and meta.get("/Subtype") == "/XML", f"{name}: catalog /Metadata: {meta}")
    check("/Filter" not in meta, f"{name}: the metadata stream is not filtered")
    if meta_ref:
        x = xmp_of(pdf, meta_ref)
        d = x.find(".//rdf:Description", NS)
        get = lambda path: (d.find(path, NS).text if d is not None and d.find(path, NS) is not None else None)  # noqa: E731
        check(get("pdfaid:part") == "2" and get("pdfaid:conformance") == "B", f"{name}: pdfaid part 2, B")
        check(get("dc:title/rdf:Alt/rdf:li") == text(info.get("/Title")), f"{name}: dc:title = /Title")
        check(get("dc:creator/rdf:Seq/rdf:li") == text(info.get("/Author")), f"{name}: dc:creator = /Author")
        check(get("dc:description/rdf:Alt/rdf:li") == text(info.get("/Subject")), f"{name}: dc:description = /Subject")
        check(get("pdf:Producer") == text(info.get("/Producer")), f"{name}: pdf:Producer = /Producer")
        check(get("xmp:CreatorTool") == text(info.get("/Creator")), f"{name}: xmp:CreatorTool = /Creator")
        check(get("pdf:Keywords") == text(info.get("/Keywords")), f"{name}: pdf:Keywords = /Keywords")
        check(text(info.get("/CreationDate")) == "D:20261201000000Z" and get("xmp:CreateDate") == "2026-12-01T00:00:00Z"
              and get("xmp:ModifyDate") == "2026-12-01T00:00:00Z", f"{name}: the dates agree")

    # 6.2.3 output intent: GTS_PDFA1 with an RGB ICC profile
    intents = catalog.get("/OutputIntents", [])
    check(len(intents) == 1, f"{name}: one output intent: {intents}")
    for oi in intents:
        oi = oi if isinstance(oi, dict) else body(objs.get(oi, {}))
        check(oi.get("/S") == "/GTS_PDFA1" and text(oi.get("/OutputConditionIdentifier")) == "sRGB IEC61966-2.1",
              f"{name}: the intent: {oi}")
        prof = objs.get(oi.get("/DestOutputProfile"), {}).get("stream", {}).get("dict", {})
        check(prof.get("/N") == 3, f"{name}: the ICC profile has 3 components: {prof}")

    # 6.1.7/6.2.9/6.4/6.6.1: no JavaScript, no transparency, no actions; fonts embedded
    everything = [body(o) for o in objs.values() if body(o) is not None]
    dicts = [d for o in everything for d in walk(o)]
    check(not any(d.get("/S") == "/JavaScript" or "/JS" in d for d in dicts), f"{name}: no JavaScript")
    check(not any("/SMask" in d and d["/SMask"] != "/None" for d in dicts), f"{name}: no soft masks")
    check(not any(d.get("/S") == "/Transparency" for d in dicts), f"{name}: no transparency groups")
    check(not any(isinstance(d.get(k), (int, float)) and d[k] < 1 for d in dicts for k in ("/CA", "/ca")),
          f"{name}: no constant alpha below 1")
    check(not any("/AA" in d or "/OpenAction" in d for d in dicts), f"{name}: no additional or open actions")
    fonts = [d for d in dicts if d.get("/Type") == "/FontDescriptor"]
    check(fonts and all(any(k in d for k in ("/FontFile", "/FontFile2", "/FontFile3")) for d in fonts),
          f"{name}: every font program embedded")

    # 6.3.2/6.4.1 forms: widgets print, have their own appearance; no NeedAppearances
    widgets = [d for d in dicts if d.get("/Subtype") == "/Widget"]
    for w in widgets:
        flags = w.get("/F", 0)
        check(flags & 4 and not flags & 2 and "/AP" in w, f"{name}: widget {text(w.get('/T'))}: /F {flags}, /AP")
    acro = catalog.get("/AcroForm")
    acro = body(objs.get(acro, {})) if isinstance(acro, str) else acro
    check(not (acro or {}).get("/NeedAppearances", False), f"{name}: no NeedAppearances")
    return objs, widgets


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
