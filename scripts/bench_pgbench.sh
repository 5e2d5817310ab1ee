#!/usr/bin/env bash
# scripts/bench_pgbench.sh [-reuse] [-clients 16] [-duration 10] [-rounds 2] [-only key,...] [-groups g,...]
#
# pgevents' SQL functions against raw SQL, driven by pgbench (a light C
# client: prepared statements, rows not decoded), side by side. Called by
# scripts/bench.sh (make bench; BENCH_PGBENCH=0 skips it) with -reuse on the
# cluster pgevents-bench has loaded; alone it boots a throwaway durable
# cluster and loads it with pgevents-bench -load-only (1,000,000 events).
#
# Scenarios (bench/pgbench/*.sql, one pgbench script each) in groups, each
# group with its raw baseline:
#   write-1:  raw 1-row INSERT transaction | pgevents.append 1 event (preloaded
#             streams); Message DB-shaped write_message (bench/pgbench/
#             messagedb.sql, scratch schema bench_mdb) and pgevents.append with
#             every writer in one category, then spread over 1,000 categories;
#             pgevents.append_batch (when installed) with 8 items at 2 clients
#             and 16 items at 16 (against raw 1-row INSERTs at that count)
#   write-10: raw 10-row INSERT | pgevents.append 10 events
#   read-category, read-log: raw fenced SELECT | read_category / read_log,
#             pages of 1000 from random cursors; also as a pgevents_reader
#             and a pgevents_writer login (the functions' privilege paths)
#   read-stream: raw SELECT | read_stream of a whole stream (100 events)
# Each cell (scenario x client count) runs -rounds times -duration seconds,
# the scenarios of a group in alternating order (A B C, C B A), pgbench -M
# prepared -j 2. The table shows events/s, the ratio to the group's raw
# baseline at the same client count, and CPU per event: the whole cluster's
# (the postmaster and every backend, reaped ones included, from /proc) and
# pgbench's own, both in microseconds (the machine's other load is not in
# either). BENCH_OUT=file also writes the table to file.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
reuse=0 clients=16 duration=10 rounds=2 only="" only_groups=""
while [ $# -gt 0 ]; do
  case $1 in
  -reuse) reuse=1; shift ;;
  -clients) clients=$2; shift 2 ;;
  -duration) duration=$2; shift 2 ;;
  -rounds) rounds=$2; shift 2 ;;
  -only) only=$2; shift 2 ;;
  -groups) only_groups=$2; shift 2 ;;
  *) echo "usage: scripts/bench_pgbench.sh [-reuse] [-clients 1,16,64] [-duration S] [-rounds N] [-only key,...] [-groups group,...]" >&2; exit 2 ;;
  esac
done
command -v pgbench >/dev/null || PATH=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1):$PATH
dir=$(mktemp -d "${TMPDIR:-/tmp}/pgevents-pgbench.XXXXXX")
chmod 755 "$dir"
if [ "$reuse" = 1 ]; then
  trap 'rm -rf "$dir"' EXIT
  : "${PGHOST:?-reuse needs the cluster in PGHOST/PGPORT/PGUSER}"
else
  trap 'scripts/pg.sh down "$dir/pg"; rm -rf "$dir"' EXIT
  go build -o "$dir/pgevents-bench" ./bench/cmd/pgevents-bench
  pgenv=$(scripts/pg.sh up "$dir/pg" durable)
  eval "$pgenv"
  "$dir/pgevents-bench" -load-only 2>&1 | sed 's/^/load: /'
fi
export PGDATABASE=${PGDATABASE:-postgres}
q() { psql -X -q -v ON_ERROR_STOP=1 -Atc "$1"; }

echo "== pgbench: Message DB-shaped schema bench_mdb (preloaded with a copy of pgevents.events)" >&2
psql -X -q -v ON_ERROR_STOP=1 -f bench/pgbench/messagedb.sql >/dev/null
# Login roles for the privilege paths of the read functions.
q "DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'bench_reader') THEN CREATE ROLE bench_reader LOGIN IN ROLE pgevents_reader; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'bench_writer') THEN CREATE ROLE bench_writer LOGIN IN ROLE pgevents_writer; END IF;
END \$\$"
has_batch=$(q "SELECT to_regprocedure('pgevents.append_batch(jsonb)') IS NOT NULL")

# Cursors: a random preloaded transaction id and sequence number at least
# 50,000 events before the end, so every page is full.
read -r txlo txhi seqhi streams < <(q "SELECT min(transaction_id), (SELECT transaction_id FROM pgevents.events WHERE sequence_number <= (SELECT max(sequence_number) - 50000 FROM pgevents.events) ORDER BY sequence_number DESC LIMIT 1), (SELECT max(sequence_number) - 50000 FROM pgevents.events), (SELECT count(DISTINCT stream) FROM pgevents.events WHERE category LIKE 'cat-%') FROM pgevents.events" | tr '|' ' ')
base=$(q "SELECT greatest(coalesce(max(position), 0), 1000000) + 1 FROM bench.raw_events")

