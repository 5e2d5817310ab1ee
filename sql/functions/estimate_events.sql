-- pgevents.estimate_events: the planner's estimate of a number of events, without counting them.
--
-- Parameters: p_category (NULL: the whole log); p_after_transaction_id (NULL:
-- all, else only events of transactions at or after it); p_kind: 'events'
-- (the rows), 'streams' (the distinct (category, stream) pairs among them,
-- from the extended statistics events_category_stream_stats) or
-- 'categories' (the distinct categories among them).
-- Returns the "Plan Rows" of EXPLAIN for the matching SELECT: table size from
-- the relation's current pages and pg_class.reltuples, selectivity from
-- pg_statistic (ANALYZE, autovacuum). Costs a planning, never a scan, so it
-- is O(1) in the size of the store. Values reach the statement only as
-- quoted literals (format %L). Never below 1 (the planner's floor): callers
-- count exactly first when little is expected.
-- Raises nothing for valid input (p_kind is checked by the callers).
-- Locks: AccessShareLock on pgevents.events while planning. VOLATILE:
-- statistics change. Internal, not granted.
CREATE OR REPLACE FUNCTION pgevents.estimate_events(
  p_category text,
  p_after_transaction_id xid8,
  p_kind text DEFAULT 'events'
)
  RETURNS bigint
  LANGUAGE plpgsql
  VOLATILE
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _where text := 'true';
  _plan json;
BEGIN
  IF p_category IS NOT NULL THEN
    _where := _where || pg_catalog.format(' AND e.category = %L', p_category);
  END IF;
  IF p_after_transaction_id IS NOT NULL THEN
    _where := _where || pg_catalog.format(' AND e.transaction_id >= %L::xid8', p_after_transaction_id);
  END IF;
  IF p_kind = 'streams' THEN
    EXECUTE 'EXPLAIN (FORMAT JSON) SELECT 1 FROM pgevents.events e WHERE ' || _where || ' GROUP BY e.category, e.stream'
      INTO _plan;
  ELSIF p_kind = 'categories' THEN
    EXECUTE 'EXPLAIN (FORMAT JSON) SELECT 1 FROM pgevents.events e WHERE ' || _where || ' GROUP BY e.category'
      INTO _plan;
  ELSE
    EXECUTE 'EXPLAIN (FORMAT JSON) SELECT 1 FROM pgevents.events e WHERE ' || _where INTO _plan;
  END IF;
  RETURN pg_catalog.round((_plan -> 0 -> 'Plan' ->> 'Plan Rows')::numeric)::bigint;
END;
$$;

COMMENT ON FUNCTION pgevents.estimate_events(text, xid8, text) IS
  'Internal: the planner''s estimate (EXPLAIN, no scan) of the events of the log or a category, optionally from a transaction id on, or of their streams. No locks beyond planning.';
