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
# The model plugin loads ONNX Runtime from the onnxruntime package setup installed.
export ORT_DYLIB_PATH="${ORT_DYLIB_PATH:-$(bash scripts/ort-dylib.sh)}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings
# The API contract: proto lint and no breaking change against the released
# snapshot; every client's generated code fresh.
bash scripts/proto-check.sh
bash scripts/gen-clients.sh --check
# The deployment (deploy/): the Dockerfile linted, every Kubernetes
# manifest and Helm rendering validated, every alert rule and dashboard
# query checked by promtool and the alerts' unit tests run.
tools/.venv/bin/hadolint deploy/Dockerfile
bash scripts/check-deploy.sh
bash scripts/check-monitoring.sh

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# The property tests (tests/fuzz_*.rs, tests/cron.rs) run a fixed number of
# cases each, chosen to add well under two minutes; PROPTEST_CASES=N, when
# set, runs N cases of every one of them instead.
# A hung test fails the run instead of eating CI's whole budget.
timeout 3000 cargo test --all-targets --locked 2>&1 | tee "$log"
# Every language's client against a live server (the binary cargo test built).
timeout 900 bash scripts/test-clients.sh
# The dashboard: type-check, lint, unit tests, ui/dist fresh, then chromium
# against servers from that binary; screenshots in $UI_ARTIFACTS
# (default ui/test-results/).
timeout 900 bash scripts/test-ui.sh
# The REST gateway against its OpenAPI document, fuzzed for 90 seconds.
timeout 600 bash scripts/test-contract.sh 90
# One closing line for the whole run (the benchmarks, run once each in test
# mode, print last and have no tally of their own).
awk '/^test result:/ { p += $4; f += $6 } END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
