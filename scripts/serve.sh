#!/usr/bin/env bash
# Builds and starts the server on its embedded default: RocksDB in ./data,
# gRPC on 127.0.0.1:50051, REST/HTTP on 127.0.0.1:8080 (the environment
# variables of the README change them). Extra arguments go to
# `orchestrator serve`. Ctrl-C or SIGTERM stops it gracefully.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/orchestrator/target}"
# The model plugin loads ONNX Runtime from the onnxruntime package setup installed.
export ORT_DYLIB_PATH="${ORT_DYLIB_PATH:-$(bash scripts/ort-dylib.sh)}"
cargo build --release --locked --quiet --bin orchestrator
exec "$CARGO_TARGET_DIR/release/orchestrator" serve "$@"
