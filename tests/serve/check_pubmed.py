#!/usr/bin/env python3
"""End-to-end: citations completed from a fake E-utilities server on
loopback, and every way that server can fail.

PMIDs: 17119140 and 32913650 answer properly; 11111 answers HTTP 500, 22222
never answers in time (the service's timeout is 1 s), 33333 answers broken
JSON, 44444 is unknown to PubMed. A case citing all of them (most as a bare
{"kind", "pmid"}) is still generated: completed fields from PubMed, a warning
per failure, a placeholder where the title is missing; the LOMN prints the
full reference. Each PMID is asked once (disk cache, also after a restart;
failures remembered; concurrent look-ups share one request); requests never
exceed 3 per second. `p2pdoc generate --pubmed-base` does the same.

usage: check_pubmed.py P2PDOC_BINARY REPO_ROOT
"""
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(__file__))
from serve_common import *  # noqa: E402,F403

BIN, ROOT = sys.argv[1], sys.argv[2]
work = workdir("pubmed")
out = os.path.join(work, "out")


def record(pmid, title, source, pubdate, authors, volume="", issue="", pages=""):
    return {"uid": pmid, "pubdate": pubdate, "source": source, "title": title, "volume": volume, "issue": issue,
            "pages": pages, "authors": [{"name": a, "authtype": "Author", "clusterid": ""} for a in authors],
            "sortpubdate": pubdate.replace(" ", "/")}


RECORDS = {
    "17119140": record("17119140", "Surgical vs nonoperative treatment for lumbar disk herniation: the Spine Patient "
                       "Outcomes Research Trial (SPORT): a randomized trial.", "JAMA", "2006 Nov 22",
                       ["Weinstein JN", "Lurie JD", "Tosteson TD", "Skinner JS", "Hanscom B", "Tosteson AN", "Herkowitz H"],
                       "296", "20", "2441-50"),
    "32913650": record("32913650", "10 kHz spinal cord stimulation for the treatment of chronic back and/or leg pain: "
                       "summary of clinical studies.", "SAGE Open Med", "2020", ["Kapural L", "Calodney A"], "8", "", "2050312120951369"),
    "55555": record("55555", "A shared look-up.", "Spine", "2019 Jan", ["Concurrent A"]),
}
requests = []  # (time, pmid)
lock = threading.Lock()


def eutils(method, path, headers, body):
    url = urllib.parse.urlparse(path)
    q = urllib.parse.parse_qs(url.query)
    pmid = q.get("id", [""])[0]
    with lock:
        requests.append((time.time(), pmid))
    if url.path != "/eutils/esummary.fcgi" or q.get("db") != ["pubmed"] or q.get("retmode") != ["json"]:
        return 400, "text/plain", b"bad request"
    if pmid == "11111":
        return 500, "text/html", b"<html>Internal Server Error</html>"
    if pmid == "22222":
        time.sleep(3)
        return 200, "application/json", b"{}"
    if pmid == "33333":
        return 200, "application/json", b'{"header": {"type": "esummary"}, "result": {"uids": ["33333"], "33'
    if pmid in RECORDS:
        if pmid == "55555":
            time.sleep(0.3)  # long enough for the concurrent posts to overlap
        return 200, "application/json", json.dumps({"header": {"type": "esummary", "version": "0.3"},
                                                    "result": {"uids": [pmid], pmid: RECORDS[pmid]}}).encode()
    return 200, "application/json", json.dumps({"header": {}, "result": {"uids": []}}).encode()


fake = FakeServer(eutils)
conf = os.path.join(work, "serve.conf")
open(conf, "w").write(f"# PubMed through the fake\npubmed_base = {fake.url}/eutils\npubmed_timeout = 1\n")


def asked(pmid):
    with lock:
        return sum(1 for _, p in requests if p == pmid)


base = json.load(open(os.path.join(ROOT, "samples", "uhc-lumbar-mri.json")))
case = json.loads(json.dumps(base))
case["case_id"] = "PUBMED-1"
case["citations"] = [
    {"kind": "study", "pmid": "17119140"},
    {"kind": "study", "pmid": "32913650", "source": "SAGE Open Med", "title": "10 kHz SCS summary", "year": 2019},
    {"kind": "study", "pmid": "11111"},
    {"kind": "study", "pmid": "22222", "source": "Spine", "title": "Given by the case"},
    {"kind": "study", "pmid": "33333"},
    {"kind": "study", "pmid": "44444"},
]
body = json.dumps(case).encode()

# without PubMed a bare PMID is not a citation: title and source are required
plain = Service(BIN, os.path.join(work, "plain"))
st, e = plain.json("POST", "/v1/packets", body)
check(st == 422 and "/citations/0/title" in [x["path"] for x in e["errors"]], f"without --pubmed: 422 ({st})")
plain.stop()

