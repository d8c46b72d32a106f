#!/usr/bin/env bash
# Builds deploy/Dockerfile into an image on this machine, with no registry
# and no Docker engine, then runs it and checks it: /healthz answers, the
# health check passes, and a workflow runs inside the container.
#
#   bash scripts/image.sh        (as root; takes minutes: run by hand, not in CI)
#
# How: the release binary and ONNX Runtime come from the host (the shared
# cargo target, the onnxruntime wheel setup.sh installed) through the
# Dockerfile's `prebuilt` stage; the Debian base the runtime stage starts
# FROM is made by debootstrap from Debian's packages and imported with
# podman under the name the Dockerfile asks for; `buildah bud` builds the
# Dockerfile as it is (its apt-get installs run against Debian's mirror), and
# `buildah run` starts the image (podman run needs cgroups this machine's
# sandbox lacks).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/orchestrator/target}"
cache="$HOME/.cache/orchestrator/image"
image=localhost/orchestrator:dev
base=docker.io/library/debian:bookworm-slim
step() { printf '\n== %s\n' "$*"; }

step "tools (Debian: debootstrap, buildah, podman)"
need=()
for pkg in debootstrap buildah podman; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
buildah --version

step "release binary"
cargo build --release --locked --bin orchestrator
mkdir -p deploy/prebuilt
cp "$CARGO_TARGET_DIR/release/orchestrator" deploy/prebuilt/orchestrator
ort=$(bash scripts/ort-dylib.sh)
cp "$ort" deploy/prebuilt/libonnxruntime.so.1.24.4
ls -l deploy/prebuilt

step "Debian base ($base) from debootstrap"
if ! podman image exists "$base"; then
  mkdir -p "$cache"
  if [ ! -s "$cache/bookworm.tar" ]; then
    rm -rf "$cache/rootfs"
    debootstrap --variant=minbase bookworm "$cache/rootfs" http://deb.debian.org/debian >/dev/null
    # The suites debian:bookworm-slim reads: the point-release updates and
    # the security archive besides bookworm itself.
    cat >"$cache/rootfs/etc/apt/sources.list" <<'SOURCES'
deb http://deb.debian.org/debian bookworm main
deb http://deb.debian.org/debian bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
SOURCES
    rm -rf "$cache/rootfs/var/lib/apt/lists/"* "$cache/rootfs/var/cache/apt/archives/"*.deb
    tar -C "$cache/rootfs" -cf "$cache/bookworm.tar" .
    rm -rf "$cache/rootfs"
  fi
  podman import "$cache/bookworm.tar" "$base" >/dev/null
fi
podman image ls "$base"

step "buildah bud -f deploy/Dockerfile"
started=$(date +%s)
buildah bud --isolation chroot --pull-never --layers=false \
  --build-arg FROM_BINARY=prebuilt --build-arg FROM_ORT=prebuilt \
  -f deploy/Dockerfile -t "$image" . >"$cache/build.log" 2>&1 \
  || { tail -40 "$cache/build.log"; exit 1; }
echo "built $image in $(($(date +%s) - started)) s"
podman image ls "$image"
buildah inspect --format '{{.OCIv1.Config.User}} {{.OCIv1.Config.Entrypoint}} {{.OCIv1.Config.Cmd}}' "$image"

step "run it"
ctr=$(buildah from --pull-never "$image")
cleanup() { kill "${server:-0}" 2>/dev/null || true; buildah rm "$ctr" >/dev/null 2>&1 || true; }
trap cleanup EXIT
# The image's own entrypoint, user and environment, on free loopback
# ports; buildah run shares the host's network. No auth on loopback.
port=$((20000 + RANDOM % 20000))
buildah run --isolation chroot --user 10001 "$ctr" -- \
  orchestrator serve --grpc-addr "127.0.0.1:$((port + 1))" --http-addr "127.0.0.1:$port" \
  >"$cache/serve.log" 2>&1 &
server=$!
for _ in $(seq 100); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
echo "GET /healthz: $(curl -fsS "http://127.0.0.1:$port/healthz")"
# The image's HEALTHCHECK command, run inside the container.
buildah run --isolation chroot --user 10001 "$ctr" -- \
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/healthz', timeout=2)" \
  && echo "HEALTHCHECK command: ok"
curl -fsS -H 'Content-Type: application/yaml' --data-binary @examples/diamond.yaml \
  "http://127.0.0.1:$port/v1/workflows" >/dev/null
run=$(curl -fsS -H 'Content-Type: application/json' -d '{"workflow": "diamond"}' "http://127.0.0.1:$port/v1/run")
echo "POST /v1/run: $run"
echo "$run" | grep -q '"status":"completed"' || { echo "the run did not complete"; cat "$cache/serve.log"; exit 1; }
# A python task needs the image's interpreter (PYTHON_PATH=/usr/bin/python3).
curl -fsS -H 'Content-Type: application/json' \
  -d '{"name": "py", "tasks": [{"id": "p", "type": "python", "script": "result = {\"sum\": 1 + 2}"}]}' \
  "http://127.0.0.1:$port/v1/workflows" >/dev/null
py=$(curl -fsS -H 'Content-Type: application/json' -d '{"workflow": "py"}' "http://127.0.0.1:$port/v1/run")
echo "POST /v1/run (python): $py"
echo "$py" | grep -q '"sum":3' || { echo "the python task did not run"; cat "$cache/serve.log"; exit 1; }
buildah run --isolation chroot "$ctr" -- ls -l /var/lib/orchestrator/data | head -3
echo
echo "image: $image ($(podman image inspect --format '{{.Size}}' "$image") bytes)"
