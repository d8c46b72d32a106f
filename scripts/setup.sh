#!/usr/bin/env bash
# Installs what building and testing Orchestrator needs on a fresh Debian machine.
# Idempotent: a second run installs nothing and takes about a second.
set -euo pipefail

need_apt=()
# bindgen (librocksdb-sys) needs libclang; the C++ build needs a compiler.
for pkg in libclang-dev clang g++ make pkg-config; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

command -v python3 >/dev/null || { echo "setup: python3 is required (example stub server)" >&2; exit 1; }
command -v cargo >/dev/null || { echo "setup: cargo is required (https://rustup.rs)" >&2; exit 1; }
