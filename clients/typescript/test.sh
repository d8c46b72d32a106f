#!/usr/bin/env bash
# Type-checks (tsc --strict) and lints (ESLint, typescript-eslint strict)
# the client, then runs its tests (node --test) against the server at
# $ORCHESTRATOR_GRPC (scripts/test-clients.sh typescript starts one).
set -euo pipefail
cd "$(dirname "$0")"
bash setup.sh
# One tsc run both type-checks everything tsconfig.json covers (strict)
# and emits it to build/ for node --test.
rm -rf build
npx --no-install tsc -p tsconfig.test.json
npx --no-install eslint --max-warnings 0 .
node --test --test-reporter=spec build/test/*.test.js
