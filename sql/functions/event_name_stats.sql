-- pgevents.event_name_stats: the event names of the log or a category and how many events have each.
--
-- Parameters: p_category (NULL: the whole log); p_limit (1..10000, default
-- 100: names returned, most frequent first); p_count_budget (NULL: the
-- setting stats_max_count, default 100000; 0: estimates only).
-- Returns pgevents.event_name_stats rows (name, events, exact), by events
-- descending, then name. When the log or category holds at most
-- p_count_budget events (and at most 10000: names are not in an index, each
-- event read is a heap fetch), every name is counted (exact). Otherwise the counts
-- are estimates: for the log, from the planner's most common values of the
-- name column (pg_stats; names outside them are not listed) when ANALYZE has
-- run; else (and for a category) from the latest of those events,
-- scaled to the estimated total (names only seen earlier are not listed).
-- Cost: at most 10001 events read, whatever the store's size.
-- Raises PE101 (invalid category name), PE106 (p_limit or p_count_budget out
-- of range). Locks: none beyond planning. VOLATILE: reads statistics.
CREATE OR REPLACE FUNCTION pgevents.event_name_stats(
  p_category text DEFAULT NULL,
  p_limit integer DEFAULT 100,
  p_count_budget integer DEFAULT NULL
)
  RETURNS SETOF pgevents.event_name_stats
  LANGUAGE plpgsql
  VOLATILE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  -- Names are not in an index: every event counted is a heap fetch, so
  -- at most 10000 are read, whatever the budget.
  _budget bigint := LEAST(pgevents.stats_count_budget(p_count_budget), 10000)::bigint;
  _names text[];
  _count bigint;
  _total bigint;
BEGIN
  IF p_limit IS NULL OR p_limit < 1 OR p_limit > 10000 THEN
    PERFORM pgevents.raise_invalid('PE106', 'limit', pg_catalog.format('must be between 1 and 10000 (got %s)', p_limit));
  END IF;
  IF p_category IS NOT NULL THEN
    PERFORM pgevents.check_name('category', p_category);
  END IF;
  -- The latest _budget + 1 events' names, newest first.
  IF p_category IS NULL THEN
    SELECT pg_catalog.array_agg(s.name) INTO _names
      FROM (SELECT e.name FROM pgevents.events e ORDER BY e.sequence_number DESC LIMIT _budget + 1) s;
  ELSE
    SELECT pg_catalog.array_agg(s.name) INTO _names
      FROM (SELECT e.name FROM pgevents.events e WHERE e.category = p_category
             ORDER BY e.transaction_id DESC, e.sequence_number DESC LIMIT _budget + 1) s;
  END IF;
  _count := COALESCE(pg_catalog.cardinality(_names), 0)::bigint;
  IF _count <= _budget THEN
    RETURN QUERY
      SELECT n.name, pg_catalog.count(*), true
        FROM pg_catalog.unnest(_names) AS n(name)
       GROUP BY n.name ORDER BY 2 DESC, 1 LIMIT p_limit;
    RETURN;
  END IF;
  _total := GREATEST(pgevents.estimate_events(p_category, NULL), _count);
  IF p_category IS NULL AND EXISTS (
       SELECT 1 FROM pg_catalog.pg_stats s
        WHERE s.schemaname = 'pgevents' AND s.tablename = 'events' AND s.attname = 'name'
          AND s.most_common_vals IS NOT NULL) THEN
    RETURN QUERY
      SELECT v.name, pg_catalog.round(v.freq * _total)::bigint, false
        FROM pg_catalog.pg_stats s,
             LATERAL ROWS FROM (pg_catalog.unnest(s.most_common_vals::text::text[]),
                                pg_catalog.unnest(s.most_common_freqs)) AS v(name, freq)
       WHERE s.schemaname = 'pgevents' AND s.tablename = 'events' AND s.attname = 'name'
       ORDER BY 2 DESC, 1 LIMIT p_limit;
    RETURN;
  END IF;
  RETURN QUERY
    SELECT n.name, pg_catalog.round(pg_catalog.count(*)::numeric * _total / _count)::bigint, false
      FROM pg_catalog.unnest(_names[1:_budget]) AS n(name)
     GROUP BY n.name ORDER BY 2 DESC, 1 LIMIT p_limit;
END;
$$;

COMMENT ON FUNCTION pgevents.event_name_stats(text, integer, integer) IS
  'Operators: event names of the log or a category with their event counts (exact within a count budget, else estimates from planner statistics or the latest events, flagged). No locks. SQLSTATEs: PE101, PE106.';
