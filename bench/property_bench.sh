#!/bin/sh
# Property test at bench size: thousands of random valid cases against the
# invariants of docs/claims.md, with counts and failures (each naming its seed
# and case index; tests/property/gen_cases.py --seed S --index I rebuilds
# the case). Not a ctest: it takes minutes.
#   usage: bench/property_bench.sh [P2PDOC] [COUNT] [SEED] [PDFTK_EVERY]
# Defaults: build/src/p2pdoc, 2000 cases, seed "bench", the form read with
# pdftk on every 10th case (pdftk starts a JVM: about 1 s a form).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$here/build/src/p2pdoc}
count=${2:-2000}
seed=${3:-bench}
every=${4:-10}
exec python3 "$here/tests/property/check_property.py" "$bin" "$here" --count "$count" --seed "$seed" \
  --pdftk-every "$every" --jobs 2
