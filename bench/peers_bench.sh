#!/usr/bin/env bash
# p2pdoc against its fastest peers, in the same run, alternating (issue 14,
# item 6; docs/performance.md "Against the peers"). The peers render the same
# one-page brief (Letter, Liberation Sans 9 pt, criteria table) from
# ../shared/peers-bench: wkhtmltopdf one-shot from HTML, and Typst's node
# compiler making N separate PDFs in one process. We run the same two shapes
# through our CLI, the way a user would:
#   one-shot: `p2pdoc render brief CASE -o FILE`, one process per brief;
#   batch:    `p2pdoc render brief CASE1 ... CASEN -o DIR`, N separate PDFs
#             from one process, process start included, as for Typst.
# Each round runs ours, then theirs, so both see the same machine load; the
# medians over rounds and their ratios are printed last.
#
# usage: bench/peers_bench.sh P2PDOC_BINARY [ROUNDS] [ONESHOTS] [BATCH]
#   the peers must be installed first: W=DIR ../shared/peers-bench/run.sh install
#   (W defaults to /work/peers; the README's setup does not install them).
set -eu
BIN=$(realpath "$1"); ROUNDS=${2:-5}; N1=${3:-9}; NB=${4:-1000}
HERE=$(cd "$(dirname "$0")" && pwd); ROOT=$(dirname "$HERE")
W=${W:-/work/peers}
[ -d "$W/node_modules" ] || { echo "peers not installed in $W: run W=$W $ROOT/../shared/peers-bench/run.sh install" >&2; exit 2; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
export SOURCE_DATE_EPOCH=1795435200

# NB cases with distinct ids (and so distinct briefs), from the samples
python3 - "$ROOT/samples" "$T/cases" "$NB" <<'PY'
import glob, json, os, sys
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.makedirs(dst)
samples = [json.load(open(f)) for f in sorted(glob.glob(os.path.join(src, "*.json")))]
for i in range(n):
    c = dict(samples[i % len(samples)]); c["case_id"] = f"BENCH-{i:05d}"
    json.dump(c, open(os.path.join(dst, f"{i:05d}.json"), "w"))
PY
ONE="$ROOT/samples/uhc-lumbar-mri.json"
WK="wkhtmltopdf -q --page-size Letter -T 0.6in -B 0.6in -L 0.6in -R 0.6in --user-style-sheet $W/docs/wk-zoom.css --javascript-delay 0"
TIME="/usr/bin/time -f %e\ %U\ %S -a -o"
med() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

: > "$T/ours1"; : > "$T/wk1"; : > "$T/oursb"; : > "$T/tyb"
for r in $(seq "$ROUNDS"); do
  for i in $(seq "$N1"); do
    $TIME "$T/ours1" "$BIN" render brief "$ONE" -o "$T/one.pdf" 2>/dev/null
    $TIME "$T/wk1" $WK "$W/docs/brief.html" "$T/wk.pdf" >/dev/null 2>&1
  done
  rm -rf "$T/ob"; mkdir "$T/ob"
  $TIME "$T/oursb" "$BIN" render brief "$T"/cases/*.json -o "$T/ob" 2>/dev/null
  (cd "$W" && $TIME "$T/tyb" node typst_batch.js docs/brief.typ "$T/tb" "$NB" >/dev/null)
  echo "round $r done" >&2
done
[ "$(ls "$T/ob" | wc -l)" = "$NB" ] || { echo "our batch wrote $(ls "$T/ob" | wc -l) of $NB briefs" >&2; exit 1; }

wall() { awk '{print $1*1000}' "$1" | med; }
cpu() { awk -v n="${2:-1}" '{print ($2+$3)*1000/n}' "$1" | med; }
o1w=$(wall "$T/ours1"); o1c=$(cpu "$T/ours1"); w1w=$(wall "$T/wk1"); w1c=$(cpu "$T/wk1")
obc=$(cpu "$T/oursb" "$NB"); tbc=$(cpu "$T/tyb" "$NB")
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "one-shot brief, wall ms (median of $((ROUNDS * N1))): p2pdoc $o1w, wkhtmltopdf $w1w, ratio $(awk -v a="$w1w" -v b="$o1w" 'BEGIN{printf "%.1f", a/b}')x"
echo "one-shot brief, CPU ms: p2pdoc $o1c, wkhtmltopdf $w1c"
echo "batch of $NB separate briefs, CPU ms per PDF (median of $ROUNDS): p2pdoc $obc, typst $tbc, ratio $(awk -v a="$tbc" -v b="$obc" 'BEGIN{printf "%.1f", a/b}')x"
echo "sizes: p2pdoc $(stat -c %s "$T/one.pdf") bytes, wkhtmltopdf $(stat -c %s "$T/wk.pdf"), typst $(stat -c %s "$T/tb/brief_00.pdf")"
