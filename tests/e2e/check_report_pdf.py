#!/usr/bin/env python3
"""End-to-end: the overturn report's pages (src/report/report_document.h)
from a synthetic Report, written by the real PDF stage through the
report_sample tool. The file passes qpdf --check, is US Letter, embeds its
fonts, draws its charts as vectors (dashed benchmark edges, no images), and
pdftotext shows the key figures and labels. The same SOURCE_DATE_EPOCH gives
the same bytes. A large report (60 physicians, 200 review items) too.

usage: check_report_pdf.py REPORT_SAMPLE_BINARY REPO_ROOT
"""
import os
import re
import shutil
import sys
import tempfile
import zlib

from e2e import check, finish, run, pdf_text

BIN, ROOT = sys.argv[1], sys.argv[2]
ENV = dict(os.environ, SOURCE_DATE_EPOCH="1782950400")


def make(out, *args):
    r = run([BIN, out, *args], env=ENV)
    check(r.returncode == 0, f"report_sample {' '.join(args)} failed: {r.stderr}")
    return r.returncode == 0


def content_streams(pdf):
    """Every Flate stream of the file, inflated (content streams and fonts)."""
    data = open(pdf, "rb").read()
    out = []
    for m in re.finditer(rb"stream\r?\n", data):
        try:
            out.append(zlib.decompressobj().decompress(data[m.end():]))
        except zlib.error:
            pass
    return out


def check_pdf(pdf, what):
    q = run(["qpdf", "--check", pdf])
    check(q.returncode == 0 and "No syntax or stream encoding errors" in q.stdout, f"{what}: qpdf --check: {q.stdout}{q.stderr}")
    info = run(["pdfinfo", pdf]).stdout
    check("612 x 792 pts (letter)" in info, f"{what}: not US Letter: {info}")
    fonts = run(["pdffonts", pdf]).stdout.splitlines()[2:]
    check(len(fonts) >= 2, f"{what}: expected regular and bold faces: {fonts}")
    for line in fonts:
        emb, sub, uni = line.split()[-5:-2]
        check((emb, sub, uni) == ("yes", "yes", "yes"), f"{what}: font not embedded as a Unicode subset: {line}")
    images = run(["pdfimages", "-list", pdf]).stdout.splitlines()[2:]
    check(not images, f"{what}: the charts must be vectors, found images: {images}")


tmp = tempfile.mkdtemp(prefix="p2p-report-")
try:
    pdf = os.path.join(tmp, "report.pdf")
    if make(pdf):
        check_pdf(pdf, "sample report")
        text = pdf_text(pdf)
        for label in ["P2P and appeal outcomes", "Cases denied", "P2P overturn rate", "Written appeal overturn rate",
                      "P2P windows missed", "Against the published benchmarks", "What stands out",
                      "Overturn rate by payer", "Overturn rate by denial type", "Overturn rate by service category",
                      "Overturn rate by physician", "95 % interval (Wilson)", "Published benchmark range",
                      "Monthly trend: denials and P2P overturn rate", "Weekly review: missed windows and past deadlines",
                      "UnitedHealthcare", "Aetna", "Medical necessity", "Advanced imaging", "60\u201375 %",
                      "Dr. Luis Fern\u00e1ndez", "counts only", "so none is shown", "Page 1 of"]:
            check(label in text, f"sample report: pdftotext lacks {label!r}")
        # the summary's figures as the sample draws them (sample_report.cpp, seed 11)
        for figure in ["820", "Cases denied in the period 820", "P2P overturn rate 52 %", "52 % (47\u201356 %)"]:
            check(figure in text, f"sample report: pdftotext lacks the figure {figure!r}")
        check(re.search(r"RSP-2026-\d{5} 20\d\d-\d\d-\d\d Window missed", text) is not None,
              "sample report: the review list has no missed window row")
        streams = b"".join(content_streams(pdf))
        check(b"[2.5 2.5] 0 d" in streams, "sample report: no dashed benchmark edge in the content streams")
        again = os.path.join(tmp, "again.pdf")
        if make(again):
            check(open(pdf, "rb").read() == open(again, "rb").read(),
                  "sample report: two runs with the same SOURCE_DATE_EPOCH differ")
    big = os.path.join(tmp, "big.pdf")
    if make(big, "--cases", "4000", "--physicians", "60", "--payers", "24", "--review", "200"):
        check_pdf(big, "large report")
        text = pdf_text(big)
        check("Overturn rate by physician (continued)" in text, "large report: the physician chart did not continue")
        check("Weekly review (continued)" in text, "large report: the review list did not continue")
        check("Dr. Physician 60" in text, "large report: the 60th physician is missing")
finally:
    shutil.rmtree(tmp)

finish("report pdf: qpdf clean, Letter, fonts embedded, vector charts, figures and labels extract, reproducible")
