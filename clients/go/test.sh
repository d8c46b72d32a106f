#!/usr/bin/env bash
# Lint (gofmt, go vet, staticcheck) and the tests against $ORCHESTRATOR_GRPC, offline in
# GOPATH mode against Debian's Go packages (see env.sh and README.md).
set -euo pipefail
cd "$(dirname "$0")"
source ./env.sh
[ -f /usr/share/gocode/src/github.com/golang/protobuf/proto/registry.go ] || {
  echo "go client: github.com/golang/protobuf is not 1.5 (bash setup.sh)" >&2; exit 1; }
unformatted=$(gofmt -l .)
[ -z "$unformatted" ] || { echo "gofmt: $unformatted" >&2; exit 1; }
go vet ./...
go-staticcheck ./...
go test -count=1 -timeout 90s -v ./... 2>&1 | grep -v '^=== RUN'
