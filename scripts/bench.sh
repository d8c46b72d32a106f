#!/usr/bin/env bash
# Benchmarks: criterion (engine, RocksDB, spec compile) and the peak memory
# of `orchestrator run` on a 1 → 1,000 → 1 fan-out with RocksDB.
# Usage: scripts/bench.sh [criterion filter]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/orchestrator/target}"

cargo bench --bench engine -- "$@"

cargo build --release --quiet --bin orchestrator
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work/fan_out.yaml" <<'PY'
import sys
lines = ["name: fan_out_1000", "tasks:", "  - {id: root, type: echo, body: {task: root}}"]
lines += [f"  - {{id: m{i}, type: echo, depends_on: [root], body: {{task: m{i}}}}}" for i in range(1000)]
lines.append("  - id: sink\n    type: echo\n    body: {task: sink}\n    depends_on: [" + ", ".join(f"m{i}" for i in range(1000)) + "]")
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
PY
python3 - "$CARGO_TARGET_DIR/release/orchestrator" "$work" <<'PY'
import resource, subprocess, sys, time
binary, work = sys.argv[1], sys.argv[2]
t = time.perf_counter()
out = subprocess.run([binary, "run", "--output", "json", "--data-dir", f"{work}/data", f"{work}/fan_out.yaml"],
                     capture_output=True, text=True, check=True)
wall = (time.perf_counter() - t) * 1000
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(f"orchestrator run, fan-out 1 -> 1000 -> 1 echo, RocksDB: peak RSS {peak_kib / 1024:.1f} MiB, "
      f"process wall time {wall:.0f} ms (includes start-up and RocksDB open)")
PY
