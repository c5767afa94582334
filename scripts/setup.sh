#!/usr/bin/env bash
# Installs, from Debian's packages, everything packid's build, tests and server need.
# Idempotent: when every package is already present it prints nothing and takes well under a
# second (dpkg-query only); otherwise one `apt-get update` and one `apt-get install`.
# Then the OpenAPI checker's npm packages (tests/openapi/package-lock.json, pinned), with
# `npm ci` only when the lock file changed since the last install.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git ca-certificates
  clang libclang-rt-14-dev          # libFuzzer and the sanitizer runtime for fuzz harnesses
  postgresql postgresql-contrib libpq-dev
  libmicrohttpd-dev libjansson-dev
  libxml2-dev libxml2-utils
  libssl-dev libcurl4-openssl-dev
  libdmtx-dev libpng-dev libqrencode-dev
  libcmocka-dev
  zxing-cpp-tools                   # independent DataMatrix/QR decoder used by the carrier tests
  librsvg2-bin                      # rasterises our SVG symbols for the decoder
  zint                              # peer renderer reported by bench/carrier
  libzip-dev                        # the ZIP of a carrier batch (src/carrier/zip.c)
  libzint-dev                       # GS1-128 logistic labels (src/carrier/label.c)
  libpcre2-dev                      # the JSON schema's patterns (ECMA 262) in packid's JSON-LD check (src/epcis/json_schema.c)
  curl python3                      # test receivers and benchmark clients
  wrk                               # HTTP load generator of bench/verify.sh and bench/growth.sh (bench only)
  python3-jsonschema                # independent JSON Schema validator: EPCIS 2.0 JSON-LD tests
  chromium                          # headless browser: the resolver's page and the console's test
  chromium-driver python3-selenium  # the console's browser test (docs/console.md)
  openssl                           # its command line checks audit checkpoint signatures (test_audit)
)
missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
# Node.js and npm run the OpenAPI validator (tests/openapi). Looked for as commands, not as
# packages: a machine may carry another build of Node.js that bundles its own npm.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [[ ${#missing[@]} -gt 0 ]]; then
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The OpenAPI validator and JSON Schema validator, exactly as package-lock.json pins them.
openapi_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/openapi"
stamp="$openapi_dir/node_modules/.packid-lock"
if ! cmp -s "$openapi_dir/package-lock.json" "$stamp"; then
  echo "setup: npm ci in tests/openapi" >&2
  (cd "$openapi_dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  cp "$openapi_dir/package-lock.json" "$stamp"
fi
