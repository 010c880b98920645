#!/usr/bin/env python3
"""Cost of `import pas --clinical` (docs/performance.md, "Pre-filling from
the EHR"): the median wall time of the real binary over RUNS runs, without
a clinical bundle, with each Synthea bundle in tests/fhir/data and
/work/shared/external/synthea (when present), and with the largest one
repeated to about 8 and 32 MB (every resource's id and fullUrl made unique,
references kept inside each copy), so the growth with size shows.
Not a ctest: it takes about a minute.

usage: bench/prefill_bench.py [P2PDOC] [RUNS]"""
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
p2pdoc = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "build", "src", "p2pdoc")
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 11
data = os.path.join(here, "tests", "fhir", "data")
shared = "/work/shared/external/synthea"


def patient_of(bundle):
    for e in bundle["entry"]:
        if e["resource"]["resourceType"] == "Patient":
            return e["resource"]


def response_for(bundle, tmp):
    """The IG's denial example given to the bundle's patient, with ICD-10-CM M17.11."""
    b = json.load(open(os.path.join(data, "Bundle-RejectionResponseBundleExample.json")))
    p = patient_of(bundle)
    for e in b["entry"]:
        r = e["resource"]
        if r["resourceType"] == "Patient":
            r["name"] = [{"family": p["name"][0]["family"], "given": p["name"][0]["given"]}]
            r["birthDate"] = p["birthDate"]
        if r["resourceType"] == "Claim":
            r["diagnosis"][0]["diagnosisCodeableConcept"]["coding"][0]["code"] = "M17.11"
    path = os.path.join(tmp, "response-" + p["id"] + ".json")
    json.dump(b, open(path, "w"))
    return path


def scaled(bundle, copies, path):
    """The bundle's resources `copies` times, one Patient, ids unique per copy."""
    text = json.dumps(bundle["entry"])
    patient = patient_of(bundle)["id"]
    entries = [e for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"]
    for k in range(copies):
        copy = json.loads(text)
        for e in copy:
            if e["resource"]["resourceType"] == "Patient":
                continue
            e["fullUrl"] = e.get("fullUrl", "") + "-" + str(k)
            e["resource"]["id"] = e["resource"].get("id", "") + "-" + str(k)
        # references to non-patient resources point into the same copy
        s = json.dumps(copy)
        for e in bundle["entry"]:
            u = e.get("fullUrl", "")
            if u and e["resource"]["id"] != patient:
                s = s.replace('"' + u + '"', '"' + u + "-" + str(k) + '"')
        entries += [e for e in json.loads(s) if e["resource"]["resourceType"] != "Patient"]
    json.dump({"resourceType": "Bundle", "type": "collection", "entry": entries}, open(path, "w"))


def median_ms(args):
    """Median wall time and median CPU time (user + system) of the child, in ms:
    on a shared machine the CPU time is the steadier figure."""
    wall, cpu = [], []
    for _ in range(runs):
        t, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
        r = subprocess.run(args, capture_output=True, text=True, env=dict(os.environ, SOURCE_DATE_EPOCH="1796083200"))
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall.append((time.perf_counter() - t) * 1000)
        cpu.append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000)
        if r.returncode != 0:
            sys.exit(f"{' '.join(args)}: exit {r.returncode}\n{r.stderr}")
    return f"{statistics.median(wall):9.1f} {statistics.median(cpu):9.1f}"


with tempfile.TemporaryDirectory() as tmp:
    files = [os.path.join(data, "synthea-Chauncey_Johnston.json")]
    if os.path.isdir(shared):
        files += sorted(os.path.join(shared, f) for f in os.listdir(shared) if f.endswith(".json"))
    largest = max(files, key=os.path.getsize)
    big = json.load(open(largest))
    for copies in (20, 80):
        path = os.path.join(tmp, f"scaled-x{copies}.json")
        scaled(big, copies, path)
        files.append(path)
    out = os.path.join(tmp, "draft.json")
    base = response_for(big, tmp)
    print(f"{'clinical bundle':60} {'size':>9} {'resources':>9} {'wall ms':>9} {'CPU ms':>9}")
    print(f"{'(none: import pas alone)':60} {'':>9} {'':>9} {median_ms([p2pdoc, 'import', 'pas', base, '-o', out, '--force'])}")
    for f in files:
        b = json.load(open(f))
        resp = response_for(b, tmp)
        ms = median_ms([p2pdoc, "import", "pas", resp, "--clinical", f, "-o", out, "--force"])
        print(f"{os.path.basename(f)[:60]:60} {os.path.getsize(f) / 1e6:8.2f}M {len(b['entry']):9} {ms}")
