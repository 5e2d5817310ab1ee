#!/usr/bin/env bash
# bench/batch/run.sh [-duration SECONDS] [-rounds N] [-alt DIR] [-only KEYS]
#
# The SQL write path from pgbench (prepared statements), side by side in one
# run: raw one-row INSERT transactions, a raw 10-row INSERT, pgevents.append
# with 1 and 10 events, and pgevents.append_batch with 8 items of 1 event at
# 2 clients and 16 items of 1 event at 16 clients. Prints events/s, the
# ratio to the raw one-row INSERT transactions at the same client count (and
# to the raw 10-row INSERT for 10 events), and whole-cluster CPU per event
# (utime + stime of the postmaster and every child, reaped backends
# included, over the cell: backends, WAL writer, checkpointer...).
#
# Boots a durable throwaway cluster (fsync and synchronous_commit on,
# scripts/pg.sh up DIR durable), loads 100,000 events (10,000 streams of 10,
# pgevents-bench -load-only) and the raw table bench.raw_events. Each append
# goes to a random preloaded stream (batch items: independent random
# streams), with the ~230-byte payload and ~150-byte metadata of the
# preloaded events, passed as parameters (pgbench -D). The batch's JSON is
# built on the server from a template and the random stream numbers
# (format(...)::jsonb), which costs about what parsing it from a client does.
# Cells run in alternating order (A B C, C B A) for -rounds rounds of
# -duration seconds each; the table shows the total over the rounds.
# -alt DIR installs DIR's function files as schema pgevents_alt and adds ALT
# rows (pgevents-bench -alt). About 3 minutes with the defaults.
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=8 rounds=2 alt=() only=
while [ $# -gt 0 ]; do
  case $1 in
  -duration) duration=$2; shift 2 ;;
  -rounds) rounds=$2; shift 2 ;;
  -alt) alt=(-alt "$2"); shift 2 ;;
  -only) only=$2; shift 2 ;;
  *) echo "usage: bench/batch/run.sh [-duration SECONDS] [-rounds N] [-alt DIR] [-only KEYS]" >&2; exit 2 ;;
  esac
done
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
dir=$(mktemp -d "${TMPDIR:-/tmp}/pgevents-batch.XXXXXX")
chmod 755 "$dir"
trap 'scripts/pg.sh down "$dir/pg"; rm -rf "$dir"' EXIT
go build -o "$dir/pgevents-bench" ./bench/cmd/pgevents-bench
eval "$(scripts/pg.sh up "$dir/pg" durable)"
export PGDATABASE=postgres
"$dir/pgevents-bench" -load-only -streams 10000 -per-stream 10 "${alt[@]}" 2>&1 | sed 's/^/load: /'
psql -X -q -v ON_ERROR_STOP=1 -c "CREATE SEQUENCE IF NOT EXISTS bench.raw_position START 2000000000"

payload=$(psql -X -Atc "SELECT payload FROM pgevents.events ORDER BY sequence_number LIMIT 1")
metadata=$(psql -X -Atc "SELECT metadata FROM pgevents.events ORDER BY sequence_number LIMIT 1")
ev1=$(psql -X -Atc "SELECT jsonb_build_array(jsonb_build_object('name', 'OrderConfirmed', 'payload', '$payload'::jsonb, 'metadata', '$metadata'::jsonb))")
ev10=$(psql -X -Atc "SELECT jsonb_agg(e) FROM generate_series(1, 10), jsonb_array_elements('$ev1'::jsonb) e")

# Scripts: every variable a parameter of the prepared statement.
raw_row="(gen_random_uuid(), 'cat-' || :c, 's-' || :s, nextval('bench.raw_position'), 'OrderConfirmed', :payload::jsonb, :metadata::jsonb, now(), now())"
cat >"$dir/raw1.sql" <<EOF
\set s random(0, 9999)
\set c :s % 10
INSERT INTO bench.raw_events (id, category, stream, position, name, payload, metadata, occurred_at, observed_at) VALUES $raw_row;
EOF
{
  echo '\set s random(0, 9999)'
  echo '\set c :s % 10'
  printf 'INSERT INTO bench.raw_events (id, category, stream, position, name, payload, metadata, occurred_at, observed_at) VALUES '
  for i in $(seq 10); do printf '%s%s' "$([ "$i" -gt 1 ] && echo ', ')" "$raw_row"; done
  echo ';'
} >"$dir/raw10.sql"
for schema in pgevents pgevents_alt; do
  cat >"$dir/${schema}_append1.sql" <<EOF
\set s random(0, 9999)
\set c :s % 10
SELECT * FROM $schema.append('cat-' || :c, 's-' || :s, :ev1::jsonb);
EOF
  cat >"$dir/${schema}_append10.sql" <<EOF
\set s random(0, 9999)
\set c :s % 10
SELECT * FROM $schema.append('cat-' || :c, 's-' || :s, :ev10::jsonb);
EOF
  for n in 8 16; do
    {
      args=
      for i in $(seq "$n"); do
        echo "\\set s$i random(0, 9999)"
        args="$args, :s$i::int % 10, :s$i::int"
      done
      echo "SELECT * FROM $schema.append_batch(format(:tmpl$n$args)::jsonb);"
    } >"$dir/${schema}_batch$n.sql"
  done
