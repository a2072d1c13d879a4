#!/usr/bin/env bash
# Start a throw-away Redis server on 127.0.0.1 (Celery's broker for the tests and the load test).
# Usage: eval "$(scripts/start-redis.sh [PORT])"   prints the exports to use;
#        scripts/stop-redis.sh [PORT] stops it. Needs Debian's redis-server package.
set -euo pipefail
port="${1:-63790}"
if ! command -v redis-server >/dev/null 2>&1; then
  echo "Redis is not installed (apt-get install -y redis-server)" >&2
  exit 1
fi
dir=/tmp/procure-redis-$port
redis-cli -h 127.0.0.1 -p "$port" shutdown nosave >/dev/null 2>&1 || true
rm -rf "$dir"
mkdir -p "$dir"
redis-server --bind 127.0.0.1 --port "$port" --daemonize yes --save '' --appendonly no \
  --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null
for _ in $(seq 50); do
  redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1 && break
  sleep 0.1
done
redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null
echo "export PROCURE_TEST_REDIS_URL=redis://127.0.0.1:$port/0"
echo "export PROCURE_TEST_REDIS_PORT=$port"
