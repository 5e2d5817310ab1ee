#!/usr/bin/env bash
# scripts/schema_check.sh: proves that migrations/ (the versioned goose path)
# and sql/schema/ (the readable current schema) build exactly the same schema.
#
# Two throwaway clusters (scripts/pg.sh), so that roles, which are
# cluster-wide, are created by each path on its own:
#   A <- `pgevents migrate up` (the CLI: goose migrations, then sql/functions)
#   B <- psql of sql/schema/*.sql in order, then sql/functions/*.sql in order,
#        in one transaction
# For each: `pg_dump --schema-only --schema=pgevents`, the installed
# extensions and the pgevents_* roles (with their memberships), normalised
# (pg_dump's header and random \restrict keys removed). They must be equal;
# otherwise the script prints the diff (A = migrations, B = sql/schema) and
# exits 1.
#
# PGEVENTS_BIN: a prebuilt CLI to use (make passes bin/pgevents). By default
# it is built from this tree, so it embeds this tree's migrations.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d /tmp/pgevsc.XXXXXX)
chmod 755 "$work" # the postgres OS user must reach the cluster directories inside
cleanup() {
  scripts/pg.sh down "$work/a"
  scripts/pg.sh down "$work/b"
  rm -rf "$work"
}
trap cleanup EXIT

bin=${PGEVENTS_BIN:-}
if [ -z "$bin" ]; then
  bin="$work/pgevents"
  go build -o "$bin" ./cmd/pgevents
fi

psql=(psql -X -q -v ON_ERROR_STOP=1)
db=schema_check

# describe prints everything compared, for the database $db on the cluster
# whose PG* variables are set.
describe() {
  echo "-- extensions"
  "${psql[@]}" -At -d "$db" -c "SELECT e.extname || ' ' || e.extversion || ' in ' || n.nspname
                                  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace ORDER BY 1"
  echo "-- pgevents roles"
  "${psql[@]}" -At -d "$db" -c "
    SELECT r.rolname || ' super=' || r.rolsuper || ' login=' || r.rolcanlogin || ' inherit=' || r.rolinherit
           || ' createrole=' || r.rolcreaterole || ' createdb=' || r.rolcreatedb || ' bypassrls=' || r.rolbypassrls
           || ' member_of=' || coalesce((SELECT string_agg(g.rolname, ',' ORDER BY g.rolname)
                                          FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                                         WHERE m.member = r.oid), '')
      FROM pg_roles r WHERE r.rolname LIKE 'pgevents%' ORDER BY 1"
  echo "-- pg_dump --schema-only --schema=pgevents"
  pg_dump --schema-only --schema=pgevents -d "$db" |
    sed -E -e '/^-- Dumped (from|by) /d' -e '/^\\(un)?restrict /d' |
    cat -s
}

# A: the migrations, through the CLI.
pgenv=$(scripts/pg.sh up "$work/a") # a failure here stops the script (set -e)
(
  eval "$pgenv"
  "${psql[@]}" -d postgres -c "CREATE DATABASE $db"
  "$bin" migrate up --database-url "host=$PGHOST port=$PGPORT user=$PGUSER dbname=$db" >/dev/null
  describe >"$work/migrations.sql"
)

# B: the readable schema, then the functions, through psql.
pgenv=$(scripts/pg.sh up "$work/b")
(
  eval "$pgenv"
  "${psql[@]}" -d postgres -c "CREATE DATABASE $db"
  files=()
  for f in sql/schema/*.sql sql/functions/*.sql; do files+=(-f "$f"); done
  "${psql[@]}" --single-transaction -d "$db" "${files[@]}" >/dev/null
  describe >"$work/schema.sql"
)

if ! grep -q '^CREATE TABLE pgevents\.' "$work/migrations.sql"; then
  echo "schema-check: FAIL: the migrated database has no pgevents table; nothing was compared" >&2
  exit 1
fi
if ! diff -u --label 'migrations/ (pgevents migrate up)' --label 'sql/schema/ (psql)' \
    "$work/migrations.sql" "$work/schema.sql"; then
  echo "schema-check: FAIL: migrations/ and sql/schema/ build different pgevents schemas (diff above)" >&2
  exit 1
fi
echo "schema-check: OK: migrations/ and sql/schema/ build the same pgevents schema" \
  "($(grep -c '^CREATE' "$work/migrations.sql") CREATE statements, extensions and roles compared)"
