# Sourced by test.sh (and usable by hand: `source env.sh`): builds this
# module offline in GOPATH mode against Debian's Go sources in
# /usr/share/gocode. A private GOPATH holds one symlink,
# src/orchestrator.local/clients/go -> this folder, and the shell moves
# into it so that `go vet ./...` and `go test ./...` resolve the import path.
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
gopath="${ORCHESTRATOR_GOPATH:-${XDG_CACHE_HOME:-$HOME/.cache}/orchestrator/gopath}"
mkdir -p "$gopath/src/orchestrator.local/clients"
ln -sfn "$here" "$gopath/src/orchestrator.local/clients/go"
export GO111MODULE=off GOFLAGS= GOPROXY=off
export GOPATH="$gopath:/usr/share/gocode"
cd "$gopath/src/orchestrator.local/clients/go"
