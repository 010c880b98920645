#!/usr/bin/env python3
"""End-to-end: invalid input exits 2, names every problem by JSON path, and
writes nothing. Each tests/fixtures/invalid/NAME.json has NAME.expected: the
diagnostic lines that must appear on stderr.

usage: check_invalid.py P2PDOC_BINARY REPO_ROOT
"""
import glob
import os
import subprocess
import sys
import tempfile

from e2e import check, finish, written

BIN, ROOT = sys.argv[1], sys.argv[2]


fixtures = sorted(glob.glob(os.path.join(ROOT, "tests", "fixtures", "invalid", "*.json")))
check(len(fixtures) >= 4, f"only {len(fixtures)} invalid fixtures")
sample = sorted(glob.glob(os.path.join(ROOT, "samples", "*.json")))[0]

with tempfile.TemporaryDirectory() as tmp:
    for path in fixtures:
        name = os.path.basename(path)
        expected = [l for l in open(path[:-5] + ".expected", encoding="utf-8").read().splitlines() if l.strip()]
        for command in ("validate", "generate"):
            out = os.path.join(tmp, command + "-" + name)
            args = [sys.argv[1], command, path] + (["--out", out] if command == "generate" else [])
            r = subprocess.run(args, capture_output=True, text=True)
            check(r.returncode == 2, f"{command} {name}: exit {r.returncode}, want 2")
            for line in expected:
                check(f"{path}: {line}" in r.stderr, f"{command} {name}: stderr lacks {line!r}\n--- stderr:\n{r.stderr}")
            if command == "generate":
                wrote = os.listdir(out) if os.path.exists(out) else []
                check(not wrote, f"generate {name}: wrote output {wrote}")

    # a batch: one good case, one bad: the good one is written, exit 2, counts in the summary
    out = os.path.join(tmp, "batch")
    r = subprocess.run([BIN, "generate", sample, fixtures[0], "--out", out], capture_output=True, text=True)
    check(r.returncode == 2, f"mixed batch exit {r.returncode}, want 2")
    check("generated 1 ok, 1 failed" in r.stdout, f"mixed batch summary: {r.stdout}")
    check(len(written(out)) == 1, f"mixed batch wrote {written(out)}")

    # issue 8: a deeply nested case crashed generate and lost the rest of the
    # batch; now it is refused and the next case is still written
    deep = os.path.join(ROOT, "tests", "fixtures", "invalid", "deep-nesting.json")
    out = os.path.join(tmp, "batch-deep")
    r = subprocess.run([BIN, "generate", deep, sample, "--out", out], capture_output=True, text=True)
    check(r.returncode == 2, f"deep batch exit {r.returncode}, want 2\n{r.stderr}")
    check("generated 1 ok, 1 failed" in r.stdout, f"deep batch summary: {r.stdout}")
    check(len(written(out)) == 1, f"deep batch wrote {written(out)}")

    # a missing file is a failed input, not a crash
    r = subprocess.run([BIN, "validate", os.path.join(tmp, "nope.json")], capture_output=True, text=True)
    check(r.returncode == 2 and "cannot read" in r.stderr, f"missing file: exit {r.returncode} {r.stderr}")

finish(f"{len(fixtures)} invalid fixtures rejected with path-named errors and no output")
