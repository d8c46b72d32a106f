#!/usr/bin/env bash
# Runs the multi-process replica tests (tests/replicas_served.rs: three
# `orchestrator serve` processes on one PostgreSQL) with the churn of the
# cron test stretched to minutes, and prints their figures: the takeover
# times after kill -9, what a SIGSTOPped replica had fenced, and the ticks
# of fifty every-second schedules across kills and restarts.
#   scripts/replicas-soak.sh            3 minutes of churn
#   CHURN_SECONDS=600 scripts/replicas-soak.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/orchestrator/target}"
export ORT_DYLIB_PATH="${ORT_DYLIB_PATH:-$(bash scripts/ort-dylib.sh)}"
export CHURN_SECONDS="${CHURN_SECONDS:-180}"
bash scripts/setup.sh >/dev/null
cargo test --test replicas_served -- --nocapture 2>&1 |
  grep -E "^test |takeover after|zombie after|ticks of|test result|panicked|left|right"
