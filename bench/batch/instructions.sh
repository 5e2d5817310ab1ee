#!/usr/bin/env bash
# bench/batch/instructions.sh [-alt DIR] [-items N,...] [-calls N]
#
# Backend CPU work per event, counted in instructions (valgrind callgrind),
# which, unlike CPU time, does not move with the machine's load: for
# batches of N one-event items (default 8 and 16), pgevents.append_batch
# (and pgevents_alt.append_batch with -alt DIR, e.g. the previous version of
# the function, installed by pgevents-bench -alt), without and with event
# ids (the Go driver sends ids), against as many raw
# one-row INSERT transactions. Boots a throwaway cluster, loads 100,000
# events (10,000 streams of 10, pgevents-bench -load-only), stops it, then
# runs each workload (bench/batch/instructions.sql) in a single-user backend
# under callgrind: -calls calls after as many warm-up calls, minus a run with
# the warm-up only; minus the harness (building the batch JSON), per event.
# Needs valgrind. A few minutes (callgrind runs ~50x slower).
set -euo pipefail
cd "$(dirname "$0")/../.."
alt=() items=8,16 calls=20
while [ $# -gt 0 ]; do
  case $1 in
  -alt) alt=(-alt "$2"); shift 2 ;;
  -items) items=$2; shift 2 ;;
  -calls) calls=$2; shift 2 ;;
  *) echo "usage: bench/batch/instructions.sh [-alt DIR] [-items N,...] [-calls N]" >&2; exit 2 ;;
  esac
done
command -v valgrind >/dev/null || { echo "instructions: needs valgrind" >&2; exit 1; }
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u "${PG_OS_USER:-postgres}" -- "$@"; else "$@"; fi; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/pgevents-ir.XXXXXX")
chmod 755 "$dir"
trap 'scripts/pg.sh down "$dir/pg"; rm -rf "$dir"' EXIT
go build -o "$dir/pgevents-bench" ./bench/cmd/pgevents-bench
eval "$(scripts/pg.sh up "$dir/pg")"
export PGDATABASE=postgres
"$dir/pgevents-bench" -load-only -streams 10000 -per-stream 10 "${alt[@]}" 2>&1 | sed 's/^/load: /'
psql -X -q -v ON_ERROR_STOP=1 -f bench/batch/instructions.sql
has_alt=$(psql -X -Atc "SELECT to_regprocedure('pgevents_alt.append_batch(jsonb)') IS NOT NULL")
as_pg "$PGBIN/pg_ctl" -D "$dir/pg/data" -m fast -w stop >/dev/null

ir() { # ir CALLS ITEMS MODE: instructions of a single-user backend running the workload
  local out="$dir/pg/cg.out" n
  printf 'SET synchronous_commit = off;\n\nCALL bench.instructions(%s, %s, %s);\n\nCALL bench.instructions(%s, %s, %s);\n\n' \
    "$calls" "$2" "'$3'" "$1" "$2" "'$3'" |
    as_pg valgrind --tool=callgrind --callgrind-out-file="$out" "$PGBIN/postgres" --single -j -D "$dir/pg/data" postgres \
      >"$dir/single.log" 2>"$dir/valgrind.log"
  if grep -q ERROR "$dir/single.log" "$dir/valgrind.log"; then grep ERROR "$dir/single.log" "$dir/valgrind.log" >&2; exit 1; fi
  n=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$dir/valgrind.log")
  rm -f "$out"
  echo "$n"
}
modes=(raw batch ids)
if [ "$has_alt" = t ]; then modes+=(alt altids); fi
echo
echo "callgrind instructions per event (backend, single-user, synchronous_commit off), ${calls} calls after ${calls} warm-up; $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "| items per batch | workload | instructions per event | × raw 1-row INSERT tx |"
echo "|---|---|---|---|"
for n in ${items//,/ }; do
  declare -A per=()
  base=$(( $(ir "$calls" "$n" build) - $(ir 0 "$n" build) ))
  for m in "${modes[@]}"; do
    total=$(( $(ir "$calls" "$n" "$m") - $(ir 0 "$n" "$m") ))
    per[$m]=$(( (total - base) / calls / n ))
  done
  for m in "${modes[@]}"; do
    case $m in
    raw) label="raw one-row INSERT transactions" ;;
    batch) label="pgevents.append_batch" ;;
    ids) label="pgevents.append_batch, events with ids" ;;
    alt) label="ALT pgevents_alt.append_batch" ;;
    altids) label="ALT pgevents_alt.append_batch, events with ids" ;;
    esac
    printf '| %s | %s | %s | %.2f |\n' "$n" "$label" "${per[$m]}" "$(echo "${per[$m]} / ${per[raw]}" | bc -l)"
  done
done
