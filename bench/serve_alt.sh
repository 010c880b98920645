#!/bin/sh
# The service under load, several builds alternating (issue 14): for each
# round and each LABEL=BINARY, starts `BINARY serve` on an ephemeral port
# with its output in DIR, runs build/bench/serve_bench against it (8 clients,
# REQUESTS posts, every post a new case id), prints serve_bench's result line,
# stops the service. BINARY is p2pdoc-full (or an older build's p2pdoc,
# which had the service in it). Every round's output is kept until the last
# round ends, then removed: on an ext4 without a journal (this VM's root) a
# file deleted in the last 60 to 360 s makes each new inode skip past it, and
# rounds that deleted the last round's 9,000 files spent half the service's
# CPU in ext4's recently_deleted(). Leave 6 minutes between two runs on such
# a disk (docs/performance.md, "Issue 14, session 22").
#   bench/serve_alt.sh DIR ROUNDS REQUESTS LABEL=BINARY [LABEL=BINARY ...]
#   bench/serve_alt.sh /dev/shm 3 1000 before=/tmp/old/p2pdoc now=build/src/p2pdoc-full
# DIR on tmpfs or on a real disk: the two rows of issue 14's table.
set -eu
[ $# -ge 4 ] || { sed -n '2,16p' "$0"; exit 2; }
dir=$1 rounds=$2 requests=$3
shift 3
bench="$(dirname "$0")/../build/bench/serve_bench"
echo "clients requests failed packets/s p50 p90 p99 max (ms)"
r=1
while [ "$r" -le "$rounds" ]; do
  for pair in "$@"; do
    label=${pair%%=*} binary=${pair#*=}
    out="$dir/serve-alt-$$/$label-$r"
    mkdir -p "$out"
    "$binary" serve --listen 127.0.0.1:0 --out "$out/packets" --log "$out/serve.log" --threads 8 >"$out/stdout" 2>&1 &
    pid=$!
    i=0
    until grep -q 'listening on' "$out/stdout" 2>/dev/null; do
      i=$((i + 1))
      [ "$i" -le 100 ] || { echo "$label: the service did not start" >&2; kill "$pid"; exit 1; }
      sleep 0.1
    done
    port=$(sed -n 's/.*listening on .*:\([0-9]*\)$/\1/p' "$out/stdout")
    line=$("$bench" --url "http://127.0.0.1:$port" --clients 8 --requests "$requests" | tail -n 1)
    echo "$label round $r: $line"
    kill "$pid"
    wait "$pid" 2>/dev/null || true
  done
  r=$((r + 1))
done
rm -rf "$dir/serve-alt-$$"
