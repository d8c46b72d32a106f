#!/usr/bin/env bash
# Regenerates src/generated/java (messages + gRPC stubs) from ../../proto.
# Deterministic: same tools, same output (no timestamps, no absolute paths).
# Tools (Debian bookworm, see setup.sh): protoc 3.21.12 --java_out and
# grpc_java_plugin 1.41.3 (package protobuf-compiler-grpc-java-plugin).
# google/api/{http,annotations}.proto are not generated: their classes
# (com.google.api) come from com.google.api.grpc:proto-google-common-protos,
# which grpc-protobuf already depends on.
set -euo pipefail
cd "$(dirname "$0")"
out=src/generated/java
rm -rf "$out"
mkdir -p "$out"
mapfile -t files < <(cd ../../proto && ls orchestrator/v1/*.proto | LC_ALL=C sort)
(cd ../../proto && protoc -I . -I /usr/include \
  --java_out="../clients/java/$out" \
  --plugin=protoc-gen-grpc-java=/usr/bin/grpc_java_plugin \
  --grpc-java_out="../clients/java/$out" \
  "${files[@]}")
