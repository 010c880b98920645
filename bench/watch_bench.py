#!/usr/bin/env python3
"""Benchmark of the inbox watcher (issue 4): drain N cases with
`p2pdoc watch --once` and compare with single-process `p2pdoc generate` on
the same files. Prints packets per second (wall clock) and CPU per packet
(user + system of the process and all its workers, from getrusage
RUSAGE_CHILDREN), and the issue's target: the watcher at >= 80 % of generate's
throughput times the number of cores.

Also measured: `cores` generate processes side by side, each on its share
of the files: what this machine really gives in parallel (shared caches,
memory bandwidth, fsync), the ceiling for any pool.

Runs alternate (generate, watch, generate, watch, ...) so that load from other
programs hits both alike; the best run of each is reported, with the median.

usage: watch_bench.py P2PDOC_BINARY REPO_ROOT [--cases 1000] [--repeat 3] [--workers N ...]
"""
import argparse
import glob
import json
import os
import resource
import shutil
import statistics
import subprocess
import tempfile
import time

ap = argparse.ArgumentParser()
ap.add_argument("binary")
ap.add_argument("root")
ap.add_argument("--cases", type=int, default=1000)
ap.add_argument("--repeat", type=int, default=3)
ap.add_argument("--workers", type=int, nargs="*", default=[])
args = ap.parse_args()

ENV = dict(os.environ, SOURCE_DATE_EPOCH="1795435200")
cores = len(os.sched_getaffinity(0))
workers = args.workers or [cores]
samples = [json.load(open(p, encoding="utf-8")) for p in sorted(glob.glob(os.path.join(args.root, "samples", "*.json")))]


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def measure(*cmds):
    """Runs the commands side by side; wall clock until the last ends, CPU of all."""
    cpu0, t0 = children_cpu(), time.monotonic()
    procs = [subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV) for cmd in cmds]
    for cmd, p in zip(cmds, procs):
        _, err = p.communicate()
        if p.returncode != 0:
            raise SystemExit(f"{cmd[:3]}: exit {p.returncode}: {err[-500:]!r}")
    return time.monotonic() - t0, children_cpu() - cpu0


with tempfile.TemporaryDirectory() as tmp:
    src = os.path.join(tmp, "cases")
    os.makedirs(src)
    files = []
    for i in range(args.cases):
        case = dict(samples[i % len(samples)])
        case["case_id"] = f"BENCH-{i:05d}"
        p = os.path.join(src, f"case-{i:05d}.json")
        json.dump(case, open(p, "w", encoding="utf-8"), ensure_ascii=False)
        files.append(p)

    results = {"generate": [], f"generate x{cores}": []}
    for n in workers:
        results[f"watch -j{n}"] = []
    for rep in range(args.repeat):
        out = os.path.join(tmp, "gen")
        shutil.rmtree(out, ignore_errors=True)
        results["generate"].append(measure([args.binary, "generate", *files, "--out", out]))
        # the machine's own parallel ceiling: one generate per core, each on its share of the files
        shutil.rmtree(out, ignore_errors=True)
        results[f"generate x{cores}"].append(
            measure(*[[args.binary, "generate", *files[k::cores], "--out", out] for k in range(cores)]))
        for n in workers:
            inbox, out = os.path.join(tmp, "inbox"), os.path.join(tmp, "watch-out")
            shutil.rmtree(inbox, ignore_errors=True)
            shutil.rmtree(out, ignore_errors=True)
            shutil.copytree(src, inbox)
            old = time.time() - 60  # files that are long finished: no quiet period to wait out
            for f in os.listdir(inbox):
                os.utime(os.path.join(inbox, f), (old, old))
            results[f"watch -j{n}"].append(measure([args.binary, "watch", inbox, "--out", out, "--once",
                                                    "--workers", str(n)]))
            done = len(os.listdir(os.path.join(inbox, "done")))
            if done != args.cases:
                raise SystemExit(f"watch -j{n}: {done} of {args.cases} done")

    print(f"{args.cases} packets, {cores} cores, {args.repeat} runs each (best / median)")
    print(f"{'':14} {'packets/s':>17} {'CPU ms/packet':>17} {'wall s':>8}")
    best = {}
    for name, runs in results.items():
        rates = [args.cases / wall for wall, _ in runs]
        cpus = [cpu * 1000 / args.cases for _, cpu in runs]
        best[name] = max(rates)
        print(f"{name:14} {max(rates):8.0f} / {statistics.median(rates):6.0f} "
              f"{min(cpus):8.2f} / {statistics.median(cpus):6.2f} {min(w for w, _ in runs):8.2f}")
    target = 0.8 * best["generate"] * cores
    for n in workers:
        name = f"watch -j{n}"
        print(f"{name}: {best[name]:.0f} packets/s = {best[name] / (best['generate'] * cores) * 100:.0f} % of "
              f"generate x {cores} cores ({best['generate'] * cores:.0f}); target 80 % = {target:.0f}: "
              f"{'met' if best[name] >= target else 'NOT met'}; "
              f"{best[name] / best[f'generate x{cores}'] * 100:.0f} % of {cores} generate processes side by side")
