#!/usr/bin/env python3
"""p2pdoc against its fastest peers, in the same run, alternating (issue 14,
item 6; docs/performance.md "Against the peers").

The peers render the same one-page brief (Letter, Liberation Sans 9 pt,
criteria table) from ../shared/peers-bench: wkhtmltopdf one-shot from HTML,
and Typst's node compiler making N separate PDFs in one process. Ours runs
the same two shapes through the CLI, as a user would:
  one-shot: `p2pdoc render brief CASE -o FILE`, one process per brief;
  batch:    `p2pdoc render brief CASE1 ... CASEN -o DIR`, N separate PDFs
            from one process, process start included, as for Typst.
Each round runs ours, then theirs, so both see the same load. Times come
from the kernel's accounting of each child (wall: a monotonic clock; CPU:
user + system from wait4), to the microsecond. Medians over all rounds and
their ratios are printed last.

usage: bench/peers_bench.py P2PDOC_BINARY [--rounds 5] [--oneshots 9] [--batch 1000]
The peers must be installed first, once:
  W=/work/peers ../shared/peers-bench/run.sh install    (W: --peers, default /work/peers)
"""
import argparse
import glob
import json
import os
import statistics
import subprocess
import tempfile
import time

ap = argparse.ArgumentParser()
ap.add_argument("binary")
ap.add_argument("--rounds", type=int, default=5)
ap.add_argument("--oneshots", type=int, default=9)
ap.add_argument("--batch", type=int, default=1000)
ap.add_argument("--peers", default=os.environ.get("W", "/work/peers"))
a = ap.parse_args()
BIN = os.path.realpath(a.binary)
ROOT = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
W = a.peers
if not os.path.isdir(os.path.join(W, "node_modules")):
    raise SystemExit(f"peers not installed in {W}: run W={W} ../shared/peers-bench/run.sh install")
ENV = dict(os.environ, SOURCE_DATE_EPOCH="1795435200")
WK = ["wkhtmltopdf", "-q", "--page-size", "Letter", "-T", "0.6in", "-B", "0.6in", "-L", "0.6in", "-R", "0.6in",
      "--user-style-sheet", os.path.join(W, "docs", "wk-zoom.css"), "--javascript-delay", "0"]


def timed(args, cwd=None):
    """(wall ms, CPU ms) of one child process; fails loudly if it fails."""
    t0 = time.perf_counter()
    p = subprocess.Popen(args, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = (time.perf_counter() - t0) * 1000
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(args[:4])} ...")
    return wall, (ru.ru_utime + ru.ru_stime) * 1000


with tempfile.TemporaryDirectory() as tmp:
    samples = [json.load(open(f)) for f in sorted(glob.glob(os.path.join(ROOT, "samples", "*.json")))]
    cases = []
    os.mkdir(os.path.join(tmp, "cases"))
    for i in range(a.batch):  # distinct case ids, so distinct briefs
        c = dict(samples[i % len(samples)], case_id=f"BENCH-{i:05d}")
        cases.append(os.path.join(tmp, "cases", f"{i:05d}.json"))
        json.dump(c, open(cases[-1], "w"))
    one = os.path.join(ROOT, "samples", "uhc-lumbar-mri.json")
    ours1, wk1, oursb, tyb = [], [], [], []
    for r in range(a.rounds):
        for _ in range(a.oneshots):
            ours1.append(timed([BIN, "render", "brief", one, "-o", os.path.join(tmp, "one.pdf")]))
            wk1.append(timed(WK + [os.path.join(W, "docs", "brief.html"), os.path.join(tmp, "wk.pdf")]))
        out = os.path.join(tmp, f"ours-{r}")
        os.mkdir(out)
        oursb.append(timed([BIN, "render", "brief", *cases, "-o", out]))
        if len(os.listdir(out)) != a.batch:
            raise SystemExit(f"our batch wrote {len(os.listdir(out))} of {a.batch} briefs")
        tyb.append(timed(["node", "typst_batch.js", "docs/brief.typ", os.path.join(tmp, f"typst-{r}"), str(a.batch)], cwd=W))
        print(f"round {r + 1} of {a.rounds} done", flush=True)

    med = lambda xs, k: statistics.median(x[k] for x in xs)
    o1w, o1c, w1w, w1c = med(ours1, 0), med(ours1, 1), med(wk1, 0), med(wk1, 1)
    obc, tbc = med(oursb, 1) / a.batch, med(tyb, 1) / a.batch
    size = lambda p: os.path.getsize(p)
    print(f"load average at the end: {' '.join(open('/proc/loadavg').read().split()[:3])}")
    print(f"one-shot brief, wall ms (median of {len(ours1)}): p2pdoc {o1w:.1f}, wkhtmltopdf {w1w:.1f}: "
          f"{w1w / o1w:.1f}x (goal 5x)")
    print(f"one-shot brief, CPU ms: p2pdoc {o1c:.1f}, wkhtmltopdf {w1c:.1f}: {w1c / o1c:.1f}x")
    print(f"batch of {a.batch} separate briefs, CPU ms per PDF, process start included (median of {a.rounds}): "
          f"p2pdoc {obc:.2f}, typst {tbc:.2f}: {tbc / obc:.1f}x (goal 10x)")
    print(f"bytes: p2pdoc {size(os.path.join(tmp, 'one.pdf'))}, wkhtmltopdf {size(os.path.join(tmp, 'wk.pdf'))}, "
          f"typst {size(os.path.join(tmp, 'typst-0', 'brief_00.pdf'))}")
