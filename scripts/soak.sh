#!/usr/bin/env bash
# Soak: tail latency under a growing store. Starts a release `orchestrator
# serve` on free loopback ports with a fresh RocksDB folder, fills it with
# runs of examples/diamond.yaml at saturation until it holds FILL runs
# (default 1,000,000), then runs it at a fixed RATE runs/s (default 1,000)
# for MINUTES minutes (default 10). Each minute prints one line: p50, p99
# and max latency of that minute's runs, errors, the server's RSS, the data
# folder's size, RocksDB's cumulative write-stall time and whether writes
# are stopped now. Figures go in issue notes; CI does not run this.
# Usage: scripts/soak.sh [minutes] [rate] [fill]
# ORCH_BIN=path runs that binary instead of building one (before/after
# comparisons of two builds).
set -euo pipefail
cd "$(dirname "$0")/.."
minutes="${1:-10}"
rate="${2:-1000}"
fill="${3:-1000000}"
# shellcheck source=scripts/load/server.sh
source scripts/load/server.sh

disk_mib() { du -sm "$work/data" | cut -f1; }
stat_of() { curl -s "http://$http/v1/stats/db" | python3 -c "import json,sys; print(json.load(sys.stdin).get('$1', '?'))"; }
# field JSON PATH: a value of bench's JSON line (PATH like latency_ms.p99).
field() { python3 -c "import json,sys
v = json.loads(sys.argv[1])
for k in sys.argv[2].split('.'): v = v[k]
print(v)" "$1" "$2"; }

# Fill at saturation, 30 s at a time.
"$bin" bench --server "$grpc" --workflow diamond --define examples/diamond.yaml --concurrency 1 --duration 1s >/dev/null
total=0
started=$(date +%s)
while [ "$total" -lt "$fill" ]; do
  out=$("$bin" bench --server "$grpc" --workflow diamond --concurrency 64 --duration 30s | tail -1)
  total=$((total + $(field "$out" runs)))
  echo "fill: $total runs stored ($(( $(date +%s) - started )) s), RSS $(rss_mib) MiB, disk $(disk_mib) MiB"
done

echo "soak: $minutes min at $rate runs/s over $total stored runs"
echo "minute  runs/s  p50_ms  p99_ms  max_ms  errors  rss_mib  disk_mib  stall_s  write_stopped"
for m in $(seq "$minutes"); do
  out=$("$bin" bench --server "$grpc" --workflow diamond --concurrency 64 --rate "$rate" --duration 60s | tail -1)
  printf '%6s  %6.0f  %6.2f  %6.2f  %6.2f  %6s  %7s  %8s  %7s  %s\n' "$m" \
    "$(field "$out" runs_per_s)" "$(field "$out" latency_ms.p50)" "$(field "$out" latency_ms.p99)" "$(field "$out" latency_ms.max)" \
    "$(field "$out" errors)" "$(rss_mib)" "$(disk_mib)" \
    "$(stat_of orchestrator.write-stall-seconds)" "$(stat_of rocksdb.is-write-stopped)"
done
