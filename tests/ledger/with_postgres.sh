#!/bin/sh
# Runs a command against a throw-away PostgreSQL server (docs/ledger.md,
# "Testing"): initdb into a temp folder, a Unix socket in that folder (no TCP
# port), trust authentication for the local superuser `p2pdoc`, stopped and
# removed at the end whatever the command did. The command finds the server in
# P2P_TEST_LEDGER_PG (a postgresql:// URI naming the maintenance database).
# The server refuses to run as root: as root it runs as `nobody` (runuser).
# Exit 77 (ctest: skipped) when PostgreSQL's server binaries are absent.
set -u
PGBIN=""
for v in 17 16 15 14 13; do
  [ -x "/usr/lib/postgresql/$v/bin/initdb" ] && { PGBIN="/usr/lib/postgresql/$v/bin"; break; }
done
if [ -z "$PGBIN" ]; then
  echo "with_postgres: no PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb): skipped; install the 'postgresql' package" >&2
  exit 77
fi
DIR=$(mktemp -d /tmp/p2pdoc-pg.XXXXXX) || exit 1
AS=""
if [ "$(id -u)" -eq 0 ]; then
  chown nobody "$DIR"
  AS="runuser -u nobody --"
fi
stop() {
  $AS "$PGBIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1
  rm -rf "$DIR"
}
trap stop EXIT
trap 'exit 1' INT TERM
$AS "$PGBIN/initdb" -D "$DIR/data" -U p2pdoc --auth=trust -E UTF8 --locale=C >"$DIR/initdb.log" 2>&1 || {
  cat "$DIR/initdb.log" >&2; exit 1; }
$AS "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
  -o "-k $DIR -c listen_addresses='' -c fsync=off" start >/dev/null || {
  cat "$DIR/server.log" >&2; exit 1; }
P2P_TEST_LEDGER_PG="postgresql:///postgres?host=$DIR&user=p2pdoc"
export P2P_TEST_LEDGER_PG
"$@"