svc = Service(BIN, out, "--config", conf)
started = time.time()
st, m = svc.json("POST", "/v1/packets", body)
took = time.time() - started
check(st == 201, f"POST with PubMed failures -> {st} {str(m)[:300]}")
warnings = {w["path"]: w["message"] for w in m.get("warnings", [])} if isinstance(m, dict) else {}
check("title, source, year completed from PubMed (PMID 17119140)" in warnings.get("/citations/0", ""), f"completed: {warnings}")
check("PubMed gives 2020" in warnings.get("/citations/1/year", ""), "year disagreement flagged")
check("HTTP 500" in warnings.get("/citations/2/pmid", ""), f"500 -> warning: {warnings.get('/citations/2/pmid')}")
check("no answer within 1000 ms" in warnings.get("/citations/3/pmid", ""), f"timeout -> warning: {warnings.get('/citations/3/pmid')}")
check("not JSON" in warnings.get("/citations/4/pmid", ""), f"broken JSON -> warning: {warnings.get('/citations/4/pmid')}")
check("no record for PMID 44444" in warnings.get("/citations/5/pmid", ""), f"unknown -> warning: {warnings.get('/citations/5/pmid')}")
check(took < 8, f"one timeout, not one per citation: {took:.1f} s")

# what the letters print
lomn = os.path.join(out, "PUBMED-1", "lomn.pdf")
if shutil.which("pdftotext") and os.path.exists(lomn):
    text = re.sub(r"\s+", " ", subprocess.run(["pdftotext", "-raw", lomn, "-"], capture_output=True, text=True).stdout)
    check("Weinstein JN, Lurie JD, Tosteson TD, Skinner JS, Hanscom B, Tosteson AN, et al." in text, "LOMN: full reference")
    check("2006;296(20):2441-50" in text, "LOMN: volume, issue, pages")
    check("[PMID 11111: title not retrieved, check before sending]" in text, "LOMN: placeholder for the failed look-up")
    check("Given by the case" in text, "LOMN: the case's own title when PubMed times out")

# each PMID once: the second post asks nothing (cache; failures remembered)
counts = {p: asked(p) for p in ("17119140", "32913650", "11111", "22222", "33333", "44444")}
check(all(n == 1 for n in counts.values()), f"each PMID asked once: {counts}")
st, m = svc.json("POST", "/v1/packets?regenerate=1", body)
check(st == 201, "second post")
check({p: asked(p) for p in counts} == counts, "second post: nothing asked again")
cache = os.path.join(out, ".pubmed-cache")
check(sorted(os.listdir(cache)) == ["17119140.json", "32913650.json"], f"cache holds the answers: {os.listdir(cache)}")

# concurrent posts citing one new PMID share a single request
other = json.loads(json.dumps(base))
other["citations"] = [{"kind": "study", "pmid": "55555"}]
results = []


def post(i):
    c = json.loads(json.dumps(other))
    c["case_id"] = f"SHARED-{i}"
    results.append(svc.json("POST", "/v1/packets", json.dumps(c).encode())[0])


threads = [threading.Thread(target=post, args=(i,)) for i in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
check(results == [201] * 8, f"concurrent posts: {results}")
check(asked("55555") == 1, f"one request for eight concurrent look-ups: {asked('55555')}")

# validation completes too
st, v = svc.json("POST", "/v1/validate", json.dumps(other).encode())
check(st == 200 and v["valid"] and any("completed from PubMed" in w["message"] for w in v["warnings"]), f"validate: {v}")
st, h, b = svc.request("GET", "/metrics")
text = b.decode()
check("p2pdoc_pubmed_requests_total 3" in text and "p2pdoc_pubmed_failures_total 4" in text, "pubmed metrics")
check(svc.stop() == 0, "clean stop")

# after a restart the disk cache still answers
svc = Service(BIN, out, "--config", conf)
check(svc.json("POST", "/v1/packets?regenerate=1", body)[0] == 201, "after restart")
check(asked("17119140") == 1 and asked("32913650") == 1, "cached PMIDs not asked after a restart")
svc.stop()

# never more than 3 requests in any second
with lock:
    times = sorted(t for t, _ in requests)
for i in range(len(times) - 3):
    check(times[i + 3] - times[i] >= 0.99, f"4 requests within {times[i + 3] - times[i]:.3f} s")

# the CLI: generate --pubmed-base
cli_case = os.path.join(work, "cli-case.json")
c = json.loads(json.dumps(base))
c["case_id"] = "CLI-PUBMED"
c["citations"] = [{"kind": "study", "pmid": "17119140"}]
json.dump(c, open(cli_case, "w"))
r = subprocess.run([BIN, "generate", cli_case, "--out", os.path.join(work, "cli"), "--pubmed-base", fake.url + "/eutils"],
                   capture_output=True, text=True, env=clean_env(), timeout=60)
check(r.returncode == 0 and "completed from PubMed" in r.stderr, f"generate --pubmed-base: {r.returncode} {r.stderr}")
check(os.path.exists(os.path.join(work, "cli", ".pubmed-cache", "17119140.json")), "generate caches too")

fake.close()
cleanup(work)
finish("serve/pubmed")
