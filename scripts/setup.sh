#!/bin/sh
# The README's first command: install what is missing, build, generate the
# packet of every case in samples/ into out/, then fill a demo ledger with a
# year of synthetic history and write its overturn report (out/demo/).
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)"
build/src/p2pdoc generate samples/*.json --out out
# the demo: the same history and the same report on every machine (a fixed
# seed and clock); a new ledger each run, never the practice's own
rm -f out/demo/p2pdoc.db out/demo/p2pdoc.db-wal out/demo/p2pdoc.db-shm
export SOURCE_DATE_EPOCH=1796169600  # 2026-12-02T00:00:00Z, after the history's last day
build/src/p2pdoc demo-ledger --ledger out/demo/p2pdoc.db --cases 1500 --seed 1 --until 2026-12-01
build/src/p2pdoc report --ledger out/demo/p2pdoc.db --from 2025-12-01 --to 2026-11-30 --out out/demo/report.pdf \
  --practice "Demo practice (synthetic data)"
build/src/p2pdoc report --ledger out/demo/p2pdoc.db --from 2025-12-01 --to 2026-11-30 --out out/demo/report.csv
build/src/p2pdoc report --ledger out/demo/p2pdoc.db --from 2025-12-01 --to 2026-11-30 --out out/demo/report.json
