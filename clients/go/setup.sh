#!/usr/bin/env bash
# Installs what generate.sh and test.sh need, from Debian bookworm (the Go
# module proxy is not reachable here, so Debian's Go sources in
# /usr/share/gocode are the dependencies). Idempotent; a no-op when the
# exact versions are already installed.
set -euo pipefail
pkgs=(
  golang-go=2:1.19~1
  go-staticcheck=2023.1-1+b3
  protobuf-compiler=3.21.12-3+deb12u1
  libprotobuf-dev=3.21.12-3+deb12u1
  protoc-gen-go=1.28.1-3+b2
  protoc-gen-go-grpc=1.33.3-2+b4
  golang-google-grpc-dev=1.33.3-2
  golang-google-protobuf-dev=1.28.1-3
  golang-google-genproto-dev=0.0~git20200413.b5235f6-3
  # github.com/golang/protobuf 1.5 (a shim over google.golang.org/protobuf);
  # the 1.3 package would take its place and crash grpc on the first message.
  golang-github-golang-protobuf-1-5-dev=1.5.2-3
)
missing=()
for p in "${pkgs[@]}"; do
  have=$(dpkg-query -W -f='${Status} ${Version}' "${p%%=*}" 2>/dev/null || true)
  [ "$have" = "install ok installed ${p#*=}" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
