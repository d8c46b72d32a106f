#!/usr/bin/env bash
# Installs what test.sh and the build need: the npm packages pinned in
# package-lock.json (npm ci), only when the lock file is newer than the
# last install. The browser tests also need Debian's chromium
# (/usr/bin/chromium; scripts/setup.sh installs it). Needs Node >= 20.19.
set -euo pipefail
cd "$(dirname "$0")"
command -v npm >/dev/null || { echo "ui/setup: node and npm are required (Node >= 20.19)" >&2; exit 1; }
if ! [ node_modules/.package-lock.json -nt package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
