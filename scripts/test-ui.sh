#!/usr/bin/env bash
# The dashboard's checks and browser tests (ui/test.sh): type-check, lint,
# unit tests, the committed ui/dist against a fresh build, then chromium
# against servers started from the debug binary
# (${ORCHESTRATOR_BIN:-${CARGO_TARGET_DIR:-~/.cache/orchestrator/target}/debug/orchestrator}).
# Screenshots: ${UI_ARTIFACTS:-ui/test-results}/; UPDATE_SCREENSHOTS=1 also
# copies them to docs/screenshots/. Arguments go on to ui/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
export UI_ARTIFACTS="${UI_ARTIFACTS:-ui/test-results}"
exec bash ui/test.sh "$@"
