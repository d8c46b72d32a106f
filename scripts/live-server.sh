# Sourced by the scripts that test against a live `orchestrator serve`:
# starts one server on free loopback ports with a fresh store, from the
# repository root so that models/ is found, and stops it on exit.
# The binary is $ORCHESTRATOR_BIN, else the debug build `cargo test` made.
# `live_server_start [SERVE ARGS...]` passes its arguments on to serve.
# Sets ORCHESTRATOR_GRPC (host:port) and ORCHESTRATOR_HTTP (http://host:port)
# LIVE_SERVER_LOG (the server's stderr) and LIVE_SERVER_BIN.
# shellcheck shell=bash

live_server_start() {
  local target bin line grpc http
  target="${CARGO_TARGET_DIR:-$HOME/.cache/orchestrator/target}"
  bin="${ORCHESTRATOR_BIN:-$target/debug/orchestrator}"
  [ -x "$bin" ] || { echo "live-server: no server binary at $bin (cargo build first)" >&2; return 1; }
  export ORT_DYLIB_PATH="${ORT_DYLIB_PATH:-$(bash scripts/ort-dylib.sh)}"
  live_server_work=$(mktemp -d)
  trap live_server_stop EXIT
  "$bin" serve --grpc-addr 127.0.0.1:0 --http-addr 127.0.0.1:0 --data-dir "$live_server_work/data" "$@" \
    >"$live_server_work/stdout" 2>"$live_server_work/stderr" &
  live_server_pid=$!
  for _ in $(seq 300); do
    grep -q '^listening ' "$live_server_work/stdout" && break
    kill -0 "$live_server_pid" 2>/dev/null || { cat "$live_server_work/stderr" >&2; return 1; }
    sleep 0.1
  done
  line=$(grep '^listening ' "$live_server_work/stdout") || { echo "live-server: the server did not start" >&2; return 1; }
  grpc=${line#*grpc=}; grpc=${grpc%% *}
  http=${line#*http=}
  export ORCHESTRATOR_GRPC="$grpc" ORCHESTRATOR_HTTP="http://$http"
  LIVE_SERVER_LOG="$live_server_work/stderr"
  LIVE_SERVER_BIN="$bin"
  echo "live-server: grpc=$grpc http=$http" >&2
}

live_server_stop() {
  if [ -n "${live_server_pid:-}" ]; then
    kill "$live_server_pid" 2>/dev/null && wait "$live_server_pid" 2>/dev/null
  fi
  rm -rf "${live_server_work:-}"
}
