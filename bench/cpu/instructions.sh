#!/usr/bin/env bash
# bench/cpu/instructions.sh [-calls N] [-alt NAME=DIR ...] SCRIPT...
#
# Backend instructions per call, counted by valgrind (callgrind): a
# deterministic measure of how much work a change to sql/functions saves,
# unaffected by the machine's other load (timings on a shared 2-core machine
# vary by ±30% between runs; these counts by ~1%). Boots a throwaway
# cluster (fsync off), loads 100,000 events (pgevents-bench -load-only,
# 10,000 streams of 10), installs each -alt DIR's function files as schema
# NAME (references to the functions DIR defines renamed NAME.<function>;
# tables shared), restarts the postmaster under callgrind
# (--trace-children: every backend is counted), then runs each pgbench
# SCRIPT (one client, prepared statements, -D streams=10000 -D base=... -D
# n=0, as bench/pgbench/*.sql expect) twice, with 20 and 20+N transactions,
# and prints (Ir(20+N) - Ir(20)) / N: the instructions of one call in a warm
# session (connection set-up, plan caching and the first calls cancel out).
# A script may name an alternative's schema, e.g. a copy of
# bench/pgbench/append_1.sql calling NAME.append. Includes the commit but
# not the WAL flush wait (synchronous_commit off). Needs valgrind; about
# 30 s per script at -calls 200.
set -euo pipefail
cd "$(dirname "$0")/../.."
calls=200 alts=()
while [ $# -gt 0 ]; do
  case $1 in
  -calls) calls=$2; shift 2 ;;
  -alt) alts+=("$2"); shift 2 ;;
  -*) echo "usage: bench/cpu/instructions.sh [-calls N] [-alt NAME=DIR ...] SCRIPT..." >&2; exit 2 ;;
  *) break ;;
  esac
done
[ $# -gt 0 ] || { echo "usage: bench/cpu/instructions.sh [-calls N] [-alt NAME=DIR ...] SCRIPT..." >&2; exit 2; }
command -v valgrind >/dev/null || { echo "bench/cpu/instructions.sh needs valgrind" >&2; exit 1; }
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
export PATH=$PGBIN:$PATH
dir=$(mktemp -d "${TMPDIR:-/tmp}/pgevents-instr.XXXXXX")
chmod 755 "$dir"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u "${PG_OS_USER:-postgres}" -- "$@"; else "$@"; fi; }
trap 'as_pg pg_ctl -D "$dir/pg/data" -m immediate -w stop >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
go build -o "$dir/pgevents-bench" ./bench/cmd/pgevents-bench
eval "$(scripts/pg.sh up "$dir/pg")"
export PGDATABASE=postgres
"$dir/pgevents-bench" -load-only -streams 10000 -per-stream 10 2>&1 | sed 's/^/load: /' >&2
for a in "${alts[@]}"; do
  name=${a%%=*} src=${a#*=}
  names=$(grep -ohiP 'CREATE\s+OR\s+REPLACE\s+FUNCTION\s+pgevents\.\K\w+' "$src"/*.sql | sort -u | paste -sd'|')
  psql -X -q -v ON_ERROR_STOP=1 -c "DROP SCHEMA IF EXISTS $name CASCADE; CREATE SCHEMA $name"
  for f in "$src"/*.sql; do sed -E "s/\bpgevents\.($names)\b/$name.\1/g" "$f" | psql -X -q -v ON_ERROR_STOP=1; done
  echo "installed $name: $names" >&2
done
psql -X -q -c "VACUUM ANALYZE"
as_pg pg_ctl -D "$dir/pg/data" -m fast -w stop >/dev/null
mkdir -p "$dir/cg"
if [ "$(id -u)" = 0 ]; then chown "${PG_OS_USER:-postgres}" "$dir/cg"; fi
as_pg valgrind --tool=callgrind --trace-children=yes --callgrind-out-file="$dir/cg/cg.%p" \
  "$PGBIN/postgres" -D "$dir/pg/data" -k "$dir/pg" -c listen_addresses= -c fsync=off -c synchronous_commit=off \
  -c full_page_writes=off -c autovacuum=off -c shared_buffers=128MB >"$dir/valgrind.log" 2>&1 &
for i in $(seq 120); do psql -X -Atc "SELECT 1" >/dev/null 2>&1 && break; sleep 1; done

# ir SCRIPT N: instructions of the busiest backend that ran N transactions of SCRIPT.
ir() {
  local before best=0 v f
  before=$(ls "$dir/cg" | sort)
  pgbench -n -M prepared -c 1 -t "$2" -D streams=10000 -D base=$((RANDOM * 1000000000 + 1000000000000)) -D n=0 \
    -f "$1" postgres >"$dir/pgbench.out" 2>&1 || { grep -m3 -iE "error|abort" "$dir/pgbench.out" >&2; exit 1; }
  sleep 2 # the backends write their counts when they exit
  for f in $(comm -13 <(echo "$before") <(ls "$dir/cg" | sort)); do
    v=$(awk '/^(totals|summary):/ {print $2; exit}' "$dir/cg/$f"); v=${v:-0}
    [ "$v" -gt "$best" ] && best=$v
    rm -f "$dir/cg/$f"
  done
  echo "$best"
}
printf '| script | instructions per call |\n|---|---:|\n'
for s in "$@"; do
  a=$(ir "$s" 20); b=$(ir "$s" $((20 + calls)))
  printf '| %s | %d |\n' "$(basename "$s" .sql)" $(((b - a) / calls))
done
