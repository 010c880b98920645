"""Shared helpers for the watcher's end-to-end tests: case files made from the
samples (unique case ids, some made invalid), starting and stopping the real
daemon, and the checks every test ends with (complete packets, nothing lost).
"""
import glob
import hashlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import time

ENV = dict(os.environ, SOURCE_DATE_EPOCH="1795435200")  # 2026-11-23T12:00:00Z, as the other e2e tests
PDF_FILES = None  # filled from templates/packet.json by load_samples


class Checker:
    def __init__(self, name):
        self.name = name
        self.failures = []
        self.started = time.monotonic()

    def check(self, ok, what):
        if not ok:
            self.failures.append(what)
        return ok

    def finish(self):
        secs = time.monotonic() - self.started
        if self.failures:
            for f in self.failures[:40]:
                print("FAIL:", f)
            if len(self.failures) > 40:
                print(f"... and {len(self.failures) - 40} more")
            print(f"{self.name}: {len(self.failures)} failure(s) in {secs:.1f} s")
            sys.exit(1)
        print(f"{self.name}: ok in {secs:.1f} s")
        sys.exit(0)


def load_samples(root):
    samples = [json.load(open(p, encoding="utf-8")) for p in sorted(glob.glob(os.path.join(root, "samples", "*.json")))]
    return samples


# The ways a case is made invalid; each quotes a distinctive value the log must never show.
INVALID_KINDS = ["truncated", "no_dob", "bad_dob", "bad_format", "unsafe_id"]
SECRET_BAD_DOB = "1968-02-30"


