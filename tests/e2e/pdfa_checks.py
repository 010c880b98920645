"""What PDF/A-2b level B asks of a file, checked over qpdf's JSON of every
object (docs/archival.md lists the clauses). Shared by tests/e2e/check_pdfa.py
and tests/install/check_units_run.py."""
import json
import subprocess
import xml.etree.ElementTree as ET

from e2e import check, run

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


def check_archival(pdf, name, created="D:20261201000000Z"):
    """`created`: the /CreationDate the file must carry (None: any, as long as
    the XMP dates repeat it)."""
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
        made = text(info.get("/CreationDate")) or ""
        xmp_made = (f"{made[2:6]}-{made[6:8]}-{made[8:10]}T{made[10:12]}:{made[12:14]}:{made[14:16]}Z"
                    if len(made) == 17 else None)
        check(xmp_made is not None and (created is None or made == created) and get("xmp:CreateDate") == xmp_made
              and get("xmp:ModifyDate") == xmp_made, f"{name}: the dates agree: {made} {get('xmp:CreateDate')}")

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


