#!/usr/bin/env bash
# Checks the Python client: generated code fresh, ruff, mypy --strict, then
# pytest against the server at $ORCHESTRATOR_GRPC (host:port), with the
# package installed (not editable) into .venv as a user would have it.
#   ORCHESTRATOR_GRPC=127.0.0.1:50051 bash test.sh
# scripts/test-clients.sh python starts a server and runs this.
set -euo pipefail
cd "$(dirname "$0")"
: "${ORCHESTRATOR_GRPC:?set ORCHESTRATOR_GRPC to a running server (scripts/test-clients.sh does)}"
bash setup.sh
bin=.venv/bin
bash generate.sh --check
"$bin/ruff" check --quiet .
"$bin/ruff" format --check --quiet .
"$bin/mypy"
"$bin/python" -m pip install -q --no-deps --no-build-isolation --force-reinstall .
"$bin/python" -m pytest -q -p no:cacheprovider
