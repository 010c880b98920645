#!/usr/bin/env python3
"""End-to-end: the service's strict mode (issue 8). A case with a warning (an
unknown key) gets 201 (packet) and 200 (validate) with the warning by
default; with `--strict`, or `strict = true` in the config file, both routes
answer 422 with the warning as an error (its JSON path kept) and no packet is
written. A case without warnings gets 201 either way.

usage: check_strict.py P2PDOC_BINARY REPO_ROOT
"""
import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(__file__))
from serve_common import *  # noqa: E402,F403

BIN, ROOT = sys.argv[1], sys.argv[2]
work = workdir("strict")
clean = json.loads(open(os.path.join(ROOT, "samples", "uhc-lumbar-mri.json"), "rb").read())
warned = dict(clean, case_id="WARNED-1", intake_note="an unknown key: a warning, not an error")
clean_bytes, warned_bytes = json.dumps(clean).encode(), json.dumps(warned).encode()

# default: the warning rides along
svc = Service(BIN, os.path.join(work, "lenient"))
st, body = svc.json("POST", "/v1/packets", warned_bytes)
check(st == 201, f"lenient: warned case -> {st}")
st, body = svc.json("POST", "/v1/validate", warned_bytes)
check(st == 200 and [w["path"] for w in body["warnings"]] == ["/intake_note"], f"lenient: validate -> {st} {body}")
check(svc.stop() == 0, "lenient: clean stop")

conf = os.path.join(work, "strict.conf")
open(conf, "w").write("# warnings are fatal\nstrict = true\n")
for label, args in (("flag", ["--strict"]), ("config", ["--config", conf])):
    out = os.path.join(work, label)
    svc = Service(BIN, out, *args)
    for route in ("/v1/packets", "/v1/validate"):
        st, body = svc.json("POST", route, warned_bytes)
        errors = body.get("errors", []) if isinstance(body, dict) else []
        check(st == 422, f"{label}: warned case to {route} -> {st}, want 422")
        check([e["path"] for e in errors] == ["/intake_note"] and "strict" in errors[0]["message"]
              and body.get("warnings") == [], f"{label}: {route} body {body}")
    check(not os.path.exists(os.path.join(out, "WARNED-1")), f"{label}: no packet for the warned case")
    st, _ = svc.json("POST", "/v1/packets", clean_bytes)
    check(st == 201, f"{label}: a case without warnings -> {st}")
    check(svc.stop() == 0, f"{label}: clean stop")

cleanup(work)
finish("serve/strict")
