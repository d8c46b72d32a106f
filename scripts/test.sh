#!/usr/bin/env bash
# Runs every check and test of Orchestrator: formatting, clippy, unit and
# integration tests (real HTTP servers, real processes, RocksDB on disk).
# Installs what it needs first (scripts/setup.sh). `.ci/run` calls this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Build artefacts live outside the clone so that RocksDB's C++ is built
# once per machine, not once per checkout.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/orchestrator/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings
cargo test --all-targets --locked
