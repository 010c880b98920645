#!/usr/bin/env python3
"""End-to-end: `p2pdoc render KIND CASE` writes one document as `generate`
writes it in the packet (the same text, the same pixels on every page; a
text document byte for byte), and nothing else; bad input writes nothing.
The bytes of a PDF differ, and must: in a packet the documents drawn with one
font family share one subset of each face (pdf_export.h, SharedSubsets), so
the packet's copy embeds the glyphs its sibling documents draw too. And the front/full split (cli/full_binary.h): the front that people
call does not load the service's, PostgreSQL's, libcurl's or PoDoFo's libraries, and
hands the commands that need them to p2pdoc-full, unchanged.

usage: check_render.py P2PDOC_BINARY REPO_ROOT
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

from e2e import check, finish, pdf_text, run

BIN, ROOT = sys.argv[1], sys.argv[2]
ENV = dict(os.environ, SOURCE_DATE_EPOCH="1795435200")
CASE = os.path.join(ROOT, "samples", "uhc-lumbar-mri.json")
CASE_ID = "RSP-2026-00417"


def read(path, mode="rb"):
    with open(path, mode) as f:
        return f.read()


def pixels(pdf, into):
    """Every page of the PDF at `pdf` rendered at 60 dpi in grey, as bytes."""
    os.makedirs(into, exist_ok=True)
    run(["pdftoppm", "-r", "60", "-gray", pdf, os.path.join(into, "page")])
    return [read(os.path.join(into, n)) for n in sorted(os.listdir(into))]


def same_document(one, other, scratch):
    """The same document for a reader: a text file byte for byte; a PDF's
    text, page count and every page's pixels."""
    if one.endswith(".txt"):
        return read(one) == read(other)
    a, b = pixels(one, scratch + "-a"), pixels(other, scratch + "-b")
    return len(a) > 0 and a == b and pdf_text(one) == pdf_text(other)


