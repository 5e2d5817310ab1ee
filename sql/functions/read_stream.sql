-- pgevents.read_stream: reads one stream in position order.
--
-- Parameters: p_category, p_stream; p_from_position (first position
-- returned, default 0); p_limit (max events, default 1000, -1 = all).
-- Returns events ordered by position: every committed event of the stream
-- visible to the statement's snapshot (stream reads need no fence: positions
-- are gapless and assigned under the stream lock).
-- Inlined: a LANGUAGE sql function without SECURITY DEFINER or SET clause,
-- whose one SELECT the planner puts into the calling statement (no function
-- scan, no tuplestore: a page costs what the raw SELECT costs, measured by
-- scripts/bench_pgbench.sh). It runs with the caller's privileges and
-- search_path: it reads pgevents.readable_events (granted to
-- pgevents_reader and pgevents_writer), and every name, operator and type in
-- it is schema-qualified. Its checks run once per call, before the first row
-- (a one-time filter, and the LIMIT for a limit of 0; the COALESCEs keep a
-- NULL argument from folding the query to an empty one that skips them): pgevents.check_read_stream.
-- Raises PE106 for a bad limit, PE101 for an invalid name, PE106 for a NULL
-- or negative position. Locks: none (a plain MVCC read). STABLE: reads only.
CREATE OR REPLACE FUNCTION pgevents.read_stream(
  p_category text,
  p_stream text,
  p_from_position bigint DEFAULT 0,
  p_limit integer DEFAULT 1000
)
  RETURNS SETOF pgevents.events
  LANGUAGE sql
  STABLE
AS $$
  SELECT e.sequence_number, e.transaction_id, e.id, e.category, e.stream, e.position,
         e.name, e.payload, e.metadata, e.occurred_at, e.observed_at
    FROM pgevents.readable_events e
   WHERE pgevents.check_read_stream(p_category, p_stream, p_from_position, p_limit)
     AND e.category OPERATOR(pg_catalog.=) COALESCE(p_category, '')
     AND e.stream OPERATOR(pg_catalog.=) COALESCE(p_stream, '')
     AND e.position OPERATOR(pg_catalog.>=) COALESCE(p_from_position, 0)
   ORDER BY e.position
   LIMIT CASE WHEN p_limit OPERATOR(pg_catalog.>) 0 THEN p_limit
              WHEN p_limit OPERATOR(pg_catalog.=) 0
               AND pgevents.check_read_stream(p_category, p_stream, p_from_position, p_limit) THEN 0
         END;
$$;

COMMENT ON FUNCTION pgevents.read_stream(text, text, bigint, integer) IS
  'Reads a stream in position order from p_from_position (default 0), at most p_limit events (default 1000, -1 = all). No locks. SQLSTATEs: PE101, PE106.';