# Batch scripts for pgevents.append_batch: N items, each 1 event to a random stream.
batch_script() { # items
  local items=$1 ev
  ev=$(sed -n "s/^SELECT \* FROM pgevents.append('cat-' || :c, 's-' || :s, '\(.*\)', NULL, 'stream');$/\1/p" bench/pgbench/append_1.sql)
  {
    echo "-- pgevents.append_batch: $items items of 1 event, each to a random preloaded stream."
    for i in $(seq "$items"); do echo "\\set s$i random(0, :streams - 1)"; echo "\\set c$i :s$i % 10"; done
    printf "SELECT count(*) FROM pgevents.append_batch(pg_catalog.jsonb_build_array("
    for i in $(seq "$items"); do
      [ "$i" -gt 1 ] && printf ", "
      printf "pg_catalog.jsonb_build_object('category', 'cat-' || :c%s, 'stream', 's-' || :s%s, 'events', '%s'::jsonb)" "$i" "$i" "$ev"
    done
    echo "));"
  } >"$dir/append_batch_$items.sql"
}
if [ "$has_batch" = t ]; then batch_script 8; batch_script 16; fi

# key|group|events per transaction|script|user|client counts (empty: -clients)|label
scenarios="raw-insert-1|write-1|1|raw_insert_1|||raw INSERT, 1 row (autocommit)
append-1|write-1|1|append_1|||pgevents.append, 1 event
mdb-one-category|write-1|1|mdb_write_one_category|||Message DB-shaped write_message, all writers in one category
append-1-one-category|write-1|1|append_1_one_category|||pgevents.append, 1 event, all writers in one category
mdb-many-categories|write-1|1|mdb_write_many_categories|||Message DB-shaped write_message, writers over 1,000 categories
append-1-many-categories|write-1|1|append_1_many_categories|||pgevents.append, 1 event, writers over 1,000 categories"
if [ "$has_batch" = t ]; then
  scenarios+="
raw-insert-1-at-2|write-batch|1|raw_insert_1||2|raw INSERT, 1 row (autocommit)
append-batch-8|write-batch|8|@append_batch_8||2|pgevents.append_batch, 8 items of 1 event
raw-insert-1-at-16|write-batch|1|raw_insert_1||16|raw INSERT, 1 row (autocommit)
append-batch-16|write-batch|16|@append_batch_16||16|pgevents.append_batch, 16 items of 1 event"
fi
scenarios+="
raw-insert-10|write-10|10|raw_insert_10|||raw INSERT, 10 rows (one statement)
append-10|write-10|10|append_10|||pgevents.append, 10 events
raw-select-category|read-category|1000|raw_select_category|||raw fenced SELECT, category page of 1000
read-category|read-category|1000|read_category|||pgevents.read_category, page of 1000
read-category-reader|read-category|1000|read_category|bench_reader||pgevents.read_category as a pgevents_reader login
read-category-writer|read-category|1000|read_category|bench_writer||pgevents.read_category as a pgevents_writer login
raw-select-log|read-log|1000|raw_select_log|||raw fenced SELECT, log page of 1000
read-log|read-log|1000|read_log|||pgevents.read_log, page of 1000
raw-select-stream|read-stream|100|raw_select_stream|||raw SELECT, a stream of 100 events
read-stream|read-stream|100|read_stream|||pgevents.read_stream, a stream of 100 events"

pm=$(head -1 "$(q 'SHOW data_directory')/postmaster.pid" 2>/dev/null || q "SELECT pid FROM pg_stat_activity WHERE backend_type = 'postmaster'")
# cluster_ticks: CPU ticks of the postmaster, its reaped children (cutime,
# cstime) and its live children.
cluster_ticks() {
  local t=0 pid f
  read -ra f < <(sed 's/^.*) //' "/proc/$pm/stat")
  t=$((f[11] + f[12] + f[13] + f[14]))
  for pid in $(pgrep -P "$pm"); do
    if read -ra f < <(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null); then t=$((t + f[11] + f[12])); fi
  done
  echo "$t"
}
settle_children() { # wait until pgbench's backends have exited and been reaped
  local i
  for i in $(seq 50); do
    [ "$(q "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()")" = 0 ] && break
    sleep 0.1
  done
  sleep 0.2
}
hz=$(getconf CLK_TCK)

