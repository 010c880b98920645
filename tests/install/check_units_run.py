#!/usr/bin/env python3
"""Issue 13's "done when", as far as a machine without systemd allows
(docs/install.md). From the .deb CPack builds:

1. `dpkg --root` installs it into a fresh root (the maintainer scripts put
   the settings files in /etc/p2pdoc);
2. the site edits those settings as docs/service.md and docs/hl7v2.md tell
   it to: FHIR delivery, HL7 v2 delivery over MLLP and `pdfa = true`, its
   folders (inside the test's root, since the test cannot write /var);
3. the service and the watcher are started with the command line and the
   environment of their installed units (ExecStart, Environment, the paths
   mapped into the root); systemd itself is what cannot run here (no
   systemd as PID 1 in this container or in CI), so its sandboxing is
   checked by install/prefix through `systemd-analyze` instead;
4. the README's `curl -s -X POST --data-binary @samples/... /v1/packets`
   runs as printed (the port aside) for every installed sample, and one
   case is dropped into the watcher's inbox;
5. then: every DocumentReference the FHIR listener received validates and
   matches its case, every MDM^T02 message the MLLP listener acknowledged
   matches its case and its PDF, every PDF written passes the PDF/A-2b
   checks, and each document arrived exactly once on each channel, though
   the service and the watcher share the packets folder and its outbox;
6. SIGTERM stops both (exit 0), and `dpkg -r` then `dpkg -P` leave the
   site's settings, packets and ledger as they were.

Usage: check_units_run.py CPACK BUILD_DIR SOURCE_ROOT   (77: dpkg tools absent)
"""
import glob
import hashlib
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
for sub in ("e2e", "serve", "delivery"):
    sys.path.insert(0, os.path.join(HERE, "..", sub))
sys.path.insert(0, HERE)
from e2e import check, finish, run  # noqa: E402
import check_deb  # noqa: E402
import fhir_records  # noqa: E402
import mllp_listener  # noqa: E402
from pdfa_checks import check_archival  # noqa: E402
from serve_common import wait_for  # noqa: E402

MRN_SYSTEM = "urn:oid:2.16.840.1.113883.3.999.1"  # an invented hospital OID
HL7 = {"hl7_sending_application": "P2PDOC", "hl7_sending_facility": "RIVERSIDE",
       "hl7_receiving_application": "EHR", "hl7_receiving_facility": "MAIN", "hl7_mrn_authority": "RSH"}
DOCUMENTS = 5  # PDFs a packet delivers


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def in_root(root, path):
    """An absolute path of the installed system, inside the test's root."""
    return os.path.join(root, path.lstrip("/"))


def site_settings(root, name, extra):
    """The settings file postinst put in place, edited as the site would: its
    folders moved into the root, delivery and PDF/A switched on."""
    path = in_root(root, f"/etc/p2pdoc/{name}")
    lines = []
    for line in open(path, encoding="utf-8").read().splitlines():
        m = re.match(r"^(\w+)\s*=\s*(/\S*)$", line)
        lines.append(f"{m.group(1)} = {in_root(root, m.group(2))}" if m else line)
    lines += [f"{k} = {v}" for k, v in extra.items()]
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return dict(re.findall(r"^(\w+)\s*=\s*(.*?)\s*$", "\n".join(lines), re.M))


def unit_command(root, unit):
    """ExecStart and Environment of an installed unit, paths mapped into the root."""
    text = open(in_root(root, f"/usr/lib/systemd/system/{unit}"), encoding="utf-8").read()
    argv = shlex.split(re.search(r"^ExecStart=(.*)$", text, re.M).group(1))
    argv = [in_root(root, a) if a.startswith(("/usr/", "/etc/")) else a for a in argv]
    env = {k: v for k, v in os.environ.items() if not k.startswith("P2PDOC_") and k != "SOURCE_DATE_EPOCH"}
    for assignment in re.findall(r"^Environment=(.*)$", text, re.M):
        for pair in shlex.split(assignment):
            k, _, v = pair.partition("=")
            env[k] = v
    return argv, env


