#!/usr/bin/env bash
# bench_echo.sh - what an idle TCP connection costs an echo server, in bytes of RSS.
#
#   tools/bench_echo.sh [--server 'COMMAND {port}'] [--conns N] [--port P]
#
# Starts the server (default: build/release/examples/weft-echo --port {port}), opens N
# (default 10,000) idle loopback connections to it with bench/idle_connections.cc, and
# prints the server's RSS growth per connection: first with the connections never used,
# then after one 1-byte echo on each. Only the processes this script starts are signalled,
# by PID; the client exits on its own after 120 s at most.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SERVER="$ROOT/build/release/examples/weft-echo --port {port}"
CONNS=10000
PORT=19800
while [[ $# -gt 0 ]]; do
  case $1 in
    --server) SERVER=$2; shift 2 ;;
    --conns) CONNS=$2; shift 2 ;;
    --port) PORT=$2; shift 2 ;;
    *) echo "usage: $0 [--server 'COMMAND {port}'] [--conns N] [--port P]" >&2; exit 2 ;;
  esac
done
if ((CONNS < 1 || CONNS > 50000)); then echo "--conns must be in 1..50000" >&2; exit 2; fi

ulimit -n "$(ulimit -Hn)" # the server and the client each need N descriptors
if (($(ulimit -n) < CONNS + 100)); then
  echo "the hard limit on descriptors ($(ulimit -Hn)) is too low for $CONNS connections" >&2
  exit 1
fi

WORK=$(mktemp -d)
CLIENT=$WORK/idle_connections
c++ -O2 -std=c++20 -Wall -Wextra -o "$CLIENT" "$ROOT/bench/idle_connections.cc"

SPID="" CPID=""
cleanup() {
  [[ -n $CPID ]] && kill "$CPID" 2>/dev/null || true
  [[ -n $SPID ]] && kill "$SPID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

listening() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }
if listening "$PORT"; then echo "port $PORT is taken" >&2; exit 1; fi
bash -c "exec ${SERVER//\{port\}/$PORT}" >"$WORK/server.log" 2>&1 &
SPID=$!
for _ in $(seq 100); do listening "$PORT" && break; sleep 0.05; done
listening "$PORT" || { echo "the server did not listen on $PORT" >&2; cat "$WORK/server.log" >&2; exit 1; }
sleep 0.2

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$SPID/status"; }
per_conn() { awk -v a="$1" -v b="$2" -v n="$CONNS" 'BEGIN {printf "%.0f", (b - a) * 1024 / n}'; }

before=$(rss_kb)
coproc CL { exec "$CLIENT" 127.0.0.1 "$PORT" "$CONNS" --echo; }
CPID=$CL_PID
read -r -t 120 line <&"${CL[0]}" || { echo "the client did not connect" >&2; exit 1; }
sleep 1 # let the server accept the last ones
fds=$(ls "/proc/$SPID/fd" | wc -l)
idle=$(rss_kb)
echo go >&"${CL[1]}"
read -r -t 120 line <&"${CL[0]}" || { echo "the echo round failed" >&2; exit 1; }
sleep 0.5
used=$(rss_kb)
eval "exec ${CL[1]}>&-" # EOF: the client closes everything and exits
wait "$CPID" 2>/dev/null || true
CPID=""

echo "server: ${SERVER//\{port\}/$PORT}"
echo "connections: $CONNS (server holds $fds descriptors)"
echo "server RSS before: ${before} kB, with $CONNS idle connections: ${idle} kB, after one echo on each: ${used} kB"
echo "bytes per idle connection (never used): $(per_conn "$before" "$idle")"
echo "bytes per idle connection (after one echo): $(per_conn "$before" "$used")"

kill -INT "$SPID"
status=0
wait "$SPID" || status=$?
SPID=""
echo "server exit status after SIGINT: $status"
