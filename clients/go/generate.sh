#!/usr/bin/env bash
# Regenerates orchestratorv1/ (messages + gRPC stubs) from ../../proto.
# Deterministic: same tools, same output (no timestamps, no absolute paths).
# Tools (Debian bookworm, see setup.sh): protoc 3.21.12, protoc-gen-go
# v1.28.1, protoc-gen-go-grpc 1.0 (from grpc-go 1.33.3).
# google/api/annotations.proto maps to Debian's golang-google-genproto-dev
# (google.golang.org/genproto/googleapis/api/annotations), its own go_package,
# so nothing is generated for it here.
set -euo pipefail
cd "$(dirname "$0")"
proto=../../proto
rm -f orchestratorv1/*.pb.go
mkdir -p orchestratorv1
# Sorted file list, relative paths: the output does not depend on the caller.
mapfile -t files < <(cd "$proto" && ls orchestrator/v1/*.proto | LC_ALL=C sort)
(cd "$proto" && protoc -I . -I /usr/include \
  --go_out=../clients/go --go_opt=module=orchestrator.local/clients/go \
  --go-grpc_out=../clients/go --go-grpc_opt=module=orchestrator.local/clients/go \
  "${files[@]}")
gofmt -l orchestratorv1 | (! grep .)
