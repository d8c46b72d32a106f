# Sourced by scripts/load.sh and scripts/soak.sh: builds the release binary
# (unless ORCH_BIN names one, for comparing two builds), starts `orchestrator
# serve` on free loopback ports with a fresh RocksDB folder, and stops it on
# exit (and runs the commands in on_exit, if the caller set it). Sets bin,
# work, server, grpc and http; rss_mib prints the server's resident memory.
bin="${ORCH_BIN:-}"
if [ -z "$bin" ]; then
  bash scripts/setup.sh
  export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/orchestrator/target}"
  cargo build --release --quiet --bin orchestrator
  bin="$CARGO_TARGET_DIR/release/orchestrator"
fi
work=$(mktemp -d)
"$bin" serve --grpc-addr 127.0.0.1:0 --http-addr 127.0.0.1:0 --data-dir "$work/data" >"$work/serve.out" 2>"$work/serve.err" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; eval "${on_exit:-}"; rm -rf "$work"' EXIT
for _ in $(seq 100); do grep -q listening "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
grpc=$(grep -o 'grpc=[^ ]*' "$work/serve.out" | cut -d= -f2)
http=$(grep -o 'http=[^ ]*' "$work/serve.out" | cut -d= -f2)
echo "server pid $server, grpc $grpc, http $http, data $work/data"
rss_mib() { awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$server/status"; }
