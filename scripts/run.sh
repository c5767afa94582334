#!/usr/bin/env bash
# Quick start, command 1: installs what is missing, builds packid (Release) and runs
# `packid serve` on 127.0.0.1:8080 with the embedded default database under ./var.
# On first start it prints an admin key, a demo MAH key and a demo CMO key with a curl line.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DPACKID_WERROR=OFF -DPACKID_TESTS=OFF \
      >/dev/null
cmake --build build-release -j"$(nproc)" --target packid >/dev/null
exec build-release/packid serve "$@"
