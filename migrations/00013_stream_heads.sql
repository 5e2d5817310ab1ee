-- +goose Up
-- 00013: stream heads (issue 10, the single-call path): the latest
-- position, transaction id and observed_at of each stream in its lock row.
-- Builds exactly what sql/schema/50_stream_heads.sql describes, then fills
-- the heads of the existing rows from pgevents.events (one index probe per
-- row; a stream with events but no row gets its row, and its head, on its
-- next append).
-- Every append that writes stores its stream's new head in the row (see
-- sql/schema/50_stream_heads.sql); NULL: not known.
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

UPDATE pgevents.streams s
   SET (position, transaction_id, observed_at) =
       (SELECT e.position, e.transaction_id, e.observed_at FROM pgevents.events e
         WHERE e.category = s.category AND e.stream = s.stream
         ORDER BY e.position DESC LIMIT 1);

-- +goose Down
ALTER TABLE pgevents.streams RESET (fillfactor);
ALTER TABLE pgevents.streams
  DROP COLUMN observed_at,
  DROP COLUMN transaction_id,
  DROP COLUMN position;
COMMENT ON TABLE pgevents.streams IS
  'The write locks of streams: one row per stream appended to through pgevents.append / append_streams, locked FOR UPDATE by every append (owner-only). Internal; never lock or write it.';
