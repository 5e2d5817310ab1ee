#!/usr/bin/env bash
# scripts/sqltest.sh [test/sql/<file>_test.sql ...]
#
# The SQL test suite: boots a throwaway cluster (scripts/pg.sh), creates a
# database, migrates it exactly as production does (`pgevents migrate up`),
# runs the plpgsql_check sweep (scripts/plpgsql_check_all.sql), then pg_prove
# over test/sql/*_test.sql (or the files given). Exits non-zero on any failure.
#
# Fallbacks, each announced loudly and refused when CI=true:
#   - the CLI does not build: the schema is applied with psql
#     (sql/schema/*.sql, then sql/functions/*.sql, in lexical order);
#   - scripts/plpgsql_check_all.sql does not exist: the sweep is skipped.
#
# Test files are independent: each runs its assertions inside BEGIN/ROLLBACK.
# A few scenarios need committed data or a second session (the snapshot fence,
# transaction id inversion); they use dblink, write to categories named after
# their file, and delete them again (see the header of those files).
# Environment: PGBIN (PostgreSQL bin dir, see pg.sh), CI, SQLTEST_KEEP=1 keeps
# the cluster directory for inspection (it is printed).
set -euo pipefail
cd "$(dirname "$0")/.."

loud() { printf '\n!!!!!!!! sqltest: %s\n\n' "$*" >&2; }
ci() { [ "${CI:-}" = true ]; }

db=pgevents_sqltest
dir=$(mktemp -d /tmp/sqltest.XXXXXX) # short: the socket path must stay < 107 bytes
work=$(mktemp -d)
cleanup() {
  if [ "${SQLTEST_KEEP:-}" = 1 ]; then
    echo "sqltest: kept cluster in $dir (stop: scripts/pg.sh down $dir)" >&2
  else
    scripts/pg.sh down "$dir"
  fi
  rm -rf "$work"
}
trap cleanup EXIT

eval "$(scripts/pg.sh up "$dir")"
# The snapshot fence is cluster-wide: an autovacuum ANALYZE holds a transaction
# id while it runs and could hold back the fence tests' committed events.
psql -X -q -d postgres -c 'ALTER SYSTEM SET autovacuum = off' -c 'SELECT pg_reload_conf()' >/dev/null
export PGDATABASE=$db PGOPTIONS='-c client_min_messages=warning'
createdb "$db"
url="postgres://$PGUSER@/$db?host=$PGHOST&port=$PGPORT&sslmode=disable"

# 1. Schema, the production way.
if [ -f cmd/pgevents/main.go ] && go build -o "$work/pgevents" ./cmd/pgevents 2>"$work/build.log"; then
  echo "sqltest: pgevents migrate up"
  "$work/pgevents" migrate up --database-url "$url"
else
  [ -s "$work/build.log" ] && cat "$work/build.log" >&2
  if ci; then
    loud "FAIL: the pgevents CLI (cmd/pgevents) does not build; CI must migrate the production way"
    exit 1
  fi
  loud "the pgevents CLI does not build: FALLING BACK to psql of sql/schema/*.sql then sql/functions/*.sql"
  for f in sql/schema/*.sql sql/functions/*.sql; do
    psql -X -q -v ON_ERROR_STOP=1 -f "$f" >/dev/null
  done
fi

# 2. Static check of every PL/pgSQL body.
if [ -f scripts/plpgsql_check_all.sql ]; then
  echo "sqltest: plpgsql_check sweep"
  psql -X -q -v ON_ERROR_STOP=1 -f scripts/plpgsql_check_all.sql
elif ci; then
  loud "FAIL: scripts/plpgsql_check_all.sql is missing"
  exit 1
else
  loud "scripts/plpgsql_check_all.sql does not exist yet: SKIPPING the plpgsql_check sweep"
fi

# 3. pgTAP, and dblink for the tests that need a second session.
psql -X -q -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION IF NOT EXISTS pgtap' -c 'CREATE EXTENSION IF NOT EXISTS dblink'

# 4. The tests.
if [ $# -eq 0 ]; then set -- test/sql/*_test.sql; fi
pg_prove --failures "$@"
