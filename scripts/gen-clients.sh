#!/usr/bin/env bash
# Regenerates every client's code from proto/ (each clients/LANG/generate.sh).
# The generated code is committed: the clients install and build without a
# protoc toolchain, and a change of the API shows in review as a diff of
# the code users call.
#   scripts/gen-clients.sh           regenerate
#   scripts/gen-clients.sh --check   regenerate, then fail if anything
#                                    differs from what is committed (CI)
set -euo pipefail
cd "$(dirname "$0")/.."
for gen in clients/*/generate.sh; do
  echo "gen-clients: $gen" >&2
  (cd "$(dirname "$gen")" && bash generate.sh)
done
if [ "${1:-}" = "--check" ]; then
  # What regeneration changed or added beside what git holds.
  stale=$( (git diff --name-only -- clients; git ls-files --others --exclude-standard -- clients) )
  if [ -n "$stale" ]; then
    echo "gen-clients: generated code is stale; run scripts/gen-clients.sh and commit:" >&2
    echo "$stale" >&2
    git --no-pager diff --stat -- clients >&2
    exit 1
  fi
  echo "gen-clients: every client's generated code is fresh" >&2
fi
