"""What the end-to-end scripts share: collecting failed checks, running a
tool, and reading a PDF's text the way the checks compare it."""
import os
import re
import subprocess
import sys

failures = []


def check(ok, what):
    """Records `what` when `ok` is false; returns `ok`."""
    if not ok:
        failures.append(what)
    return ok


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, **kw)


def squash(s):
    """pdftotext breaks lines where the layout wrapped; compare word streams."""
    return re.sub(r"\s+", " ", s).strip()


def pdf_text(pdf):
    # -raw keeps content-stream order: a wrapped table cell reads as one run
    return squash(run(["pdftotext", "-raw", "-enc", "UTF-8", pdf, "-"]).stdout)


def written(out):
    """What generate wrote into an output folder, the case ledger (p2pdoc.db, -wal, -shm) left aside."""
    return sorted(n for n in os.listdir(out) if not n.startswith("p2pdoc.db")) if os.path.isdir(out) else []


def finish(success_message):
    """Prints every failure and exits 1, or prints the success line."""
    if failures:
        print("\n".join(failures))
        sys.exit(1)
    print(success_message)
