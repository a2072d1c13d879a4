#!/usr/bin/env bash
# Stop the test PostgreSQL server started by scripts/start-postgres.sh.
set -u
dir="${PROCURE_TEST_POSTGRES_DIR:-/tmp/procure-postgres-54329}"
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$pgbin" ] && [ -d "$dir/data" ] && \
  runuser -u postgres -- "$pgbin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1
rm -rf "$dir"
