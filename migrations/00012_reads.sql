-- +goose Up
-- 00012: reads as cheap as the SELECT they wrap (issue 10). Builds exactly
-- what sql/schema/70_reads.sql describes.

-- The relation the read functions select from. read_stream, read_category
-- and read_log are LANGUAGE sql functions the planner inlines into the
-- calling statement (no SECURITY DEFINER, no SET clause, so no function
-- scan and no tuplestore: a page costs what the raw SELECT costs), and an
-- inlined query runs with the caller's privileges. Through this view (its
-- owner reads pgevents.events) a pgevents_writer, which has no privilege on
-- pgevents.events, reads what the read functions have always returned to
-- it: every column of every committed event. Nothing can be written through
-- it (a view with a trigger-free, rule-free body over a table whose
-- UPDATE/DELETE/TRUNCATE are forbidden anyway; no INSERT/UPDATE/DELETE grant).
CREATE VIEW pgevents.readable_events AS
  SELECT e.sequence_number, e.transaction_id, e.id, e.category, e.stream, e.position,
         e.name, e.payload, e.metadata, e.occurred_at, e.observed_at
    FROM pgevents.events e;

COMMENT ON VIEW pgevents.readable_events IS
  'Every committed event, as the read functions return them: the relation read_stream, read_category and read_log (inlined into the caller''s statement) select from. SELECT for pgevents_reader and pgevents_writer; read through the functions (cursor order, fence, checks).';

-- Readers and writers may read what the read API returns, nothing else.
REVOKE ALL ON pgevents.readable_events FROM PUBLIC;
GRANT SELECT ON pgevents.readable_events TO pgevents_reader, pgevents_writer;

-- +goose Down
DROP VIEW pgevents.readable_events;
