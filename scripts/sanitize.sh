#!/bin/sh
# The reliability build (docs/reliability.md): everything built with clang,
# AddressSanitizer and UBSan (any report is fatal), then the whole ctest
# suite (unit, end-to-end, service, watcher, fuzz corpus replay) and a short
# libFuzzer run of each fuzz target. .ci/run calls this after the normal build.
#   scripts/sanitize.sh [BUILD_DIR]      default build-asan
# FUZZ_SECONDS (default 20) sets each libFuzzer run's length.
# Reports from processes whose exit status no test sees (forked watcher
# workers, the service under a test's client) go to BUILD_DIR/sanitizer/;
# any file there fails the run.
set -eu
cd "$(dirname "$0")/.."
BUILD="${1:-build-asan}"
REPORTS="$PWD/$BUILD/sanitizer"

cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DP2P_SANITIZE=ON -DP2P_FUZZ=ON -DP2P_FUZZ_SECONDS="${FUZZ_SECONDS:-20}"
cmake --build "$BUILD" -j"$(nproc)"

rm -rf "$REPORTS"
mkdir -p "$REPORTS"
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:detect_leaks=1:log_path=$REPORTS/asan"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$REPORTS/ubsan"
status=0
ctest --test-dir "$BUILD" -j"$(nproc)" --output-on-failure || status=1
if [ -n "$(ls -A "$REPORTS")" ]; then
  echo "sanitize: sanitizer reports in $REPORTS:" >&2
  head -n 60 "$REPORTS"/* >&2
  status=1
fi
exit $status