with tempfile.TemporaryDirectory() as tmp:
    packet = os.path.join(tmp, "packet")
    g = run([BIN, "generate", "--no-ledger", "-o", packet, CASE], env=ENV)
    check(g.returncode == 0, f"generate failed: {g.stderr}")
    made = os.path.join(packet, CASE_ID)

    # the brief, default name in the working folder, byte for byte the packet's
    work = os.path.join(tmp, "work")
    os.mkdir(work)
    r = run([BIN, "render", "brief", CASE], env=ENV, cwd=work)
    check(r.returncode == 0, f"render brief: exit {r.returncode}: {r.stderr}")
    check(os.listdir(work) == [f"{CASE_ID}-brief.pdf"], f"render wrote {os.listdir(work)}, not only {CASE_ID}-brief.pdf")
    brief = os.path.join(work, f"{CASE_ID}-brief.pdf")
    if os.path.exists(brief):
        check(same_document(brief, os.path.join(made, "brief.pdf"), os.path.join(tmp, "px-brief")),
              "the rendered brief differs from the packet's brief.pdf")
        check(run(["qpdf", "--check", brief]).returncode == 0, "qpdf --check fails on the rendered brief")
        check("Pages:           1" in run(["pdfinfo", brief]).stdout, "the rendered brief is not one page")
        check(CASE_ID in pdf_text(brief), "the rendered brief does not name its case")

    # every other kind, to a named file and to standard output
    for kind, file in [("lomn", "lomn.pdf"), ("post-call", "post-call.pdf"), ("notice", "notice.txt")]:
        target = os.path.join(tmp, "one-" + file)
        r = run([BIN, "render", kind, CASE, "-o", target], env=ENV)
        check(r.returncode == 0, f"render {kind}: exit {r.returncode}: {r.stderr}")
        if os.path.exists(target):
            check(same_document(target, os.path.join(made, file), os.path.join(tmp, "px-" + kind)),
                  f"render {kind} differs from the packet's {file}")
    p = subprocess.run([BIN, "render", "brief", CASE, "-o", "-"], env=ENV, capture_output=True)
    check(p.returncode == 0 and p.stdout == read(brief), "render -o - does not print the brief render -o FILE writes")

    # several cases: one file each, named by case, in the folder -o names
    many = os.path.join(tmp, "many")
    os.mkdir(many)
    other = os.path.join(ROOT, "samples", "aetna-acdf.json")
    r = run([BIN, "render", "brief", CASE, other, "-o", many], env=ENV)
    check(r.returncode == 0, f"render of two cases: exit {r.returncode}: {r.stderr}")
    names = sorted(os.listdir(many))
    check(len(names) == 2 and f"{CASE_ID}-brief.pdf" in names, f"render of two cases wrote {names}")
    if f"{CASE_ID}-brief.pdf" in names:
        check(read(os.path.join(many, f"{CASE_ID}-brief.pdf")) == read(brief),
              "a brief rendered in a batch differs from the brief rendered alone")
    r = run([BIN, "render", "brief", CASE, other, "-o", "-"], env=ENV)
    check(r.returncode == 2 and "folder" in r.stderr, f"-o - with two cases: exit {r.returncode}: {r.stderr}")

    # an unknown kind and an invalid case: exit 2, nothing written
    bad = os.path.join(tmp, "bad")
    os.mkdir(bad)
    r = run([BIN, "render", "summary", CASE], env=ENV, cwd=bad)
    check(r.returncode == 2, f"an unknown kind gave exit {r.returncode}, not 2")
    check("brief, p2p-script, lomn" in r.stderr, f"the unknown kind's message does not list the kinds: {r.stderr}")
    broken = os.path.join(tmp, "broken.json")
    with open(broken, "w") as f:
        f.write(read(CASE, "r").replace('"payer"', '"payor"', 1))
    r = run([BIN, "render", "brief", broken], env=ENV, cwd=bad)
    check(r.returncode == 2, f"an invalid case gave exit {r.returncode}, not 2")
    check("/payer" in r.stderr, f"the invalid case's error names no JSON path: {r.stderr}")
    check(os.listdir(bad) == [], f"bad input wrote {os.listdir(bad)}")

    # the front leaves out what one-shot commands never use; p2pdoc-full has it
    full = os.path.join(os.path.dirname(BIN), "p2pdoc-full")
    front_libs, full_libs = run(["ldd", BIN]).stdout, run(["ldd", full]).stdout
    # PoDoFo only reads filled forms (`record`, p2pdoc-full); our own writer makes every PDF
    for lib in ["libpq.so", "libcurl", "libcpp-httplib", "libgnutls", "libkrb5", "libpodofo"]:
        check(lib not in front_libs, f"the front p2pdoc loads {lib}")
    for lib in ["libpq.so", "libcurl", "libcpp-httplib", "libpodofo"]:
        check(lib in full_libs, f"p2pdoc-full does not load {lib}: is the test looking at the right binary?")

    # linked static and position-independent (P2P_STATIC_FRONT, src/CMakeLists.txt): no
    # dynamic loader to run (no PT_INTERP, no NEEDED), and still placed at a random
    # address (an ET_DYN executable); a dynamic front has its loader
    headers = run(["readelf", "-hldW", BIN]).stdout
    if os.environ.get("P2P_STATIC_FRONT") == "1":
        check("INTERP" not in headers and "(NEEDED)" not in headers,
              "the static front names a dynamic loader or shared libraries")
        check(re.search(r"Type:\s+DYN", headers), "the static front is not position-independent (not ET_DYN)")
    elif os.environ.get("P2P_STATIC_FRONT") == "0":
        check("INTERP" in headers, "the front built without P2P_STATIC_FRONT has no dynamic loader")

    # ... and hands over what needs it, arguments and exit code unchanged
    r = run([BIN, "serve", "--help"])
    check(r.returncode == 0 and "--listen" in r.stdout, f"`p2pdoc serve --help` through the front: {r.returncode} {r.stderr}")
    r = run([BIN, "--help"])
    check(r.returncode == 0 and all(c in r.stdout for c in ["serve", "watch", "render", "generate"]),
          "`p2pdoc --help` does not list every command")
    r = run([BIN, "record", "--help"])
    check(r.returncode == 0 and "post-call" in r.stdout, f"`p2pdoc record --help` through the front: {r.returncode} {r.stderr}")
    r = run([BIN, "due", "--ledger", "postgresql://nobody@127.0.0.1:1/none"])
    check(r.returncode != 0 and "no PostgreSQL backend" not in r.stderr and "127.0.0.1" in r.stderr,
          f"a PostgreSQL ledger was not handed to p2pdoc-full: {r.stderr}")

    # a front without p2pdoc-full says what it needs and where it looked
    alone = os.path.join(tmp, "alone")
    os.mkdir(alone)
    shutil.copy(BIN, alone)
    r = run([os.path.join(alone, os.path.basename(BIN)), "serve", "--help"])
    check(r.returncode == 1 and "p2pdoc-full" in r.stderr and alone in r.stderr,
          f"a front without p2pdoc-full: exit {r.returncode}: {r.stderr}")

finish("render: one document as the packet has it; the front hands service and PostgreSQL commands to p2pdoc-full")
