#!/usr/bin/env bash
# Tests the REST gateway against its own contract: schemathesis reads the
# OpenAPI document a live server serves (/v1/openapi.json) and sends it
# generated requests, valid and invalid, for a bounded time. It fails on any
# 5xx, on any answer whose status, content type, headers or body the
# document does not allow, on invalid input accepted, on a guarded route
# answering without a valid token, and on the other checks schemathesis has
# (tools/schemathesis.toml names the two left out, and why).
#   scripts/test-contract.sh [SECONDS]     (default 120; CI passes its own)
# The server is scripts/live-server.sh's, with JWT access control on, so
# that schemathesis also checks every guarded operation refuses a missing or
# bad token (ignored_auth); its own requests carry a token with every
# permission. A few definitions are stored first so that the document's
# examples reach real resources. The JUnit report goes to
# $CONTRACT_REPORT_DIR when set.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-120}"
st=tools/.venv/bin/st
[ -x "$st" ] || { echo "test-contract: no schemathesis at $st (run scripts/setup.sh)" >&2; exit 1; }

secret_dir=$(mktemp -d)
head -c 48 /dev/urandom >"$secret_dir/secret"
# shellcheck source=scripts/live-server.sh
source scripts/live-server.sh
live_server_start --auth-jwt-secret-file "$secret_dir/secret"
token=$("$LIVE_SERVER_BIN" token --secret-file "$secret_dir/secret" --sub contract-test --ttl 1h \
  --permissions workflows:read,workflows:write,workflows:run,workflows:cancel,schedules:admin,events:publish,approvals:decide,admin)
rm -rf "$secret_dir"

# What the document's examples name: the diamond workflow, one run of it, a
# schedule and a trigger.
post() {
  curl -sf -X POST "$ORCHESTRATOR_HTTP$1" -H "Authorization: Bearer $token" -H "Content-Type: $2" \
    --data-binary "$3" >/dev/null
}
post /v1/workflows application/yaml @examples/diamond.yaml
post /v1/run application/json '{"workflow": "diamond"}'
post /v1/schedules application/json \
  '{"id": "nightly", "workflow_name": "diamond", "cron_expr": "0 3 * * *", "enabled": false}'
post /v1/triggers application/json \
  '{"id": "on-alert", "workflow_name": "diamond", "event_type": "alert", "enabled": false}'

report_dir="${CONTRACT_REPORT_DIR:-$live_server_work/report}"
status=0
# The server-wide feed never ends, so it cannot be answered within a
# request; tests/feed.rs covers it.
"$st" --config-file tools/schemathesis.toml run "$ORCHESTRATOR_HTTP/v1/openapi.json" \
  --header "Authorization: Bearer $token" \
  --exclude-path /v1/executions/stream \
  --max-time "$seconds" \
  --request-timeout 20 \
  --generation-database none \
  --no-color \
  --report junit --report-dir "$report_dir" || status=$?
if [ "$status" -ne 0 ]; then
  echo "test-contract: FAILED (server log tail below)" >&2
  tail -n 30 "$LIVE_SERVER_LOG" >&2
  exit "$status"
fi
echo "test-contract: schemathesis found no failure in ${seconds}s" >&2
