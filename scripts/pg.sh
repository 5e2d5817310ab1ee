#!/usr/bin/env bash
# scripts/pg.sh up DIR [durable] | down DIR
# Boots (or stops) a throwaway PostgreSQL cluster in DIR on a unix socket only.
# Root-safe: initdb and postgres refuse root, so they run as the `postgres` OS user.
# "up" prints shell exports (PGHOST, PGPORT, PGUSER); eval them.
# With "durable", fsync/synchronous_commit stay on (benchmarks); else they are off (tests).
set -euo pipefail
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
cmd=${1:?usage: pg.sh up DIR [durable] | down DIR}
dir=${2:?usage: pg.sh up DIR [durable] | down DIR}
mode=${3:-fast}
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u "${PG_OS_USER:-postgres}" -- "$@"; else "$@"; fi; }
case $cmd in
up)
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then chown "${PG_OS_USER:-postgres}:" "$dir"; fi
  as_pg "$PGBIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync --no-instructions >"$dir/initdb.log"
  opts="-k $dir -c listen_addresses= -c max_connections=300 -c shared_buffers=256MB"
  if [ "$mode" != durable ]; then opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"; fi
  as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o "$opts" start >/dev/null
  echo "export PGHOST=$dir PGPORT=5432 PGUSER=postgres"
  ;;
down)
  as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
  ;;
*) echo "usage: pg.sh up DIR [durable] | down DIR" >&2; exit 2 ;;
esac
