#!/usr/bin/env bash
# What waiting approvals cost and how fast they are decided: N runs each
# waiting at an approval on one server (scripts/live-server.sh's binary,
# ORCHESTRATOR_BIN for a release build), then the server's resident memory
# before and after, how long listing them takes, and decisions per second
# with 8 concurrent deciders over REST.
#   scripts/approvals-bench.sh [N]      (default 2000)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-2000}
# shellcheck source=scripts/live-server.sh
source scripts/live-server.sh
live_server_start
pid=$live_server_pid
http=$ORCHESTRATOR_HTTP
rss() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status"; }
now() { date +%s.%N; }

curl -sf -X POST "$http/v1/workflows" -H 'Content-Type: application/yaml' --data-binary @- >/dev/null <<'YAML'
name: gate_bench
tasks:
  - {id: look, type: echo, body: {ip: "{{ input.i }}"}}
  - {id: confirm, type: approval, depends_on: [look], message: "block {{ look.ip }}?"}
  - {id: act, type: echo, depends_on: [confirm], body: {by: "{{ confirm.by }}"}}
YAML
before=$(rss)
t0=$(now)
seq "$n" | xargs -P 8 -I{} curl -sf -X POST "$http/v1/run" \
  -d '{"workflow": "gate_bench", "parameters": {"i": {}}, "wait": false}' -o /dev/null
t1=$(now)
until [ "$(curl -sf "$http/v1/approvals" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["approvals"]))')" -ge "$n" ]; do
  sleep 0.2
done
waiting=$(rss)
list_start=$(now)
for _ in 1 2 3 4 5; do curl -sf "$http/v1/approvals" -o /tmp/approvals-bench.json; done
list_end=$(now)
python3 -c 'import json; [print(a["execution_id"]) for a in json.load(open("/tmp/approvals-bench.json"))["approvals"]]' >/tmp/approvals-bench.ids
t2=$(now)
xargs -P 8 -I{} curl -sf -X POST "$http/v1/approvals/{}/confirm" \
  -d '{"decision": "approve", "reason": "bench"}' -o /dev/null </tmp/approvals-bench.ids
t3=$(now)
until [ "$(curl -sf "$http/v1/executions?status=completed&page_size=1000&workflow=gate_bench" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["executions"]))')" -ge "$(( n < 1000 ? n : 1000 ))" ]; do
  sleep 0.2
done
python3 - "$n" "$before" "$waiting" "$t0" "$t1" "$t2" "$t3" "$list_start" "$list_end" <<'PY'
import sys
n, before, waiting = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
t0, t1, t2, t3, ls, le = map(float, sys.argv[4:])
print(f"approvals-bench: {n} runs waiting at an approval")
print(f"  started:   {n / (t1 - t0):8.0f} runs/s (8 concurrent REST clients)")
print(f"  memory:    {before / 1024:8.1f} MiB before, {waiting / 1024:.1f} MiB with all waiting "
      f"(~{(waiting - before) * 1024 / n:.0f} bytes a waiting run)")
print(f"  listing:   {(le - ls) / 5 * 1000:8.1f} ms for GET /v1/approvals with {n} pending")
print(f"  decisions: {n / (t3 - t2):8.0f} /s (8 concurrent deciders, each answered once durable)")
PY
