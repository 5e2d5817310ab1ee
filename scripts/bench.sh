#!/usr/bin/env bash
# scripts/bench.sh [pgevents-bench flags...]   (make bench)
#
# Boots a throwaway PostgreSQL cluster with default durability (fsync and
# synchronous_commit on), runs bench/cmd/pgevents-bench against it (it
# migrates with pgevents.Migrate, bulk-loads ~1M events and measures pgevents
# against raw SQL side by side), prints the markdown table and tears the
# cluster down. Extra arguments go to pgevents-bench, e.g.
#   scripts/bench.sh -clients 1,16 -duration 4s
#   scripts/bench.sh -groups append-1 -only append-1-stream
# BENCH_OUT=path also writes the report to a file (and BENCH_OUT.projections.md
# for the projections benchmark). Then it runs bench/projections (1,000,000
# projections; filters with and without an expression index) on the same
# cluster; BENCH_PROJECTIONS=0 skips it (before it, scripts/bench_pgbench.sh
# -reuse: pgbench side by side, ~6 minutes; BENCH_PGBENCH=0 skips it); then bench/consumers (consumer
# groups, see scripts/bench_consumers.sh; BENCH_CONSUMERS=0 skips it). Last,
# the telemetry overhead (pgstore's BenchmarkTelemetry: no-op providers vs a
# recording OpenTelemetry SDK, side by side, on the Go tests' own throwaway
# cluster; ~15 s); BENCH_TELEMETRY=0 skips it. Then live projection
# catch-up (projection/live BenchmarkCatchUp: 1,000,000 events projected by
# a trivial projector, per stream and into one cross-stream projection,
# next to a raw category read of the same events: events/s of each and the
# ratios; on the Go tests' own throwaway cluster; ~3 minutes;
# BENCH_LIVE_EVENTS=n changes the count); BENCH_LIVE=0 skips it. About 21
# minutes with the defaults on a 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d "${TMPDIR:-/tmp}/pgevents-bench.XXXXXX")
chmod 755 "$dir" # the cluster runs as the postgres OS user when we are root
trap 'scripts/pg.sh down "$dir/pg"; rm -rf "$dir"' EXIT
go build -o "$dir/pgevents-bench" ./bench/cmd/pgevents-bench
go build -o "$dir/projections-bench" ./bench/projections
pgenv=$(scripts/pg.sh up "$dir/pg" durable) # fails loudly, unlike eval "$(...)"
eval "$pgenv"
args=()
if [ -n "${BENCH_OUT:-}" ]; then args+=(-out "$BENCH_OUT"); fi
"$dir/pgevents-bench" "${args[@]}" "$@"
# pgbench side by side (scripts/bench_pgbench.sh: raw SQL vs the functions,
# Message DB-shaped writes, append_batch, reads; whole-cluster CPU per
# event) on the same cluster: BENCH_PGBENCH=0 skips it.
if [ "${BENCH_PGBENCH:-1}" != 0 ]; then
  BENCH_OUT=${BENCH_OUT:+$BENCH_OUT.pgbench.md} scripts/bench_pgbench.sh -reuse
fi
if [ "${BENCH_PROJECTIONS:-1}" != 0 ]; then
  "$dir/projections-bench" ${BENCH_OUT:+-out "$BENCH_OUT.projections.md"}
fi
# Consumer groups (bench/consumers): BENCH_CONSUMERS=0 skips them.
if [ "${BENCH_CONSUMERS:-1}" != 0 ]; then
  go build -o "$dir/consumers-bench" ./bench/consumers
  "$dir/consumers-bench" ${BENCH_OUT:+-out "$BENCH_OUT.consumers.md"}
fi
if [ "${BENCH_TELEMETRY:-1}" != 0 ]; then
  echo "== telemetry overhead (sdk/noop: a recording OpenTelemetry SDK vs the no-op default)"
  go test -count=1 -run '^$' -bench 'Telemetry' -benchtime 2000x ./pgstore/ | grep -E '^(Benchmark|ok|FAIL)'
fi
if [ "${BENCH_LIVE:-1}" != 0 ]; then
  echo "== live projection catch-up (${BENCH_LIVE_EVENTS:-1000000} events; */raw: catch-up rate / raw category read rate; cpu-*/raw: the same per CPU second of client and server)"
  PGEVENTS_CATCHUP_EVENTS="${BENCH_LIVE_EVENTS:-1000000}" go test -count=1 -run '^$' -bench 'CatchUp' -benchtime 1x -timeout 30m \
    ./projection/live/ | grep -E '^(Benchmark|ok|FAIL)'
fi
