#!/usr/bin/env bash
# scripts/cli_check.sh: drives the pgevents binary through its migration
# lifecycle against a throwaway cluster, checking every exit code (the CLI job
# of River's CI, for pgevents):
#   status (pending) -> validate (exit 1) -> up -> up again -> validate (0)
#   -> status (applied) -> sql (applied with psql to another empty database)
#   -> read, latest (exit 3 when there is none), stats, tail -f stopped by
#   SIGINT and by SIGTERM (exit 0, prints the resume cursor)
#   -> version -> an unknown command (must fail, exit 2)
# It runs the loop twice: with $DATABASE_URL, then with only the PG* variables
# (and validates once more with --database-url).
#
# PGEVENTS_BIN: a prebuilt CLI to use (make passes bin/pgevents). By default
# it is built from this tree.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d /tmp/pgevcli.XXXXXX)
chmod 755 "$work" # the postgres OS user must reach the cluster directory inside
trap 'scripts/pg.sh down "$work/pg"; rm -rf "$work"' EXIT

bin=${PGEVENTS_BIN:-}
if [ -z "$bin" ]; then
  bin="$work/pgevents"
  go build -o "$bin" ./cmd/pgevents
fi

pgenv=$(scripts/pg.sh up "$work/pg") # a failure here stops the script (set -e)
eval "$pgenv"
psql=(psql -X -q -v ON_ERROR_STOP=1)

steps=0
# expect CODE PATTERN ARGS...: runs the CLI; its exit code must be CODE and
# its output (stdout and stderr) must match the extended regexp PATTERN.
expect() {
  local want=$1 pattern=$2 got=0
  shift 2
  "$bin" "$@" >"$work/out" 2>&1 || got=$?
  if [ "$got" != "$want" ] || ! grep -Eq -- "$pattern" "$work/out"; then
    echo "cli-check: FAIL: pgevents $* exited $got (want $want), output must match /$pattern/:" >&2
    sed 's/^/  | /' "$work/out" >&2
    exit 1
  fi
  steps=$((steps + 1))
  echo "ok: pgevents $* (exit $got)"
}

lifecycle() {
  expect 0 '00001_init\.sql +pending' migrate status
  expect 1 'pending: 00001_init\.sql' migrate validate
  expect 0 'migrated to version [1-9]' migrate up
  expect 0 'schema already at version [1-9]' migrate up
  expect 0 'schema up to date at version [1-9]' migrate validate
  expect 0 'pending: 0$' migrate status
}

for db in cli_env cli_pgvars cli_sql; do "${psql[@]}" -d postgres -c "CREATE DATABASE $db"; done

echo "== with \$DATABASE_URL"
export DATABASE_URL="postgres://$PGUSER@/cli_env?host=$PGHOST&port=$PGPORT"
lifecycle
unset DATABASE_URL
echo "== with the PG* variables only"
export PGDATABASE=cli_pgvars
lifecycle
unset PGDATABASE
echo "== flags, sql, version, unknown command"
expect 0 'up to date' --database-url "host=$PGHOST port=$PGPORT user=$PGUSER dbname=cli_env" migrate validate
expect 0 'CREATE OR REPLACE FUNCTION pgevents\.append\(' migrate sql
"$bin" migrate sql >"$work/schema.sql"
"${psql[@]}" --single-transaction -d cli_sql -f "$work/schema.sql" >/dev/null
n=$("${psql[@]}" -At -d cli_sql -c "SELECT count(*) FROM pg_proc WHERE pronamespace = 'pgevents'::regnamespace")
if [ "$n" -lt 1 ]; then echo "cli-check: FAIL: migrate sql applied with psql installed no function" >&2; exit 1; fi
echo "ok: psql applied the output of pgevents migrate sql ($n functions)"
echo "== read, latest, stats, tail -f stopped by SIGINT and SIGTERM"
export DATABASE_URL="postgres://$PGUSER@/cli_env?host=$PGHOST&port=$PGPORT"
"${psql[@]}" -d cli_env -c "SELECT count(*) FROM pgevents.append('order', 'o-1', '[{\"name\": \"Placed\", \"payload\": {}}]')" >/dev/null
expect 0 'order +o-1 +0 +Placed' read
expect 0 '"name":"Placed"' latest --category order --json
expect 3 'no event' latest --category none
expect 0 'categories +1' stats
# tail -f: the real binary, stopped by a signal, exits 0 with the cursor to resume from.
for sig in INT TERM; do
  "$bin" tail -f --interval 20ms --json >"$work/tail.out" 2>"$work/tail.err" &
  tail_pid=$!
  for _ in $(seq 200); do grep -q following "$work/tail.err" && break; sleep 0.05; done
  "${psql[@]}" -d cli_env -c "SELECT count(*) FROM pgevents.append('order', 'o-2', '[{\"name\": \"Tailed$sig\", \"payload\": {}}]')" >/dev/null
  for _ in $(seq 200); do grep -q "Tailed$sig" "$work/tail.out" && break; sleep 0.05; done
  kill -"$sig" "$tail_pid"
  got=0; wait "$tail_pid" || got=$?
  if [ "$got" != 0 ] || ! grep -q "Tailed$sig" "$work/tail.out" || ! grep -Eq 'resume with --after [0-9]+:[0-9]+' "$work/tail.err"; then
    echo "cli-check: FAIL: tail -f stopped by SIG$sig exited $got (want 0, the event and the resume cursor):" >&2
    sed 's/^/  | /' "$work/tail.out" "$work/tail.err" >&2
    exit 1
  fi
  steps=$((steps + 1))
  echo "ok: pgevents tail -f, then SIG$sig (exit 0, $(grep -Eo 'resume with --after [0-9:]+' "$work/tail.err"))"
done
unset DATABASE_URL
expect 0 '^schema version: [1-9]' version
expect 2 'unknown command "frobnicate"' frobnicate
expect 2 'unknown subcommand "sideways"' migrate sideways
echo "cli-check: OK: $steps CLI steps passed"
