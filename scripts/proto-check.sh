#!/usr/bin/env bash
# Guards the proto contract: `buf lint` (buf.yaml says which rules and
# why), then `buf breaking` against the last released snapshot, so that an
# incompatible change (a renumbered field, a renamed enum value, a removed
# RPC) fails CI.
#   scripts/proto-check.sh             lint and compare
#   scripts/proto-check.sh --release   after a release: the snapshot becomes
#                                      the current proto/ (commit it)
set -euo pipefail
cd "$(dirname "$0")/.."
buf=tools/node_modules/.bin/buf
[ -x "$buf" ] || (cd tools && npm ci --no-audit --no-fund --silent)
snapshot=proto/released.binpb
if [ "${1:-}" = "--release" ]; then
  "$buf" build --exclude-source-info -o "$snapshot"
  echo "proto-check: $snapshot is now the released contract" >&2
  exit 0
fi
"$buf" lint
"$buf" breaking --against "$snapshot"
echo "proto-check: lint clean, nothing breaks $snapshot" >&2
