#!/usr/bin/env bash
# The dashboard's checks: type-check (tsc, strict), lint (typescript-eslint
# strict), unit tests (vitest), the committed build is what the sources
# build to, then the browser tests (chromium through playwright-core,
# against servers started from the debug binary).
#   ui/test.sh               everything
#   ui/test.sh --check       only: rebuild and fail if ui/dist differs
#   ui/test.sh --no-browser  all but the browser tests
# Screenshots go to $UI_ARTIFACTS (default ui/test-results/), and to
# docs/screenshots/ too with UPDATE_SCREENSHOTS=1.
set -euo pipefail
cd "$(dirname "$0")"
mode=${1:-all}
case "$mode" in all|--check|--no-browser) ;; *) echo "usage: ui/test.sh [--check|--no-browser]" >&2; exit 2;; esac
bash setup.sh

check_dist() {
  local out
  out=$(mktemp -d)
  npx --no-install vite build --logLevel warn --outDir "$out/dist" --emptyOutDir
  if ! diff -r "$out/dist" dist >/dev/null 2>&1; then
    echo "ui/dist is not what the sources build to: run 'npm run build' in ui/ and commit ui/dist" >&2
    diff -r "$out/dist" dist | head -20 >&2 || true
    rm -rf "$out"
    return 1
  fi
  rm -rf "$out"
  echo "ui/dist matches the sources"
}

if [ "$mode" = --check ]; then check_dist; exit; fi

npx --no-install tsc -p tsconfig.json
npx --no-install eslint --max-warnings 0 .
npx --no-install vitest run --config vitest.config.ts
check_dist
[ "$mode" = --no-browser ] && exit 0

chromium_path=${CHROMIUM_PATH:-/usr/bin/chromium}
[ -x "$chromium_path" ] || { echo "ui/test: no chromium at $chromium_path (apt-get install chromium)" >&2; exit 1; }
npx --no-install vitest run --config vitest.browser.config.ts
