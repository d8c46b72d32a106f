#!/usr/bin/env bash
# Runs every client's tests (clients/*/test.sh) against a live
# `orchestrator serve`: one server on free loopback ports with a fresh
# store, started from the repository root so that models/ is found.
#   scripts/test-clients.sh [LANG ...]      (default: every client)
# The binary is $ORCHESTRATOR_BIN, else the debug build `cargo test` made.
# Each test.sh reads ORCHESTRATOR_GRPC (host:port) and ORCHESTRATOR_HTTP
# (http://host:port).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
target="${CARGO_TARGET_DIR:-$HOME/.cache/orchestrator/target}"
bin="${ORCHESTRATOR_BIN:-$target/debug/orchestrator}"
[ -x "$bin" ] || { echo "test-clients: no server binary at $bin (cargo build first)" >&2; exit 1; }
export ORT_DYLIB_PATH="${ORT_DYLIB_PATH:-$(bash scripts/ort-dylib.sh)}"

if [ $# -gt 0 ]; then
  langs=("$@")
else
  langs=()
  for t in clients/*/test.sh; do langs+=("$(basename "$(dirname "$t")")"); done
fi

work=$(mktemp -d)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

"$bin" serve --grpc-addr 127.0.0.1:0 --http-addr 127.0.0.1:0 --data-dir "$work/data" \
  >"$work/stdout" 2>"$work/stderr" &
server_pid=$!
for _ in $(seq 300); do
  grep -q '^listening ' "$work/stdout" && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/stderr" >&2; exit 1; }
  sleep 0.1
done
line=$(grep '^listening ' "$work/stdout") || { echo "test-clients: the server did not start" >&2; exit 1; }
grpc=${line#*grpc=}; grpc=${grpc%% *}
http=${line#*http=}
export ORCHESTRATOR_GRPC="$grpc" ORCHESTRATOR_HTTP="http://$http"
echo "test-clients: server on grpc=$grpc http=$http" >&2

failed=()
for lang in "${langs[@]}"; do
  echo "== client: $lang" >&2
  if ! (cd "$root/clients/$lang" && bash test.sh); then
    failed+=("$lang")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "test-clients: FAILED: ${failed[*]}" >&2
  tail -n 50 "$work/stderr" >&2
  exit 1
fi
echo "test-clients: ${langs[*]} passed" >&2
