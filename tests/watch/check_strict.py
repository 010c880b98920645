#!/usr/bin/env python3
"""End-to-end: the watcher's strict mode (issue 8). A case with a warning (an
unknown key) is done, with its packet, by default; with `--strict`, or
`strict = true` in the config file, it goes to failed/ beside an error file
listing the warning as an error with its JSON path, and no packet is
written. A case without warnings is done either way.

usage: check_strict.py P2PDOC_BINARY REPO_ROOT
"""
import json
import os
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import watchlib as w  # noqa: E402

BIN, ROOT = sys.argv[1], sys.argv[2]
c = w.Checker("watch/strict")
samples = w.load_samples(ROOT)


def warned_case(case_id):
    case = json.loads(w.make_case(samples, 0, case_id))
    case["intake_note"] = "an unknown key: a warning, not an error"
    return json.dumps(case).encode("utf-8")


def run(tmp, label, *args, config=None):
    """One --once run over a clean case and a warned one; returns (exit code, inbox, out)."""
    inbox, out = os.path.join(tmp, label, "inbox"), os.path.join(tmp, label, "out")
    os.makedirs(inbox)
    open(os.path.join(inbox, "clean.json"), "wb").write(w.make_case(samples, 1, f"CLEAN-{label}"))
    open(os.path.join(inbox, "warned.json"), "wb").write(warned_case(f"WARNED-{label}"))
    extra = list(args)
    if config is not None:
        conf = os.path.join(tmp, label, "watch.conf")
        open(conf, "w").write(config)
        extra += ["--config", conf]
    r = w.run_once(BIN, inbox, out, "--workers", "1", "--quiet-period", "0", *extra,
                   log=os.path.join(tmp, label, "watch.log"))
    return r.returncode, inbox, out


with tempfile.TemporaryDirectory() as tmp:
    # default: the warning rides along, both cases are done
    code, inbox, out = run(tmp, "lenient")
    c.check(code == 0, f"lenient: exit {code}, want 0")
    c.check(sorted(os.listdir(os.path.join(inbox, "done"))) == ["clean.json", "warned.json"],
            f"lenient: done/ holds {sorted(os.listdir(os.path.join(inbox, 'done')))}")
    c.check(os.path.exists(os.path.join(out, "WARNED-lenient", "manifest.json")), "lenient: the warned case has its packet")

    # strict, by flag and by config file: the warned case fails as invalid input
    for label, args, config in (("flag", ["--strict"], None), ("config", [], "strict = true\n")):
        code, inbox, out = run(tmp, label, *args, config=config)
        c.check(code == 2, f"{label}: exit {code}, want 2 (some input invalid)")
        c.check(os.listdir(os.path.join(inbox, "done")) == ["clean.json"], f"{label}: done/ holds {os.listdir(os.path.join(inbox, 'done'))}")
        c.check(os.path.exists(os.path.join(out, f"CLEAN-{label}", "manifest.json")), f"{label}: the clean case has its packet")
        c.check(not os.path.exists(os.path.join(out, f"WARNED-{label}")), f"{label}: no packet for the warned case")
        err = os.path.join(inbox, "failed", "warned.error.json")
        if c.check(os.path.exists(err) and os.path.exists(os.path.join(inbox, "failed", "warned.json")),
                   f"{label}: the warned case and its error file are not in failed/"):
            e = json.load(open(err, encoding="utf-8"))
            d = e["diagnostics"]
            c.check(e["outcome"] == "invalid", f"{label}: outcome {e['outcome']}")
            c.check(len(d) == 1 and d[0]["severity"] == "error" and d[0]["path"] == "/intake_note"
                    and "strict" in d[0]["message"], f"{label}: diagnostics {d}")

    # strict = false in the file keeps the default
    code, inbox, out = run(tmp, "off", config="strict = false\n")
    c.check(code == 0 and os.path.exists(os.path.join(inbox, "done", "warned.json")), f"strict = false: exit {code}")

c.finish()
