#!/usr/bin/env bash
# Installs what generate.sh and test.sh need: the npm packages pinned in
# package-lock.json (npm ci), and the pinned buf in ../../tools. A fast
# no-op when both are already in place. Needs Node >= 20 and npm.
set -euo pipefail
cd "$(dirname "$0")"
command -v npm >/dev/null || { echo "setup: node and npm are required (Node >= 20)" >&2; exit 1; }
# npm ci (again) only when the lock file is newer than the last install.
if ! [ node_modules/.package-lock.json -nt package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
[ -x ../../tools/node_modules/.bin/buf ] || (cd ../../tools && npm ci --no-audit --no-fund)
