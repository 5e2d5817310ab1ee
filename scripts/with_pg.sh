#!/usr/bin/env bash
# scripts/with_pg.sh COMMAND [ARGS...]: runs COMMAND with $DATABASE_URL set.
#
# When $DATABASE_URL is already set, it just runs COMMAND. Otherwise it boots
# a throwaway cluster (scripts/pg.sh), creates an empty database
# "pgevents_example", exports DATABASE_URL (a postgres:// URL on the unix
# socket) and the PG* variables, runs COMMAND, then tears the cluster down,
# also when COMMAND fails or is interrupted. Exits with COMMAND's status.
set -euo pipefail
if [ $# -eq 0 ]; then
  echo "usage: scripts/with_pg.sh COMMAND [ARGS...]" >&2
  exit 2
fi
if [ -n "${DATABASE_URL:-}" ]; then
  exec "$@"
fi

repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/pgevwp.XXXXXX)
chmod 755 "$work" # the postgres OS user must reach the cluster directory inside
trap '"$repo/scripts/pg.sh" down "$work/pg"; rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

pgenv=$("$repo/scripts/pg.sh" up "$work/pg") # a failure here stops the script (set -e)
eval "$pgenv"
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c 'CREATE DATABASE pgevents_example'
export PGDATABASE=pgevents_example
export DATABASE_URL="postgres://$PGUSER@/pgevents_example?host=$PGHOST&port=$PGPORT&sslmode=disable"

rc=0
"$@" || rc=$?
exit "$rc"
