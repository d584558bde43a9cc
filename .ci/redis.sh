#!/usr/bin/env bash
# Start a throw-away Redis server (Debian's redis-server, installed if missing) and export
# SVETOFOR_TEST_REDIS_URL for the topology tests. Source it after postgres.sh; it stops the
# server on exit, beside whatever the EXIT trap already does.
set -euo pipefail

if ! command -v redis-server >/dev/null 2>&1; then
  echo "installing Redis from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq redis-server >/dev/null
fi

REDIS_ROOT="$(mktemp -d /tmp/svetofor-redis.XXXXXX)"
REDIS_PORT="${SVETOFOR_TEST_REDIS_PORT:-$(( 60000 + RANDOM % 5000 ))}"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$REDIS_ROOT" --save "" \
  --appendonly no --daemonize yes --pidfile "$REDIS_ROOT/redis.pid" \
  --logfile "$REDIS_ROOT/redis.log"
for _ in $(seq 1 50); do
  redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
  sleep 0.1
done
stop_redis() { redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true; }
previous_exit_trap="$(trap -p EXIT | sed -E "s/^trap -- '(.*)' EXIT$/\1/")"
trap "stop_redis; ${previous_exit_trap}" EXIT
export SVETOFOR_TEST_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
echo "Redis $(redis-server --version | awk '{print $3}' | cut -d= -f2) on port $REDIS_PORT for the tests"
