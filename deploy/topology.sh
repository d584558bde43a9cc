#!/usr/bin/env bash
# Start (or stop) the scale-out topology on one machine: N API replicas, M workers and one
# beat, against the PostgreSQL and Redis the environment names. The topology test uses this
# script; docs/scale-out.md shows the same processes spread over machines.
#
#   SVETOFOR_DATABASE_URL=postgresql+psycopg://… SVETOFOR_BROKER_URL=redis://… \
#     deploy/topology.sh start var/topology      # then: deploy/topology.sh stop var/topology
#
# Settings (environment): TOPOLOGY_API_PORTS (default "8101 8102"), TOPOLOGY_WORKERS (2),
# TOPOLOGY_CONCURRENCY (2 per worker), SVETOFOR_BIN (default .venv/bin/svetofor).
# Every process runs in its own session (setsid), so `kill -- -PID` stops it with its
# children; DIR/pids/NAME.pid holds that PID and DIR/logs/NAME.log its output.
set -euo pipefail
cd "$(dirname "$0")/.."

command="${1:-}"
dir="${2:-var/topology}"
bin="${SVETOFOR_BIN:-.venv/bin/svetofor}"

start_one() {  # name, then the command
  local name="$1"; shift
  setsid "$@" >"$dir/logs/$name.log" 2>&1 < /dev/null &
  echo $! >"$dir/pids/$name.pid"
}

wait_for_api() {  # port: up to 60 s for /healthz
  for _ in $(seq 1 120); do
    if "$(dirname "$bin")/python" -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$1/healthz', timeout=2)" 2>/dev/null; then return 0; fi
    sleep 0.5
  done
  echo "API on port $1 did not answer in 60 s; see $dir/logs" >&2
  return 1
}

case "$command" in
  start)
    : "${SVETOFOR_DATABASE_URL:?set SVETOFOR_DATABASE_URL (PostgreSQL)}"
    : "${SVETOFOR_BROKER_URL:?set SVETOFOR_BROKER_URL (redis://…)}"
    mkdir -p "$dir/pids" "$dir/logs"
    "$bin" init >"$dir/logs/init.log" 2>&1 || { cat "$dir/logs/init.log" >&2; exit 1; }
    for port in ${TOPOLOGY_API_PORTS:-8101 8102}; do
      start_one "api-$port" "$bin" serve --host 127.0.0.1 --port "$port"
    done
    for i in $(seq 1 "${TOPOLOGY_WORKERS:-2}"); do
      start_one "worker-$i" "$bin" worker --concurrency "${TOPOLOGY_CONCURRENCY:-2}" \
        --name "worker-$i@%h"
    done
    start_one beat "$bin" beat
    for port in ${TOPOLOGY_API_PORTS:-8101 8102}; do wait_for_api "$port"; done
    echo "topology up: APIs on ${TOPOLOGY_API_PORTS:-8101 8102}, ${TOPOLOGY_WORKERS:-2} workers, beat; logs in $dir/logs"
    ;;
  stop)
    for pidfile in "$dir"/pids/*.pid; do
      [ -e "$pidfile" ] || continue
      kill -TERM -- "-$(cat "$pidfile")" 2>/dev/null || true
    done
    sleep 1
    for pidfile in "$dir"/pids/*.pid; do
      [ -e "$pidfile" ] || continue
      kill -KILL -- "-$(cat "$pidfile")" 2>/dev/null || true
      rm -f "$pidfile"
    done
    ;;
  *)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
