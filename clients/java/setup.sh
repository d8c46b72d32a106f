#!/usr/bin/env bash
# Installs what generate.sh and test.sh need, all from Debian bookworm:
# Maven Central is not reachable here, so Maven runs offline against
# Debian's repository /usr/share/maven-repo, which these packages fill.
# Idempotent; a no-op when the exact versions are already installed.
set -euo pipefail
pkgs=(
  default-jdk-headless=2:1.17-74
  maven=3.8.7-1
  protobuf-compiler=3.21.12-3+deb12u1
  protobuf-compiler-grpc-java-plugin=1.41.3+ds-1
  libgrpc-java=1.41.3+ds-1
  libprotobuf-java=3.21.12-3+deb12u1
  libnetty-java=1:4.1.48-7+deb12u2
  libperfmark-java=0.21.0+ds-3
  libguava-java=31.1-1
  liberror-prone-java=2.18.0-1
  # javax.annotation.Generated (the gRPC stubs use it; Java 17 lacks it)
  libgeronimo-annotation-1.3-spec-java=1.3-1
  # Dependencies the grpc-protobuf pom names but libgrpc-java does not pull in
  libgoogle-common-protos-java=1.16.0+ds-2
  libgoogle-gson-java=2.10-1
  libanimal-sniffer-java=1.16-1
  # Tests and the Maven plugins the pom pins
  junit4=4.13.2-3
  libhamcrest-java=2.2-1
  libmaven-compiler-plugin-java=3.10.1-2
  libmaven-resources-plugin-java=3.3.0-1
  libmaven-jar-plugin-java=3.3.0-2
  libsurefire-java=2.22.3-2
  libbuild-helper-maven-plugin-java=3.3.0-1
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
