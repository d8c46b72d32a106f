#!/usr/bin/env bash
# The live feed under load: a release `orchestrator serve` (default
# configuration), the four-echo diamond workflow offered at RATE runs/s
# (open loop), first with no watcher, then with WATCHERS dashboards
# following WatchExecutions. Prints each phase's run figures, the feed's
# delivery delay (change recorded -> change received, p50/p99/max) and the
# server's CPU over the phase (user+system seconds per wall second).
#
# Usage: scripts/feed-bench.sh [rate, default 1000] [watchers, default 10] [seconds, default 20]
set -euo pipefail
cd "$(dirname "$0")/.."
rate="${1:-1000}"
watchers="${2:-10}"
secs="${3:-20}"
# shellcheck source=scripts/load/server.sh
source scripts/load/server.sh

# cpu_ticks: the server's user+system time so far, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }
hz=$(getconf CLK_TCK)
phase() {
  local n=$1 before after
  before=$(cpu_ticks)
  "$bin" bench --server "$grpc" --workflow diamond --define examples/diamond.yaml \
    --rate "$rate" --concurrency 256 --duration "${secs}s" --watchers "$n" | sed "s/^/  /"
  after=$(cpu_ticks)
  # Over the load's seconds: the feed phase's 2 s drain after it is idle.
  awk -v t=$((after - before)) -v hz="$hz" -v s="$secs" -v n="$n" \
    'BEGIN { printf "  server CPU: %.2f cores busy on average (%d watchers)\n", t / hz / s, n }'
}
echo "== $rate runs/s, no watcher, ${secs} s"
phase 0
echo "== $rate runs/s, $watchers watchers, ${secs} s"
phase "$watchers"
echo "server RSS: $(rss_mib) MiB"
