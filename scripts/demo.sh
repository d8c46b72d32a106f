#!/usr/bin/env bash
# Runs the brief's example playbook on this machine: builds Orchestrator,
# starts the local stub services, and runs the example with the embedded
# RocksDB store in ./data (ROCKSDB_PATH to change it).
# Extra arguments go to `orchestrator run` (e.g. --output json).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/orchestrator/target}"
# The model plugin loads ONNX Runtime from the onnxruntime package setup installed.
export ORT_DYLIB_PATH="${ORT_DYLIB_PATH:-$(bash scripts/ort-dylib.sh)}"
cargo build --quiet --bin orchestrator
bin="$CARGO_TARGET_DIR/debug/orchestrator"

python3 scripts/stub_server.py 18080 >/dev/null &
stub=$!
trap 'kill $stub 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  python3 -c 'import socket; socket.create_connection(("127.0.0.1", 18080), 0.2)' 2>/dev/null && break
  sleep 0.1
done

args=("$@")
[[ " $* " == *" --input "* ]] || args=(--input indicator=203.0.113.7 "${args[@]}")
"$bin" run examples/auto_threat_response.local.yaml "${args[@]}"
