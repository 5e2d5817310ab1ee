-- For measurement only (bench/batch/run.sh -alt bench/alternatives/stream_heads,
-- scripts/bench_cpu.sh -alt ...): pgevents.append / write_stream keeping each
-- stream's head (latest position, transaction id, observed_at) in its row of
-- pgevents.streams, so an append reads the head under the lock instead of the
-- latest event. This file adds the columns (migration 00013's ALTER TABLE)
-- to the shared table. The current functions do not keep the heads, so an
-- ALT append must never write a stream the current ones write: the harnesses
-- give the ALT cells the odd preloaded streams and the others the even ones.
-- (pgevents-bench's Go ALT rows share streams: do not use this alternative
-- with `make bench`.)
ALTER TABLE pgevents.streams
  ADD COLUMN IF NOT EXISTS position bigint,
  ADD COLUMN IF NOT EXISTS transaction_id xid8,
  ADD COLUMN IF NOT EXISTS observed_at timestamptz;
-- Room for HOT updates of the head (runs 2 and 3 of bench/results/2026-11-30-heads.md).
ALTER TABLE pgevents.streams SET (fillfactor = 50);
-- The landed form of this (migration 00013_stream_heads.sql with its
-- backfill, sql/schema/50_stream_heads.sql, test/sql/stream_heads_test.sql,
-- a whole-call 40001 test for append_batch under REPEATABLE READ) passed
-- every pgTAP file and was backed out as not faster: commits 167ae3a..5050515
-- on branch h-head, backed out in the next commit.
