#!/usr/bin/env bash
# scripts/bench_consumers.sh [consumers-bench flags...]   (make bench-consumers)
#
# Boots a throwaway PostgreSQL cluster with default durability (fsync and
# synchronous_commit on) and runs bench/consumers against it: the append
# cost of the consumer bucket index and of the wake-up (side by side,
# interleaved), consumer throughput with 1 and 4 members against a raw
# category read (with the index entries each read), and append -> handler
# latency with the Notifier's wake-up and with polling. Extra arguments go to
# the benchmark, e.g.
#   scripts/bench_consumers.sh -sections 1 -rounds 4
#   scripts/bench_consumers.sh -events 20000 -latency-duration 5s
# BENCH_OUT=path also writes the report to a file. About 6 minutes with the
# defaults on a 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d "${TMPDIR:-/tmp}/pgevents-cbench.XXXXXX")
chmod 755 "$dir" # the cluster runs as the postgres OS user when we are root
trap 'scripts/pg.sh down "$dir/pg"; rm -rf "$dir"' EXIT
go build -o "$dir/consumers-bench" ./bench/consumers
pgenv=$(scripts/pg.sh up "$dir/pg" durable)
eval "$pgenv"
"$dir/consumers-bench" ${BENCH_OUT:+-out "$BENCH_OUT"} "$@"
