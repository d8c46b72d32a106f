#!/usr/bin/env bash
# Runs/s and start-to-end latency of `orchestrator bench` (workflow
# examples/diamond.yaml: 4 echo tasks, each run waited for) against a
# release `orchestrator serve` on RocksDB, on the machine's PostgreSQL with
# one replica, and with three replicas sharing one database (the clients
# spread over the three). Two loads each: 64 clients at saturation, and a
# fixed 1,000 runs/s. Everything (servers, PostgreSQL, load generator) on
# this machine's cores; figures go in README and issue notes.
# Usage: scripts/replicas-bench.sh [seconds per load, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
bash scripts/setup.sh >/dev/null
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/orchestrator/target}"
cargo build --release --quiet --bin orchestrator
bin="$CARGO_TARGET_DIR/release/orchestrator"
work=$(mktemp -d)
pids=()
dbs=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for d in "${dbs[@]}"; do psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $d" postgres || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# Starts a server with the given extra arguments; prints its gRPC address.
serve() {
  local name=$1
  shift
  "$bin" serve --grpc-addr 127.0.0.1:0 --http-addr 127.0.0.1:0 --data-dir "$work/$name" "$@" \
    >"$work/$name.out" 2>"$work/$name.err" &
  pids+=($!)
  for _ in $(seq 100); do grep -q listening "$work/$name.out" 2>/dev/null && break; sleep 0.1; done
  grep -o 'grpc=[^ ]*' "$work/$name.out" | cut -d= -f2
}

# A fresh database; prints its URL.
database() {
  local db="orchestrator_bench_$1_$$"
  psql -q -h 127.0.0.1 -U postgres -c "CREATE DATABASE $db" postgres
  dbs+=("$db")
  echo "postgres://postgres@127.0.0.1:5432/$db"
}

# Both loads against the comma-separated gRPC addresses $2, labelled $1.
loads() {
  local label=$1 grpc=$2
  "$bin" bench --server "$grpc" --workflow diamond --define examples/diamond.yaml \
    --concurrency 64 --duration "${seconds}s" | awk 'NR == 1' | sed "s/^/$label, 64 clients: /"
  "$bin" bench --server "$grpc" --workflow diamond \
    --concurrency 64 --rate 1000 --duration "${seconds}s" | awk 'NR == 1' | sed "s/^/$label, 1,000 runs\/s: /"
}

loads "RocksDB, 1 server" "$(serve rocks)"
url=$(database one)
loads "PostgreSQL, 1 replica" "$(serve pg1 --store "$url")"
url=$(database three)
a=$(serve pg3a --store "$url")
b=$(serve pg3b --store "$url")
c=$(serve pg3c --store "$url")
loads "PostgreSQL, 3 replicas" "$a,$b,$c"
