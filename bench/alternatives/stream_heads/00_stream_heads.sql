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
ALTER TABLE pgevents.streams SET (fillfactor = 50);
