#!/usr/bin/env bash
# Runs every client's tests (clients/*/test.sh) against a live
# `orchestrator serve` (scripts/live-server.sh).
#   scripts/test-clients.sh [LANG ...]      (default: every client)
# Each test.sh reads ORCHESTRATOR_GRPC (host:port) and ORCHESTRATOR_HTTP
# (http://host:port).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
if [ $# -gt 0 ]; then
  langs=("$@")
else
  langs=()
  for t in clients/*/test.sh; do langs+=("$(basename "$(dirname "$t")")"); done
fi

# shellcheck source=scripts/live-server.sh
source scripts/live-server.sh
live_server_start

failed=()
for lang in "${langs[@]}"; do
  echo "== client: $lang" >&2
  if ! (cd "$root/clients/$lang" && bash test.sh); then
    failed+=("$lang")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "test-clients: FAILED: ${failed[*]}" >&2
  tail -n 50 "$LIVE_SERVER_LOG" >&2
  exit 1
fi
echo "test-clients: ${langs[*]} passed" >&2
