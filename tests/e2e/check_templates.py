#!/usr/bin/env python3
"""End-to-end: `p2pdoc check-templates` passes on the shipped templates and
catches what a template author can break: a copy of templates/ with a broken
placeholder, a stray "{{", a label left empty and a bracketed editing note
must each fail with exit 1, naming the template file, the case and the
artefact.

usage: check_templates.py P2PDOC_BINARY REPO_ROOT
"""
import glob
import os
import shutil
import sys
import tempfile

from e2e import check, finish, run

BIN, ROOT = sys.argv[1], sys.argv[2]
ENV = dict(os.environ, SOURCE_DATE_EPOCH="1795435200")  # 2026-11-23
SAMPLE = os.path.join(ROOT, "samples", "uhc-lumbar-mri.json")

r = run([BIN, "check-templates", "--root", ROOT], env=ENV)
check(r.returncode == 0, f"shipped templates: exit {r.returncode}:\n{r.stdout[-3000:]}{r.stderr[-500:]}")
check("0 problem(s)" in r.stdout, f"shipped templates: summary line missing: {r.stdout[-300:]}")
n_samples = len(glob.glob(os.path.join(ROOT, "samples", "*.json")))
check(f"against {n_samples} case(s)" in r.stdout, f"not every sample was used: {r.stdout[-300:]}")


def broken_root(tmp, rel, old, new):
    """A copy of the root's templates with one edit; fonts linked, not copied."""
    root = os.path.join(tmp, rel.replace("/", "_") + str(abs(hash(new)) % 10000))
    shutil.copytree(os.path.join(ROOT, "templates"), os.path.join(root, "templates"))
    for shared in ("fonts", "schema"):
        os.symlink(os.path.join(ROOT, shared), os.path.join(root, shared))
    path = os.path.join(root, "templates", rel)
    text = open(path, encoding="utf-8").read()
    assert old in text, f"{rel} no longer holds {old!r}"
    open(path, "w", encoding="utf-8").write(text.replace(old, new, 1))
    return root


EDITS = [
    # (template, text replaced, replacement, what the report must name). A
    # broken tag is found in the template itself (it would silently swallow
    # text); the rest in the expansion, with the case that shows it.
    ("brief/default.md", "{{patient.name}}", "{{patient.name}", "{{ not closed by }}"),
    ("lomn/by-type/experimental_investigational.md", "{{patient.name}}", "{{patient.name}} {{",
     "{{ not closed by }}"),
    ("lomn/default.md", "{{patient.name}}", "{{patient.name}} }}", "stray }}"),
    ("p2p-script/by-payer/cigna.md", "{{patient.name}}", "{{patient.nmae}}", "placeholder {{patient.nmae}}"),
    ("post-call/default.md", "# Peer-to-peer call record\n", "# Peer-to-peer call record\n\n**Phone:**\n\n", 'empty label "Phone:"'),
    ("appeal-cover/default.md", "Dear Appeals Coordinator:", "Dear Appeals Coordinator:\n\n[Delete this paragraph if unused]\n",
     "editing note in brackets"),
    ("notice/default.txt", "{{patient.name}}", "{{patient.name}}..", "doubled period"),
]

with tempfile.TemporaryDirectory() as tmp:
    for rel, old, new, expect in EDITS:
        root = broken_root(tmp, rel, old, new)
        r = run([BIN, "check-templates", "--root", root, SAMPLE], env=ENV)
        out = r.stdout + r.stderr
        check(r.returncode == 1, f"{rel} edited to {new!r}: exit {r.returncode}, expected 1:\n{out[-800:]}")
        check(expect in out, f"{rel}: the report does not name {expect!r}:\n{out[-800:]}")
        names_case = "uhc-lumbar-mri.json" in out or "(the template itself)" in out
        check(f"templates/{rel}" in out and names_case,
              f"{rel}: the report does not name the template and the case:\n{out[-800:]}")

    # An invalid case is reported as such (exit 2), not as a template problem.
    bad = os.path.join(tmp, "bad.json")
    open(bad, "w").write('{"format": "p2p-case/1"}')
    r = run([BIN, "check-templates", "--root", ROOT, SAMPLE, bad], env=ENV)
    check(r.returncode == 2, f"invalid case: exit {r.returncode}, expected 2: {r.stdout[-300:]}{r.stderr[-300:]}")

finish("check-templates passes on the shipped templates and catches 6 kinds of broken edit")
