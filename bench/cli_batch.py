#!/usr/bin/env python3
"""CPU per packet of the CLI on a batch (issue 14): N cases (the samples,
round robin, each with its own case id, as bench/watch_bench.py makes them)
written to a tmpfs folder, then `p2pdoc generate` over all of them, once per
binary and round, the binaries alternating so that the machine's load falls
on each alike. Prints each run's CPU (user + system of the child) and wall
per packet, then the medians and their ratio to the first binary.

usage: cli_batch.py REPO_ROOT BINARY [BINARY ...] [--cases 1000] [--repeat 5] [--tmp /dev/shm]
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
ap.add_argument("root")
ap.add_argument("binaries", nargs="+")
ap.add_argument("--cases", type=int, default=1000)
ap.add_argument("--repeat", type=int, default=5)
ap.add_argument("--tmp", default="/dev/shm")
args = ap.parse_args()

samples = [json.load(open(p, encoding="utf-8")) for p in sorted(glob.glob(os.path.join(args.root, "samples", "*.json")))]


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
    files = []
    os.makedirs(os.path.join(tmp, "cases"))
    for i in range(args.cases):
        case = dict(samples[i % len(samples)])
        case["case_id"] = f"BENCH-{i:05d}"
        p = os.path.join(tmp, "cases", f"case-{i:05d}.json")
        json.dump(case, open(p, "w", encoding="utf-8"), ensure_ascii=False)
        files.append(p)
    env = dict(os.environ, SOURCE_DATE_EPOCH="1795435200")
    runs = {b: [] for b in args.binaries}
    for rep in range(args.repeat):
        for b in args.binaries:
            out = os.path.join(tmp, "out")
            shutil.rmtree(out, ignore_errors=True)
            cpu0, t0 = children_cpu(), time.monotonic()
            subprocess.run([b, "generate", *files, "--out", out, "--root", args.root], env=env, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            wall, cpu = time.monotonic() - t0, children_cpu() - cpu0
            size = sum(os.path.getsize(f) for f in glob.glob(os.path.join(out, "*", "*.pdf")))
            runs[b].append((cpu * 1000 / args.cases, wall * 1000 / args.cases, size / args.cases))
            print(f"round {rep + 1} {b}: CPU {runs[b][-1][0]:.2f} ms/packet, wall {runs[b][-1][1]:.2f} ms/packet, "
                  f"{runs[b][-1][2]:.0f} PDF bytes/packet", flush=True)
    first = statistics.median(r[0] for r in runs[args.binaries[0]])
    print(f"{args.cases} packets, {args.repeat} rounds, medians:")
    for b in args.binaries:
        cpu = statistics.median(r[0] for r in runs[b])
        wall = statistics.median(r[1] for r in runs[b])
        print(f"  {b}: CPU {cpu:.2f} ms/packet ({cpu / first:.2f} x the first), wall {wall:.2f} ms/packet, "
              f"{runs[b][-1][2]:.0f} PDF bytes/packet")
