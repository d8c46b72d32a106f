#!/usr/bin/env bash
# Database failover under load (tests/pg_failover.rs): a primary and a
# synchronous hot standby of this machine's PostgreSQL on free loopback
# ports, two `orchestrator serve` replicas given both hosts with
# target_session_attrs=read-write, a start every 50 ms; the primary is
# stopped as a crash stops it and the standby promoted. Prints how long
# starts waited and whether any acknowledged run was lost.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/orchestrator/target}"
export ORT_DYLIB_PATH="${ORT_DYLIB_PATH:-$(bash scripts/ort-dylib.sh)}"
bash scripts/setup.sh >/dev/null
cargo test --test pg_failover -- --nocapture 2>&1 |
  grep -E "^test |failover|test result|panicked|left|right"
