#!/usr/bin/env python3
"""End-to-end (issue 4, test a): 1,000 cases, 5 % invalid, drained with
`p2pdoc watch --once`. Every valid case has exactly one complete packet
(manifest, sha256 of every document; qpdf --check on a sample), every invalid
one is in failed/ with its error file, the inbox and working/ are empty,
files are 0640 and folders 0750, temporary names are left alone, and the log
has one line per case and no patient data.

usage: check_batch.py P2PDOC_BINARY REPO_ROOT
"""
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import watchlib as w  # noqa: E402

BIN, ROOT = sys.argv[1], sys.argv[2]
c = w.Checker("watch/batch")
samples = w.load_samples(ROOT)

with tempfile.TemporaryDirectory() as tmp:
    inbox, out, log = os.path.join(tmp, "inbox"), os.path.join(tmp, "out"), os.path.join(tmp, "watch.log")
    made = w.write_batch(inbox, samples, 1000)
    # names a writer uses while copying: never claimed, never moved
    ignored = {"copying.json.part": b"{", "copying.json.tmp": b"{", "copying.json~": b"{",
               ".hidden.json": b"{", "notes.txt": b"x"}
    for n, data in ignored.items():
        open(os.path.join(inbox, n), "wb").write(data)
    os.makedirs(os.path.join(inbox, "a-folder.json"))

    t0 = time.monotonic()
    r = w.run_once(BIN, inbox, out, "--quiet-period", "0", log=log)
    secs = time.monotonic() - t0
    n_invalid = sum(1 for v in made.values() if not v[1])
    c.check(n_invalid == 50, f"{n_invalid} invalid inputs, want 50")
    c.check(r.returncode == 2, f"exit {r.returncode}, want 2 (some input invalid)")

    for n in ignored:
        c.check(os.path.exists(os.path.join(inbox, n)), f"{n}: was moved")
    for n in ignored:
        os.remove(os.path.join(inbox, n))
    os.rmdir(os.path.join(inbox, "a-folder.json"))
    w.check_no_leftovers(c, inbox, out)
    w.check_outcomes(c, inbox, out, made, qpdf_sample=12)
    valid_ids = sorted(v[0] for v in made.values() if v[1])
    w.check_modes(c, inbox, out, valid_ids[:20])

    lines = w.log_lines(log)
    per_case = [l for l in lines if "outcome" in l]
    c.check(len(per_case) == 1000, f"{len(per_case)} per-case log lines, want 1000")
    for l in per_case[:1000]:
        if not c.check({"ts", "case_id", "file", "outcome", "documents", "ms"} <= set(l), f"log line {l}"):
            break
    c.check(sum(1 for l in per_case if l.get("outcome") == "ok") == 950, "950 ok lines")
    c.check(all(l["outcome"] == "invalid" and l["case_id"] is None for l in per_case if l["file"] in
                {n for n, v in made.items() if not v[1]}), "invalid cases logged as invalid, without a case id")
    summary = [l for l in open(log, encoding="utf-8").read().splitlines() if l.startswith("watch: ")]
    c.check(len(summary) == 1 and summary[0].startswith("watch: 950 ok, 50 failed in "), f"summary {summary}")
    w.check_log_is_clean(c, log, w.patient_strings(samples))
    print(f"drained 1000 cases in {secs:.1f} s ({1000 / secs:.0f} cases/s)")

c.finish()
