#!/usr/bin/env bash
# Regenerates src/gen/ from ../../proto (orchestrator/v1 and the vendored
# google/api files it imports) with the pinned buf and protoc-gen-es.
# Deterministic: running it twice leaves no diff.
set -euo pipefail
cd "$(dirname "$0")"
tools=../../tools
buf="$tools/node_modules/.bin/buf"
[ -x "$buf" ] || (cd "$tools" && npm ci --no-audit --no-fund)
[ -x node_modules/.bin/protoc-gen-es ] || npm ci --no-audit --no-fund
"$buf" generate