declare -A tx srv cli secs
run_cell() { # key script user clients events
  local key=$1 script=$2 user=$3 c=$4 file out c0 c1 n
  if [[ $script == @* ]]; then file="$dir/${script#@}.sql"; else file="bench/pgbench/$script.sql"; fi
  settle_children
  c0=$(cluster_ticks)
  out=$( { /usr/bin/time -f 'cpu %U %S' pgbench -n -M prepared -c "$c" -j $((c < 2 ? 1 : 2)) -T "$duration" ${user:+-U "$user"} \
    -D streams="$streams" -D txlo="$txlo" -D txhi="$txhi" -D seqhi="$seqhi" -D base="$base" -D n=0 \
    -f "$file" "$PGDATABASE"; } 2>&1) || { echo "$out" >&2; echo "pgbench failed: $key" >&2; exit 1; }
  settle_children
  c1=$(cluster_ticks)
  base=$((base + 100000000))
  n=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' <<<"$out")
  if grep -q 'number of failed transactions: [1-9]' <<<"$out"; then echo "$out" >&2; echo "failures in $key" >&2; exit 1; fi
  local ucpu
  ucpu=$(awk '/^cpu /{print $2 + $3}' <<<"$out")
  local k="$key|$c"
  tx[$k]=$(( ${tx[$k]:-0} + n * $5 ))
  srv[$k]=$(( ${srv[$k]:-0} + c1 - c0 ))
  cli[$k]=$(awk -v a="${cli[$k]:-0}" -v b="$ucpu" 'BEGIN{print a + b}')
  secs[$k]=$(( ${secs[$k]:-0} + duration ))
  printf '  %-28s %3s clients: %8.0f events/s\n' "$key" "$c" "$(awk -v n="$n" -v e="$5" -v d="$duration" 'BEGIN{print n * e / d}')" >&2
}

wanted() { [ -z "$only" ] || [[ ",$only," == *",$1,"* ]] || [[ $1 == raw-* ]]; }
IFS=',' read -ra client_list <<<"$clients"
groups=$(cut -d'|' -f2 <<<"$scenarios" | awk '!seen[$0]++')
if [ -n "$only_groups" ]; then groups=$(tr ',' '\n' <<<"$only_groups"); fi
for g in $groups; do
  mapfile -t rows < <(awk -F'|' -v g="$g" '$2 == g' <<<"$scenarios")
  cls=$(printf '%s\n' "${rows[@]}" | cut -d'|' -f6 | sort -un | grep . || printf '%s\n' "${client_list[@]}")
  for c in $cls; do
    q "CHECKPOINT"
    for r in $(seq "$rounds"); do
      order=("${rows[@]}")
      if [ $((r % 2)) = 0 ]; then mapfile -t order < <(printf '%s\n' "${rows[@]}" | tac); fi
      for row in "${order[@]}"; do
        IFS='|' read -r key _ events script user only_c _ <<<"$row"
        [ -n "$only_c" ] && [ "$only_c" != "$c" ] && continue
        wanted "$key" || continue
        run_cell "$key" "$script" "$user" "$c" "$events"
      done
    done
  done
done

report() {
  echo "| group | scenario | clients | events/s | × raw | cluster CPU µs/event | pgbench CPU µs/event |"
  echo "|---|---|---:|---:|---:|---:|---:|"
  local g row key events script user only_c label c k rawk
  for g in $groups; do
    mapfile -t rows < <(awk -F'|' -v g="$g" '$2 == g' <<<"$scenarios")
    for row in "${rows[@]}"; do
      IFS='|' read -r key _ events script user only_c label <<<"$row"
      for c in "${client_list[@]}" 2; do
        k="$key|$c"
        [ -n "${tx[$k]:-}" ] || continue
        rawk=$(printf '%s\n' "${rows[@]}" | awk -F'|' -v c="$c" '$1 ~ /^raw-/ && ($6 == "" || $6 == c) {print $1; exit}')"|$c"
        awk -v g="$g" -v label="$label" -v c="$c" -v n="${tx[$k]}" -v s="${secs[$k]}" -v rn="${tx[$rawk]:-0}" -v rs="${secs[$rawk]:-1}" \
          -v srv="${srv[$k]}" -v cli="${cli[$k]}" -v hz="$hz" 'BEGIN {
          eps = n / s; reps = rn / rs
          printf "| %s | %s | %d | %.0f | %.2f | %.1f | %.1f |\n", g, label, c, eps, (reps > 0 ? eps / reps : 0), srv * 1e6 / hz / n, cli * 1e6 / n }'
      done
    done
  done
  echo
  echo "pgbench -M prepared, $rounds × ${duration} s per cell, scenarios of a group alternating; PostgreSQL $(q 'SHOW server_version'), fsync=$(q 'SHOW fsync'), synchronous_commit=$(q 'SHOW synchronous_commit'), $(nproc) cores."
  echo "× raw: events/s over the group's raw baseline at the same client count (write-batch rows: raw 1-row INSERTs at 2 and 16 clients)."
  echo "cluster CPU: the postmaster and all its processes (backends, WAL writer, checkpointer...), /proc ticks over the cells; pgbench CPU: the client's user+system time."
}
report | tee ${BENCH_OUT:+"$BENCH_OUT"}
