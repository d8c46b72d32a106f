#!/usr/bin/env bash
# Installs what generate.sh and test.sh need into clients/python/.venv:
# the exact versions in requirements-dev.txt. Idempotent; a no-op (well
# under a second) when the venv already matches requirements-dev.txt.
# Needs Python >= 3.11 as python3 (or $PYTHON).
set -euo pipefail
cd "$(dirname "$0")"
python=${PYTHON:-python3}
venv=.venv
stamp="$venv/.requirements.sha256"
want="$(sha256sum requirements-dev.txt | cut -d' ' -f1) $("$python" -c 'import sys; print(sys.version.split()[0])')"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$venv/bin/python" ]; then
  exit 0
fi

"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
  { echo "setup.sh: Python >= 3.11 needed, $python is older" >&2; exit 1; }
# Debian's python3 needs python3-venv for ensurepip.
if ! "$python" -c 'import ensurepip' 2>/dev/null && command -v apt-get >/dev/null; then
  apt-get install -y -q python3-venv >/dev/null ||
    { apt-get update -q >/dev/null && apt-get install -y -q python3-venv >/dev/null; }
fi
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check -r requirements-dev.txt
echo "$want" >"$stamp"
echo "setup.sh: $venv ready ($("$venv/bin/python" --version))" >&2