def tree_digest(paths):
    """{file: sha256} under each path (files and folders), for "left alone"."""
    out = {}
    for p in paths:
        files = [p] if os.path.isfile(p) else [os.path.join(d, f) for d, _, fs in os.walk(p) for f in fs]
        for f in files:
            with open(f, "rb") as fh:
                out[f] = hashlib.sha256(fh.read()).hexdigest()
    return out


def drop(inbox, name, case):
    tmp = os.path.join(inbox, "." + name + ".part")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(case, f)
    os.rename(tmp, os.path.join(inbox, name))


def run_units(deb, tmp, source_root):
    root = os.path.join(tmp, "root")
    dpkg = check_deb.fresh_dpkg_root(root)
    inst = run(dpkg + ["-i", deb])
    if not check(inst.returncode == 0, f"dpkg --root -i: {inst.stdout[-1000:]} {inst.stderr[-1000:]}"):
        return

    ehr = fhir_records.DocumentReferenceListener()
    engine = mllp_listener.Listener()
    port = free_port()
    # one delivery target per process: the service files over FHIR, the
    # watcher sends to the interface engine over MLLP
    common = {"pdfa": "true", "retry_initial_ms": "100", "retry_max_ms": "400"}
    serve_conf = site_settings(root, "serve.conf", dict(common, listen=f"127.0.0.1:{port}",
                               deliver_fhir=ehr.server.url + "/fhir", fhir_mrn_system=MRN_SYSTEM))
    watch_conf = site_settings(root, "watch.conf", dict(common, quiet_period="0", deliver_mllp=engine.address, **HL7))
    out, inbox = serve_conf["out"], watch_conf["inbox"]
    check(out == watch_conf["out"], "the example settings share one packets folder")
    for folder in (out, inbox, os.path.dirname(serve_conf["ledger"])):
        os.makedirs(folder, exist_ok=True)

    logs, procs = {}, {}
    for unit in ("p2pdoc-serve.service", "p2pdoc-watch.service"):
        argv, env = unit_command(root, unit)
        logs[unit] = open(os.path.join(tmp, unit + ".log"), "w+")
        procs[unit] = subprocess.Popen(argv, cwd="/", env=env, stdout=logs[unit], stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    up = wait_for(lambda: run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", base + "/healthz"]).stdout == "200", 30)
    alive = all(p.poll() is None for p in procs.values())
    if not check(up and alive, "the units' commands start and the service answers /healthz"):
        for unit, log in logs.items():
            log.seek(0)
            print(f"--- {unit}:\n{log.read()[-3000:]}")
        for p in procs.values():
            p.kill()
        return

    # 4. the README's line, as printed but for the port, from the installed share
    share = in_root(root, "/usr/share/p2pdoc")
    readme = open(os.path.join(source_root, "README.md"), encoding="utf-8").read()
    printed = re.search(r"^(curl -s -X POST --data-binary @samples/uhc-lumbar-mri.json http://127\.0\.0\.1:8080/v1/packets)",
                        readme, re.M)
    check(printed, "the README prints the POST of a sample")
    cases = {}
    for path in sorted(glob.glob(os.path.join(share, "samples", "*.json"))):
        case = json.load(open(path, encoding="utf-8"))
        cases[case["case_id"]] = case
        line = printed.group(1).replace("samples/uhc-lumbar-mri.json", os.path.relpath(path, share)).replace(":8080", f":{port}")
        r = run(["bash", "-c", line], cwd=share)
        answer = json.loads(r.stdout) if r.stdout.startswith("{") else {}
        check(r.returncode == 0 and answer.get("case_id") == case["case_id"], f"{line}: {r.stdout[:300]}")
    served = dict(cases)
    watched = {}
    for i, case in enumerate(list(served.values())[:2]):
        case = dict(case, case_id=f"RSP-WATCH-{i + 1:04d}")
        watched[case["case_id"]] = cases[case["case_id"]] = case
        drop(inbox, f"from-the-ehr-{i + 1}.json", case)

    # 5. every document filed once on its channel, each a valid record and archival
    want_fhir, want_mllp = DOCUMENTS * len(served), DOCUMENTS * len(watched)
    arrived = wait_for(lambda: ehr.count() >= want_fhir and len(engine.accepted()) >= want_mllp, 120)
    outbox = os.path.join(out, ".outbox")
    settled = wait_for(lambda: os.path.isdir(outbox) and not [f for f in os.listdir(outbox) if f.endswith(".json")], 60)
    if not check(arrived and settled, f"{ehr.count()} of {want_fhir} DocumentReferences and {len(engine.accepted())} "
                 f"of {want_mllp} MDM messages; outbox settled: {settled}"):
        for unit, log in logs.items():
            log.seek(0)
            print(f"--- {unit}:\n{log.read()[-3000:]}")
    wait_for(lambda: False, 1.0)  # a second for a duplicate that would follow
    refs = ehr.bodies()
    keys = [r["identifier"][0]["value"] for r in refs]
    check(len(keys) == want_fhir and len(set(keys)) == want_fhir and {k.split("/")[0] for k in keys} == set(served),
          f"each of the service's documents filed once over FHIR, nothing else: {len(keys)} for {want_fhir}")
    records = fhir_records.Records(source_root)
    for ref in refs:
        cid = ref["identifier"][0]["value"].split("/")[0]
        problems = records.problems(ref, cases.get(cid))
        check(problems == [], f"DocumentReference {ref['identifier'][0]['value']}: {problems[:4]}")
    types = mllp_listener.document_types(source_root)
    messages = engine.received()
    check(all(m.action == "AA" for m in messages) and len({m.control_id for m in messages}) == want_mllp == len(messages)
          and {m.case_id for m in messages} == set(watched),
          f"each of the watcher's documents sent once over MLLP and acknowledged, nothing else: {len(messages)}")
    for m in messages:
        problems = mllp_listener.problems(m, cases[m.case_id], os.path.join(out, m.case_id, m.file), HL7, types)
        check(problems == [], f"MDM^T02 {m.key}: {problems[:4]}")
    want = want_fhir + want_mllp
    pdfs = sorted(glob.glob(os.path.join(out, "*", "*.pdf")))
    check(len(pdfs) == want, f"{len(pdfs)} PDFs written for {want}")
    for pdf in pdfs:
        check_archival(pdf, os.path.relpath(pdf, out), created=None)

    # 6. stopped as systemd stops them, then removed and purged
    for unit, proc in procs.items():
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = "still running after 60 s"
        logs[unit].seek(0)
        check(code == 0, f"{unit}: SIGTERM -> {code}; log: {logs[unit].read()[-1500:]}")
    ehr.server.close()
    engine.close()
    site = [in_root(root, "/etc/p2pdoc"), out, os.path.dirname(serve_conf["ledger"]), inbox]
    before = tree_digest(site)
    check(any(f.endswith(".db") for f in before), "the ledger is among the site's files")
    for action in ("-r", "-P"):
        r = run(dpkg + [action, "p2pdoc"])
        check(r.returncode == 0, f"dpkg --root {action}: {r.stderr[-1000:]}")
    check(not os.path.exists(in_root(root, "/usr/bin/p2pdoc")), "dpkg -P removed the binary")
    after = tree_digest(site)
    check(after == before, f"remove and purge leave the site's {len(before)} files as they were: "
          f"{sorted(set(before) ^ set(after))[:5]}")
    print(f"units: {len(cases)} cases, {len(refs)} DocumentReferences, {len(messages)} MDM messages, {len(pdfs)} PDF/A files")


def main():
    cpack, build, source_root = sys.argv[1], os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3])
    for tool in ("dpkg-deb", "dpkg", "curl", "qpdf"):
        if not shutil.which(tool):
            print(f"units: skipped: {tool} is not installed")
            sys.exit(77)
    tmp = tempfile.mkdtemp(prefix="p2p-units-")
    try:
        deb = check_deb.build_deb(cpack, build, tmp)
        if deb:
            run_units(deb, tmp, source_root)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    finish("units: ok")


if __name__ == "__main__":
    main()
