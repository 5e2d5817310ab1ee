#!/usr/bin/env bash
# bench/batch/stress.sh [-clients N] [-duration SECONDS]
#
# A contention smoke test of the batch append (not a benchmark): pgbench
# clients run, mixed, batches of 4 items on 20 streams of one category
# (stream scope, category scope, conditions, the same stream twice) and
# single appends under scope category, then checks that no call failed, no
# deadlock was reported, every stream's positions are gapless and its
# transaction ids never decrease along its positions. Boots a throwaway
# cluster (scripts/pg.sh, fsync off). Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/../.."
clients=12 duration=15
while [ $# -gt 0 ]; do
  case $1 in
  -clients) clients=$2; shift 2 ;;
  -duration) duration=$2; shift 2 ;;
  *) echo "usage: bench/batch/stress.sh [-clients N] [-duration SECONDS]" >&2; exit 2 ;;
  esac
done
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
dir=$(mktemp -d "${TMPDIR:-/tmp}/pgevents-stress.XXXXXX")
chmod 755 "$dir"
trap 'scripts/pg.sh down "$dir/pg"; rm -rf "$dir"' EXIT
go build -o "$dir/pgevents" ./cmd/pgevents
eval "$(scripts/pg.sh up "$dir/pg")"
export PGDATABASE=postgres
"$dir/pgevents" migrate up --database-url "postgres://$PGUSER@/postgres?host=$PGHOST&port=$PGPORT&sslmode=disable" >/dev/null
out=$("$PGBIN/pgbench" -n -c "$clients" -j "$clients" -T "$duration" \
  -f bench/batch/stress_batch.sql -f bench/batch/stress_single.sql 2>&1) || { echo "$out" >&2; exit 1; }
echo "$out" | grep -E "processed|failed"
if echo "$out" | grep -qiE "error|aborted"; then echo "$out" >&2; exit 1; fi
if grep -qi deadlock "$dir/pg/server.log"; then echo "stress: deadlock reported" >&2; exit 1; fi
ok=$(psql -X -Atc "SELECT bool_and(gapless AND ordered) FROM (
  SELECT max(position) = count(*) - 1 AS gapless, bool_and(tx_ok) AS ordered
    FROM (SELECT stream, position,
                 (transaction_id >= lag(transaction_id) OVER w AND sequence_number > lag(sequence_number) OVER w) IS NOT FALSE AS tx_ok
            FROM pgevents.events WHERE category = 'stress'
          WINDOW w AS (PARTITION BY stream ORDER BY position)) x
   GROUP BY stream) y")
psql -X -c "SELECT count(DISTINCT stream) AS streams, count(*) AS events FROM pgevents.events WHERE category = 'stress'"
[ "$ok" = t ] || { echo "stress: a stream has a gap or goes back in transaction order" >&2; exit 1; }
echo "stress: OK"
