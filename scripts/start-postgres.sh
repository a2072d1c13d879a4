#!/usr/bin/env bash
# Start a throw-away PostgreSQL server on 127.0.0.1 for the tests (CI or a developer).
# Usage: eval "$(scripts/start-postgres.sh [PORT])"   prints the exports to use;
#        scripts/stop-postgres.sh stops it. Needs Debian's postgresql package; run as root
#        (the server itself runs as the postgres user).
set -euo pipefail
port="${1:-54329}"
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$pgbin" ]; then
  echo "PostgreSQL is not installed (apt-get install -y postgresql)" >&2
  exit 1
fi
dir=/tmp/procure-postgres-$port
if [ -f "$dir/data/postmaster.pid" ]; then
  runuser -u postgres -- "$pgbin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
fi
rm -rf "$dir"
mkdir -p "$dir"
chown postgres:postgres "$dir"
runuser -u postgres -- "$pgbin/initdb" -D "$dir/data" -U postgres --auth=trust >/dev/null
runuser -u postgres -- "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off" -w start >/dev/null
echo "export PROCURE_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
echo "export PROCURE_TEST_POSTGRES_DIR=$dir"
