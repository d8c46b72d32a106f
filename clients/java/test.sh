#!/usr/bin/env bash
# Lint (javac -Xlint:all -Werror on everything, generated code included) and
# the JUnit tests against $ORCHESTRATOR_GRPC: Maven offline against Debian's
# repository (see README.md).
set -euo pipefail
cd "$(dirname "$0")"
exec mvn -o -B -ntp -Dmaven.repo.local=/usr/share/maven-repo test
