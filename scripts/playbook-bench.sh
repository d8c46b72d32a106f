#!/usr/bin/env bash
# The brief's auto_threat_response playbook under open-loop load: a release
# `orchestrator serve` with its default configuration (RocksDB, WORKERS =
# the cores), the three services as stand-ins that answer after realistic
# delays (examples/standins.rs: enrich 150 ms, block 80 ms, audit 20 ms;
# each its own port, as three hosts would be), the model step real (ONNX
# Runtime, models/threat_scoring_v2). Every run of every phase has its own
# indicator, so the cacheable enrich step always calls the service.
#
# Phase 1, the playbook at 200, 500 and 1,000 runs/s: its p99 should be
# within 20 ms of the delays' sum (250 ms), the rate met in full.
# Phase 2, the same playbook with a CPU-bound python step added, at a rate
# below and one above what the cores can run: the cpu pool's busy slots
# never pass WORKERS and a queue builds behind them (sampled from /metrics
# ten times a second), while the waiting steps are not held up.
#
# Usage: scripts/playbook-bench.sh [--cpu] [seconds per rate, default 20]
#   --cpu: phase 2 only.
set -euo pipefail
cd "$(dirname "$0")/.."
only_cpu=0
if [ "${1:-}" = --cpu ]; then only_cpu=1; shift; fi
secs="${1:-20}"
bash scripts/setup.sh
export ORT_DYLIB_PATH="${ORT_DYLIB_PATH:-$(bash scripts/ort-dylib.sh)}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/orchestrator/target}"
cargo build --release --quiet --example standins
# shellcheck source=scripts/load/server.sh
source scripts/load/server.sh

"$CARGO_TARGET_DIR/release/examples/standins" >"$work/standins.out" &
standins=$!
on_exit="kill $standins 2>/dev/null"
for _ in $(seq 100); do grep -q enrich= "$work/standins.out" 2>/dev/null && break; sleep 0.1; done
port() { grep -o "$1=[0-9]*" "$work/standins.out" | cut -d= -f2; }
enrich=$(port enrich) block=$(port block) audit=$(port audit)
echo "stand-ins: enrich 127.0.0.1:$enrich (150 ms), block 127.0.0.1:$block (80 ms), audit 127.0.0.1:$audit (20 ms)"

# The local twin of the brief's example, pointed at the stand-ins.
sed -e "s/^name: .*/name: playbook_bench/" \
  -e "s#127.0.0.1:18080/v1/enrich#127.0.0.1:$enrich/v1/enrich#" \
  -e "s#127.0.0.1:18080/v1/block#127.0.0.1:$block/v1/block#" \
  -e "s#127.0.0.1:18080/v1/log#127.0.0.1:$audit/v1/log#" \
  examples/auto_threat_response.local.yaml >"$work/playbook.yaml"
# The CPU-bound twin: a python step between enrich and score that burns
# the CPU for a while (about 50 ms of pure Python on this machine).
awk '
  /^  - id: score/ {
    print "  - id: triage"
    print "    type: python"
    print "    depends_on: [enrich]"
    print "    timeout: 60s"
    print "    script: |"
    print "      n = 0"
    print "      for i in range(1_000_000):"
    print "          n += i * i % 7"
    print "      result = {\"n\": n}"
    print ""
  }
  { sub(/^name: playbook_bench$/, "name: playbook_bench_cpu"); sub(/depends_on: \[enrich\]$/, "depends_on: [enrich, triage]"); print }
' "$work/playbook.yaml" >"$work/playbook_cpu.yaml"

cores=$(nproc)
# metric NAME POOL: one pool gauge from /metrics.
metric() {
  local v
  v=$(curl -s "http://$http/metrics" | grep -F "$1{pool=\"$2\"}" | awk '{print int($2); exit}')
  echo "${v:-0}"
}
# sample PIDFILE: until killed, the highest cpu-pool busy and queued figures
# and wait-pool busy seen, written to the file as "busy queued wait".
sample() {
  local busy=0 queued=0 wait=0 b q w
  while :; do
    b=$(metric swarm_workflow_slots_busy cpu) q=$(metric swarm_workflow_slots_queued cpu)
    w=$(metric swarm_workflow_slots_busy wait)
    [ "$b" -gt "$busy" ] && busy=$b
    [ "$q" -gt "$queued" ] && queued=$q
    [ "$w" -gt "$wait" ] && wait=$w
    echo "$busy $queued $wait" >"$1"
    sleep 0.1
  done
}
cpu() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$server/stat"; }

# phase LABEL WORKFLOW FILE RATE CONCURRENCY: one open-loop run, with the
# pools sampled; prints the bench line and what the samples saw.
phases=0
phase() {
  local label=$1 workflow=$2 file=$3 rate=$4 concurrency=$5
  phases=$((phases + 1))
  sample "$work/peaks" &
  local sampler=$! before out
  before=$(cpu)
  # A phase with failed runs still reports (bench exits 1 then).
  out=$("$bin" bench --server "$grpc" --workflow "$workflow" --define "$file" \
    --input "indicator=198.$phases.{n}" --rate "$rate" --concurrency "$concurrency" --duration "${secs}s" 2>&1) || true
  kill "$sampler" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
  read -r busy queued wait <"$work/peaks"
  echo "$label, $rate runs/s offered: $(echo "$out" | grep -v "^{" | head -3)"
  echo "    server $(python3 -c "print(f'{($(cpu) - $before) / $secs:.2f}')") cores busy; peaks: cpu slots busy $busy of $cores, queued $queued; wait slots busy $wait of 10000"
}

if [ "$only_cpu" = 0 ]; then
  echo "playbook (WORKERS=$cores, MAX_INFLIGHT_TASKS=10000, defaults), delays sum 250 ms:"
  for rate in 200 500 1000; do
    # Enough clients that each has 0.5 s per run: twice the delays' sum.
    phase "playbook" playbook_bench "$work/playbook.yaml" "$rate" $((rate / 2))
  done
fi
echo "with a CPU-bound python step (WORKERS=$cores):"
for rate in 5 50; do
  phase "playbook + python" playbook_bench_cpu "$work/playbook_cpu.yaml" "$rate" 200
done
