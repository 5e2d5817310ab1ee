-- pgevents: stream heads (readable current schema; migration 00013).
--
-- Stream heads: every append that writes stores its stream's new latest
-- position, transaction id and observed_at in the stream's row of
-- pgevents.streams (which it holds locked anyway), so the next append reads
-- them with the lock instead of reading the latest event (an index scan and
-- a heap fetch of pgevents.events). NULL: not known (a stream whose row is
-- older than this, or that no append has written since); pgevents.write_stream
-- then reads the latest event and stores the head with its write.
ALTER TABLE pgevents.streams
  ADD COLUMN position bigint,
  ADD COLUMN transaction_id xid8,
  ADD COLUMN observed_at timestamptz;

-- Room on every page for the next version of its rows: the head's update
-- is then a HOT update (no new index entry; 96% of them at fillfactor 50 in
-- bench/batch/run.sh). Applies to the pages filled from now on.
ALTER TABLE pgevents.streams SET (fillfactor = 50);

COMMENT ON TABLE pgevents.streams IS
  'The write locks and heads of streams: one row per stream appended to through pgevents.append / append_streams / append_batch, locked FOR UPDATE by every append (owner-only); position, transaction_id and observed_at of the latest event (NULL: not known). Internal; never lock or write it.';
COMMENT ON COLUMN pgevents.streams.position IS
  'Position of the stream''s latest event, written by every append that writes (NULL: not known; read the latest event).';
COMMENT ON COLUMN pgevents.streams.transaction_id IS
  'Transaction id of the stream''s latest event (NULL: not known).';
COMMENT ON COLUMN pgevents.streams.observed_at IS
  'observed_at of the stream''s latest event (NULL: not known).';
