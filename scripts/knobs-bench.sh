#!/usr/bin/env bash
# The performance knobs' measured effects (docs/performance.md): a release
# `orchestrator serve` on RocksDB, started once per setting, loaded by
# `orchestrator bench` (examples/diamond.yaml, 32 clients, each run waited
# for), and the read latency of one ended 200-task execution
# (GET /v1/executions/{id}, 2,000 sequential reads) with the execution
# cache on and off. Everything on this machine's cores.
# Usage: scripts/knobs-bench.sh [seconds per load, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
bash scripts/setup.sh >/dev/null
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/orchestrator/target}"
cargo build --release --quiet --bin orchestrator
bin="$CARGO_TARGET_DIR/release/orchestrator"
work=$(mktemp -d)
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Starts a server on a fresh data directory with the given environment
# (NAME=value ...); sets $grpc and $http.
serve() {
  local dir
  dir=$(mktemp -d -p "$work")
  env "$@" "$bin" serve --grpc-addr 127.0.0.1:0 --http-addr 127.0.0.1:0 --data-dir "$dir/data" \
    >"$dir/out" 2>"$dir/err" &
  pid=$!
  for _ in $(seq 100); do grep -q listening "$dir/out" 2>/dev/null && break; sleep 0.1; done
  grpc=$(grep -o 'grpc=[^ ]*' "$dir/out" | cut -d= -f2)
  http=$(grep -o 'http=[^ ]*' "$dir/out" | cut -d= -f2)
}

stop() {
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  pid=
}

# One load on the running server: runs/s and p50/p99 latency.
load() {
  "$bin" bench --server "$grpc" --workflow diamond --define examples/diamond.yaml \
    --concurrency 32 --duration "${seconds}s" 2>/dev/null | tail -1 |
    python3 -c 'import json,sys; j=json.load(sys.stdin); l=j["latency_ms"]; print("%8.0f runs/s  p50 %.2f ms  p99 %.2f ms" % (j["runs_per_s"], l["p50"], l["p99"]))'
}

echo "== runs/s of the diamond, 32 clients, ${seconds} s each (RocksDB, fsync on)"
# The default first and last: the difference between the two is the noise.
for setting in \
  "default" \
  "ROCKSDB_WRITE_BUFFER_BYTES=67108864" \
  "ROCKSDB_BLOCK_CACHE_BYTES=268435456" \
  "MAX_INFLIGHT_TASKS=4" \
  "MAX_INFLIGHT_TASKS=1" \
  "default"; do
  if [ "$setting" = default ]; then serve; else serve "$setting"; fi
  printf '%-38s %s\n' "$setting" "$(load)"
  stop
done

echo
echo "== GET /v1/executions/{id} of an ended 200-task run, 2,000 reads in a row"
python3 - "$work/wide.json" <<'PY'
import json, sys
tasks = [{"id": "root", "type": "echo", "body": {"n": 0}}]
tasks += [{"id": f"t{i}", "type": "echo", "body": {"n": i, "pad": "x" * 200}, "depends_on": ["root"]} for i in range(199)]
json.dump({"name": "wide", "tasks": tasks}, open(sys.argv[1], "w"))
PY
for setting in "EXECUTION_CACHE_SIZE=1000" "EXECUTION_CACHE_SIZE=0"; do
  serve "$setting"
  curl -fsS -H 'Content-Type: application/json' --data-binary @"$work/wide.json" "http://$http/v1/workflows" >/dev/null
  id=$(curl -fsS -H 'Content-Type: application/json' -d '{"workflow": "wide"}' "http://$http/v1/run" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["workflow_id"])')
  python3 - "$http" "$id" "$setting" <<'PY'
import http.client, sys, time
host, id, setting = sys.argv[1], sys.argv[2], sys.argv[3]
c = http.client.HTTPConnection(host)
def get():
    c.request("GET", f"/v1/executions/{id}")
    r = c.getresponse(); body = r.read()
    assert r.status == 200, body
    return len(body)
size = get()
took = []
for _ in range(2000):
    t = time.perf_counter(); get(); took.append(time.perf_counter() - t)
took.sort()
ms = lambda q: took[int(q * (len(took) - 1))] * 1000
print(f"{setting:<28} {len(took) / sum(took):7.0f} reads/s  p50 {ms(0.5):.2f} ms  p99 {ms(0.99):.2f} ms  ({size} bytes each)")
PY
  stop
done