def make_case(samples, i, case_id, invalid_kind=None):
    """Returns the bytes of case number i (a sample with `case_id`), or an invalid variant."""
    case = json.loads(json.dumps(samples[i % len(samples)]))
    case["case_id"] = case_id
    if invalid_kind == "no_dob":
        del case["patient"]["dob"]
    elif invalid_kind == "bad_dob":
        case["patient"]["dob"] = SECRET_BAD_DOB
    elif invalid_kind == "bad_format":
        case["format"] = "p2p-case/9"
    elif invalid_kind == "unsafe_id":
        case["case_id"] = "../" + case_id
    text = json.dumps(case, ensure_ascii=False, indent=1).encode("utf-8")
    if invalid_kind == "truncated":
        text = text[: len(text) // 2]
    return text


def write_batch(folder, samples, n, invalid_every=20, prefix="C", id_prefix="W"):
    """n case files in `folder`; every invalid_every-th is invalid (5 % by default).
    Returns {file name: (case_id or None, valid, sha256 of bytes)}."""
    os.makedirs(folder, exist_ok=True)
    made = {}
    for i in range(n):
        name = f"{prefix}{i:05d}.json"
        cid = f"{id_prefix}-{i:05d}"
        kind = INVALID_KINDS[(i // invalid_every) % len(INVALID_KINDS)] if invalid_every and i % invalid_every == 7 else None
        data = make_case(samples, i, cid, kind)
        tmp = os.path.join(folder, "." + name + ".tmp")
        with open(tmp, "wb") as f:
            f.write(data)
        os.rename(tmp, os.path.join(folder, name))  # how a well-behaved writer delivers
        made[name] = (cid if kind is None else None, kind is None, hashlib.sha256(data).hexdigest())
    return made


def patient_strings(samples):
    """Values that must never appear in a log: patient identifiers and quoted bad values."""
    out = {SECRET_BAD_DOB}
    for s in samples:
        for k in ("name", "dob", "member_id", "mrn"):
            v = s.get("patient", {}).get(k)
            if isinstance(v, str) and len(v) >= 6:
                out.add(v)
    return out


def start(binary, inbox, out, *args, log=None):
    """Starts `p2pdoc watch`; stderr goes to `log` (a path) when given."""
    err = open(log, "ab") if log else subprocess.DEVNULL
    return subprocess.Popen([binary, "watch", inbox, "--out", out, *args], stderr=err, stdout=subprocess.DEVNULL, env=ENV)


def run_once(binary, inbox, out, *args, log=None, timeout=120):
    err = open(log, "ab") if log else subprocess.PIPE
    r = subprocess.run([binary, "watch", inbox, "--out", out, "--once", *args], stderr=err,
                       stdout=subprocess.DEVNULL, env=ENV, timeout=timeout)
    return r


def log_lines(path):
    lines = []
    if not os.path.exists(path):
        return lines
    for raw in open(path, encoding="utf-8", errors="replace").read().splitlines():
        raw = raw.strip("\r").split("\r")[-1]
        if raw.startswith("{"):
            try:
                lines.append(json.loads(raw))
            except ValueError:
                pass
    return lines


def children(pid):
    """The pids of a process's children (the watcher's workers)."""
    try:
        return [int(p) for p in open(f"/proc/{pid}/task/{pid}/children").read().split()]
    except OSError:
        return []


def wait_for(pred, timeout, step=0.05):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(step)
    return pred()


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def check_packet(c, folder, label=""):
    """A complete packet: manifest, and every document and record it lists with its size and sha256."""
    mpath = os.path.join(folder, "manifest.json")
    if not c.check(os.path.isfile(mpath), f"{label}{folder}: no manifest.json"):
        return None
    try:
        m = json.load(open(mpath, encoding="utf-8"))
    except ValueError as e:
        c.check(False, f"{label}{folder}: manifest.json unreadable: {e}")
        return None
    names = sorted(os.listdir(folder))
    # case.json: the case the packet was made from, kept for `p2pdoc record`
    # records: a filled post-call form filed flattened (docs/archival.md)
    listed = m["documents"] + m.get("records", [])
    want = sorted([d["file"] for d in listed] + ["manifest.json", "case.json"])
    c.check(names == want, f"{label}{folder}: files {names}, manifest lists {want} (+ case.json)")
    if "case.json" in names:
        try:
            kept = json.load(open(os.path.join(folder, "case.json"), encoding="utf-8"))
            c.check(kept.get("case_id") == m["case_id"], f"{label}{folder}: case.json is {kept.get('case_id')}")
        except ValueError as e:
            c.check(False, f"{label}{folder}: case.json unreadable: {e}")
    for d in listed:
        p = os.path.join(folder, d["file"])
        if c.check(os.path.isfile(p), f"{label}{p}: missing"):
            c.check(sha256_file(p) == d["sha256"], f"{label}{p}: sha256 differs from the manifest")
    return m


def qpdf_check(c, folder, label=""):
    for p in sorted(glob.glob(os.path.join(folder, "*.pdf"))):
        r = subprocess.run(["qpdf", "--check", p], capture_output=True, text=True)
        c.check(r.returncode == 0, f"{label}qpdf --check {p}: exit {r.returncode}: {r.stdout[-300:]}{r.stderr[-300:]}")


def packet_folders(out):
    """The packet folders in an output folder: not hidden, not the ledger (p2pdoc.db and its -wal, -shm)."""
    return [n for n in os.listdir(out) if not n.startswith(".") and not n.startswith("p2pdoc.db")]


def visible(folder):
    """Entries of a folder that are not ours to ignore (dot-files: lock, markers)."""
    return sorted(n for n in os.listdir(folder) if not n.startswith(".")) if os.path.isdir(folder) else []


def check_no_leftovers(c, inbox, out):
    c.check(visible(inbox) == ["done", "failed", "outcomes", "working"], f"inbox holds {visible(inbox)[:10]}")
    c.check(os.listdir(os.path.join(inbox, "working")) == [], f"working/ holds {os.listdir(os.path.join(inbox, 'working'))[:10]}")
    forms = os.path.join(inbox, "outcomes", "working")
    c.check(visible(forms) == [], f"outcomes/working/ holds {visible(forms)[:10]}")
    hidden = [n for n in os.listdir(out) if n.startswith(".")]
    c.check(hidden == [], f"leftovers in the output folder: {hidden[:10]}")
    tmp = [n for n in os.listdir(os.path.join(inbox, "failed")) if ".tmp-" in n]
    c.check(tmp == [], f"temporaries in failed/: {tmp[:10]}")


def check_outcomes(c, inbox, out, made, qpdf_sample=10, seed=1):
    """Every input is in done/ or failed/ exactly once (by content), each valid one
    has its complete packet, each failed one its error file."""
    done_dir, failed_dir = os.path.join(inbox, "done"), os.path.join(inbox, "failed")
    done = {n: sha256_file(os.path.join(done_dir, n)) for n in os.listdir(done_dir)}
    failed = {n: sha256_file(os.path.join(failed_dir, n)) for n in os.listdir(failed_dir) if not n.endswith(".error.json")}
    errors = {n for n in os.listdir(failed_dir) if n.endswith(".error.json")}
    by_hash_done, by_hash_failed = {}, {}
    for n, h in done.items():
        by_hash_done.setdefault(h, []).append(n)
    for n, h in failed.items():
        by_hash_failed.setdefault(h, []).append(n)
    want_valid = {}
    for name, (cid, valid, h) in made.items():
        if valid:
            want_valid[h] = want_valid.get(h, 0) + 1
        else:
            c.check(len(by_hash_failed.get(h, [])) >= 1, f"{name} (invalid): not in failed/")
            c.check(h not in by_hash_done, f"{name} (invalid): in done/")
    for h, count in want_valid.items():
        c.check(len(by_hash_done.get(h, [])) == count, f"a valid input (sha {h[:12]}) is in done/ {len(by_hash_done.get(h, []))} times, want {count}")
        c.check(h not in by_hash_failed, f"a valid input (sha {h[:12]}) is in failed/: {by_hash_failed.get(h)}")
    total_inputs = len(made)
    c.check(len(done) + len(failed) == total_inputs, f"done/ {len(done)} + failed/ {len(failed)} != {total_inputs} inputs")
    for n in failed:
        e = n[:-5] + ".error.json"
        if c.check(e in errors, f"failed/{n}: no {e}"):
            j = json.load(open(os.path.join(failed_dir, e), encoding="utf-8"))
            c.check(j.get("file") and j.get("outcome") in ("invalid", "error", "timeout", "crash"), f"{e}: {j}")
            diags = j.get("diagnostics", [])
            c.check(len(diags) >= 1 and all({"severity", "path", "message"} <= set(d) for d in diags),
                    f"{e}: diagnostics {diags}")
    case_ids = {cid for (cid, valid, h) in made.values() if valid}
    for cid in sorted(case_ids):
        check_packet(c, os.path.join(out, cid), "")
    rnd = random.Random(seed)
    for cid in rnd.sample(sorted(case_ids), min(qpdf_sample, len(case_ids))):
        qpdf_check(c, os.path.join(out, cid))
    packets = [n for n in packet_folders(out) if not n.endswith(".prev")]
    c.check(sorted(packets) == sorted(case_ids), f"{len(packets)} packet folders, want {len(case_ids)}")


def check_modes(c, inbox, out, sample_ids):
    for d in [os.path.join(inbox, s) for s in ("working", "done", "failed")] + [out]:
        mode = os.stat(d).st_mode & 0o777
        c.check(mode & 0o027 == 0, f"{d}: mode {oct(mode)}, want no group write and nothing for others")
    for cid in sample_ids:
        folder = os.path.join(out, cid)
        mode = os.stat(folder).st_mode & 0o777
        c.check(mode == 0o750, f"{folder}: mode {oct(mode)}, want 0750")
        for n in os.listdir(folder):
            m = os.stat(os.path.join(folder, n)).st_mode & 0o777
            c.check(m == 0o640, f"{folder}/{n}: mode {oct(m)}, want 0640")


def check_log_is_clean(c, path, secrets):
    text = open(path, encoding="utf-8", errors="replace").read()
    for s in secrets:
        c.check(s not in text, f"the log contains patient data or a quoted value: {s!r}")


def kill_tree(proc):
    try:
        os.kill(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()
