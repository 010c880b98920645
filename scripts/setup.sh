#!/bin/sh
# The README's first command: install what is missing, build, and generate
# the packet of every case in samples/ into out/.
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)"
build/src/p2pdoc generate samples/*.json --out out
