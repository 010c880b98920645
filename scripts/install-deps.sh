#!/bin/sh
# Installs the Debian bookworm packages p2pdoc needs to build and test.
# Does nothing when they are all present; otherwise needs root (apt-get).
set -eu
PACKAGES="cmake g++ make pkg-config
  libpodofo-dev libboost-dev libssl-dev
  libcmark-gfm-dev libcmark-gfm-extensions-dev
  nlohmann-json3-dev libcurl4-openssl-dev doctest-dev
  libkainjow-mustache-dev libcli11-dev libcpp-httplib-dev
  libsqlite3-dev libpq-dev postgresql icc-profiles-free
  qpdf poppler-utils pdftk-java mupdf-tools python3 python3-jsonschema
  curl openssl
  clang libclang-rt-14-dev"  # the last line: scripts/sanitize.sh (ASan, UBSan, libFuzzer)
missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "install-deps: run as root to install:$missing" >&2
    exit 1
  fi
fi
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# shellcheck disable=SC2086
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
