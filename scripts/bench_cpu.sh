#!/usr/bin/env bash
# scripts/bench_cpu.sh [-alt DIR] [-rounds N]   (make bench-cpu)
#
# Backend CPU per append call, measured inside the server (no client, no
# network, no WAL-flush wait): the measure that tells how much work a change
# to sql/functions saves, independent of the machine's load and disk. Boots a
# throwaway cluster, loads 100,000 events with pgevents-bench (-load-only),
# then runs bench/cpu/cpu.sql: each variant (raw INSERT of 1 and 10 rows,
# pgevents.append with 1 and 10 events, with client ids, append_batch with
# 8 and 16 one-event items, and the functions of
# -alt DIR installed as pgevents_alt) makes a few thousand calls with a
# COMMIT after each, in interleaved rounds, and reads its own CPU time from
# /proc/self/stat (10 ms ticks, so each cell spans ~40+ ticks). Prints
# microseconds per call (the smallest of the rounds) and the ratio to the raw
# INSERT of as many rows. About 2 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
alt=() rounds=3
while [ $# -gt 0 ]; do
  case $1 in
  -alt) alt=(-alt "$2"); shift 2 ;;
  -rounds) rounds=$2; shift 2 ;;
  *) echo "usage: scripts/bench_cpu.sh [-alt DIR] [-rounds N]" >&2; exit 2 ;;
  esac
done
dir=$(mktemp -d "${TMPDIR:-/tmp}/pgevents-cpu.XXXXXX")
chmod 755 "$dir"
trap 'scripts/pg.sh down "$dir/pg"; rm -rf "$dir"' EXIT
go build -o "$dir/pgevents-bench" ./bench/cmd/pgevents-bench
pgenv=$(scripts/pg.sh up "$dir/pg")
eval "$pgenv"
"$dir/pgevents-bench" -load-only -streams 10000 -per-stream 10 "${alt[@]}" 2>&1 | sed 's/^/load: /'
psql -X -q -v ON_ERROR_STOP=1 -f bench/cpu/cpu.sql >/dev/null
procs=$(psql -X -Atc "SELECT p.proname || ' ' || CASE WHEN p.proname LIKE '%batch%' THEN 500 WHEN p.proname LIKE '%\_10%' THEN 3000 ELSE 10000 END
  FROM pg_proc p WHERE p.pronamespace = 'bench'::regnamespace AND p.prokind = 'p' ORDER BY 1")
for r in $(seq "$rounds"); do
  while read -r proc calls; do
    PGOPTIONS="-c synchronous_commit=off" psql -X -q -v ON_ERROR_STOP=1 -c "CALL bench.$proc($calls, $r)"
  done <<<"$procs"
done
psql -X -q -P footer=off -c "
  WITH best AS (SELECT variant, events, min(us_per_call) AS us, max(us_per_call) AS worst FROM bench.cpu_results GROUP BY 1, 2)
  SELECT b.variant, b.events, round(b.us) AS \"µs per call (min)\", round(b.worst) AS \"max\",
         round(b.us / r.us, 2) AS \"× raw INSERT\", round(b.us / b.events) AS \"µs per event\",
         round(b.us / b.events / r1.us, 2) AS \"per event × raw 1-row INSERT\"
    FROM best b LEFT JOIN best r ON r.variant = 'raw_insert_' || b.events
    JOIN best r1 ON r1.variant = 'raw_insert_1'
   ORDER BY b.events, b.us"