done
tmpl() { # tmpl N: a JSON array of N items, %s placeholders for category and stream numbers
  local out='[' i
  for i in $(seq "$1"); do
    out="$out$([ "$i" -gt 1 ] && echo ','){\"category\": \"cat-%s\", \"stream\": \"s-%s\", \"events\": $ev1}"
  done
  echo "$out]"
}
defs=(-D "payload=$payload" -D "metadata=$metadata" -D "ev1=$ev1" -D "ev10=$ev10" -D "tmpl8=$(tmpl 8)" -D "tmpl16=$(tmpl 16)")

# Cells: key clients events-per-transaction script baseline-key
cells=(
  "raw-insert-1@2 2 1 raw1 raw-insert-1@2"
  "batch-8x1@2 2 8 pgevents_batch8 raw-insert-1@2"
  "raw-insert-1@16 16 1 raw1 raw-insert-1@16"
  "raw-insert-10@16 16 10 raw10 raw-insert-1@16"
  "append-1@16 16 1 pgevents_append1 raw-insert-1@16"
  "append-10@16 16 10 pgevents_append10 raw-insert-10@16"
  "batch-16x1@16 16 16 pgevents_batch16 raw-insert-1@16"
)
if [ ${#alt[@]} -gt 0 ]; then
  cells+=(
    "ALT-batch-8x1@2 2 8 pgevents_alt_batch8 raw-insert-1@2"
    "ALT-append-1@16 16 1 pgevents_alt_append1 raw-insert-1@16"
    "ALT-append-10@16 16 10 pgevents_alt_append10 raw-insert-10@16"
    "ALT-batch-16x1@16 16 16 pgevents_alt_batch16 raw-insert-1@16"
  )
fi
if [ -n "$only" ]; then
  kept=()
  for cell in "${cells[@]}"; do
    read -r key _ <<<"$cell"
    if [[ ",$only," == *",$key,"* || "$key" == raw-* ]]; then kept+=("$cell"); fi # baselines always run
  done
  cells=("${kept[@]}")
fi

pm=$(head -1 "$dir/pg/data/postmaster.pid")
cluster_ticks() { # utime+stime of the postmaster, its reaped children, and its live children
  local t=0 pid f
  read -ra f < <(sed 's/^.*) //' "/proc/$pm/stat")
  t=$((f[11] + f[12] + f[13] + f[14]))
  for pid in $(pgrep -P "$pm"); do
    if read -ra f < <(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null); then t=$((t + f[11] + f[12])); fi
  done
  echo "$t"
}
hz=$(getconf CLK_TCK)

declare -A tx=() secs=() ticks=()
run_cell() {
  local key=$1 clients=$2 events=$3 script=$4 out t0 t1 n
  t0=$(cluster_ticks)
  out=$("$PGBIN/pgbench" -n -M prepared -c "$clients" -j "$clients" -T "$duration" "${defs[@]}" -f "$dir/$script.sql" 2>&1) || {
    echo "$out" >&2
    return 1
  }
  sleep 0.3 # the backends exit and are reaped
  t1=$(cluster_ticks)
  n=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' <<<"$out")
  tx[$key]=$((${tx[$key]:-0} + n))
  secs[$key]=$((${secs[$key]:-0} + duration))
  ticks[$key]=$((${ticks[$key]:-0} + t1 - t0))
  printf '  %-22s round %s: %8.0f events/s\n' "$key" "$r" "$(echo "$n * $events / $duration" | bc -l)" >&2
}

echo "warm-up" >&2
for cell in "${cells[@]}"; do
  read -r key clients events script _ <<<"$cell"
  "$PGBIN/pgbench" -n -M prepared -c "$clients" -j "$clients" -T 2 "${defs[@]}" -f "$dir/$script.sql" >/dev/null 2>&1
done
psql -X -q -c CHECKPOINT
for r in $(seq "$rounds"); do
  order=("${cells[@]}")
  if [ $((r % 2)) -eq 0 ]; then
    order=()
    for ((i = ${#cells[@]} - 1; i >= 0; i--)); do order+=("${cells[$i]}"); done
  fi
  for cell in "${order[@]}"; do
    read -r key clients events script _ <<<"$cell"
    run_cell "$key" "$clients" "$events" "$script"
  done
done

echo
echo "pgbench -M prepared, ${rounds} × ${duration} s per cell, $(nproc) cores; durable cluster; $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "| cell | clients | events/tx | events/s | × raw 1-row INSERT tx | × raw 10-row INSERT | cluster CPU µs/event |"
echo "|---|---|---|---|---|---|---|"
for cell in "${cells[@]}"; do
  read -r key clients events script base <<<"$cell"
  eps=$(echo "${tx[$key]} * $events / ${secs[$key]}" | bc -l)
  raw1=$(echo "${tx[raw-insert-1@$clients]:-0} / ${secs[raw-insert-1@$clients]:-1}" | bc -l)
  r1=$(echo "if ($raw1 > 0) $eps / $raw1 else 0" | bc -l)
  r10=""
  if [ "$events" = 10 ] && [ -n "${tx[raw-insert-10@$clients]:-}" ]; then
    r10=$(printf '%.2f' "$(echo "$eps / (${tx[raw-insert-10@$clients]} * 10 / ${secs[raw-insert-10@$clients]})" | bc -l)")
  fi
  cpu=$(echo "${ticks[$key]} * 1000000 / $hz / (${tx[$key]} * $events)" | bc -l)
  printf '| %s | %s | %s | %.0f | %.2f | %s | %.0f |\n' "$key" "$clients" "$events" "$eps" "$r1" "$r10" "$cpu"
done
