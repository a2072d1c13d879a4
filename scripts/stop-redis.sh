#!/usr/bin/env bash
# Stop the test Redis server started by scripts/start-redis.sh.
set -u
port="${1:-${PROCURE_TEST_REDIS_PORT:-63790}}"
redis-cli -h 127.0.0.1 -p "$port" shutdown nosave >/dev/null 2>&1
rm -rf "/tmp/procure-redis-$port"
