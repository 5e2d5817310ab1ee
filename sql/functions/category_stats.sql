-- pgevents.category_stats: per-category counts, rates and latest activity, in O(categories), not O(events).
--
-- Parameters: p_after (NULL: from the first category; else only categories
-- sorting after it: key-set paging); p_limit (1..10000, default 1000:
-- categories returned); p_count_budget (NULL: the setting stats_max_count,
-- default 100000; 0: estimates only): how many index entries the call may
-- count exactly, shared by all its counts; p_category (NULL: every
-- category; else only that one: one row, or none when it has no events).
-- Returns pgevents.category_stats rows in category order:
--   category
--   events, streams           the category's events and streams
--   last_minute, last_hour    its events recorded in the last minute / hour
--   *_exact                   true: counted; false: an estimate
--   latest_observed_at        when its latest event (in read order) was recorded
-- How: categories are found by a loose index scan of the category index (one
-- probe per category). A count is exact when it fits in what is left of the
-- budget (an index scan in index order, stopped at the budget: ORDER BY
-- keeps the planner from sequential scans); otherwise it is the
-- planner's estimate (pgevents.estimate_events: pg_class/pg_statistic, kept
-- by autovacuum's ANALYZE; a category's streams are its events divided by
-- the log's average events per stream). The last minute/hour start at the
-- first event recorded then (pgevents.first_event_at, a binary search on the
-- primary key) and count that event's transaction and later ones:
-- approximate when writers' clocks and commit order disagree. Counts include
-- events not yet past the snapshot fence (see pgevents.fence_lag).
-- Nothing here is written by appends: stats cost appends nothing.
-- Raises PE101 (p_after or p_category is not a valid category name), PE106 (p_limit or
-- p_count_budget out of range). Locks: none beyond planning (estimates).
-- VOLATILE: reads the clock and statistics.
CREATE OR REPLACE FUNCTION pgevents.category_stats(
  p_after text DEFAULT NULL,
  p_limit integer DEFAULT 1000,
  p_count_budget integer DEFAULT NULL,
  p_category text DEFAULT NULL
)
  RETURNS SETOF pgevents.category_stats
  LANGUAGE plpgsql
  VOLATILE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _budget bigint := pgevents.stats_count_budget(p_count_budget)::bigint;
  _now timestamptz := pg_catalog.clock_timestamp();
  _minute_xid xid8;
  _hour_xid xid8;
  _per_stream numeric; -- the log's average events per stream (estimate)
  _category text;
  _n integer := 0;
  _count bigint;
  _distinct bigint;
  _r pgevents.category_stats;
BEGIN
  IF p_limit IS NULL OR p_limit < 1 OR p_limit > 10000 THEN
    PERFORM pgevents.raise_invalid('PE106', 'limit', pg_catalog.format('must be between 1 and 10000 (got %s)', p_limit));
  END IF;
  IF p_after IS NOT NULL THEN
    PERFORM pgevents.check_name('category', p_after);
  END IF;
  IF p_category IS NOT NULL THEN
    PERFORM pgevents.check_name('category', p_category);
  END IF;
  SELECT e.transaction_id INTO _minute_xid FROM pgevents.first_event_at(_now - interval '1 minute') e;
  SELECT e.transaction_id INTO _hour_xid FROM pgevents.first_event_at(_now - interval '1 hour') e;
  IF p_category IS NOT NULL THEN
    SELECT e.category INTO _category FROM pgevents.events e
     WHERE e.category = p_category AND (p_after IS NULL OR e.category > p_after) LIMIT 1;
  ELSIF p_after IS NULL THEN
    SELECT e.category INTO _category FROM pgevents.events e ORDER BY e.category LIMIT 1;
  ELSE
    SELECT e.category INTO _category FROM pgevents.events e WHERE e.category > p_after ORDER BY e.category LIMIT 1;
  END IF;
  WHILE FOUND AND _n < p_limit LOOP
    _n := _n + 1;
    _r.category := _category;

    -- Events and streams: counted when they fit in the budget.
    SELECT COALESCE(pg_catalog.sum(g.n), 0)::bigint, pg_catalog.count(*) INTO _count, _distinct
      FROM (SELECT pg_catalog.count(*) AS n
              FROM (SELECT e.stream FROM pgevents.events e WHERE e.category = _category
                     ORDER BY e.stream LIMIT _budget + 1) s
             GROUP BY s.stream) g;
    IF _count <= _budget THEN
      _budget := _budget - _count;
      _r.events := _count;
      _r.events_exact := true;
      _r.streams := _distinct;
      _r.streams_exact := true;
    ELSE
      _budget := 0;
      _r.events := GREATEST(pgevents.estimate_events(_category, NULL), _count);
      _r.events_exact := false;
      IF _per_stream IS NULL THEN
        _per_stream := pgevents.estimate_events(NULL, NULL)::numeric
                       / GREATEST(pgevents.estimate_events(NULL, NULL, 'streams'), 1);
      END IF;
      _r.streams := GREATEST(pg_catalog.round(_r.events / GREATEST(_per_stream, 1)), _distinct)::bigint;
      _r.streams_exact := false;
    END IF;

    -- Rates.
    IF _minute_xid IS NULL THEN
      _r.last_minute := 0;
      _r.last_minute_exact := true;
    ELSE
      SELECT pg_catalog.count(*) INTO _count
        FROM (SELECT 1 FROM pgevents.events e
               WHERE e.category = _category AND e.transaction_id >= _minute_xid
               ORDER BY e.transaction_id LIMIT _budget + 1) s;
      IF _count <= _budget THEN
        _budget := _budget - _count;
        _r.last_minute := _count;
        _r.last_minute_exact := true;
      ELSE
        _budget := 0;
        _r.last_minute := GREATEST(pgevents.estimate_events(_category, _minute_xid), _count);
        _r.last_minute_exact := false;
      END IF;
    END IF;
    IF _hour_xid IS NULL THEN
      _r.last_hour := 0;
      _r.last_hour_exact := true;
    ELSE
      SELECT pg_catalog.count(*) INTO _count
        FROM (SELECT 1 FROM pgevents.events e
               WHERE e.category = _category AND e.transaction_id >= _hour_xid
               ORDER BY e.transaction_id LIMIT _budget + 1) s;
      IF _count <= _budget THEN
        _budget := _budget - _count;
        _r.last_hour := _count;
        _r.last_hour_exact := true;
      ELSE
        _budget := 0;
        _r.last_hour := GREATEST(pgevents.estimate_events(_category, _hour_xid), _count, _r.last_minute);
        _r.last_hour_exact := false;
      END IF;
    END IF;
    IF NOT _r.events_exact THEN
      _r.events := GREATEST(_r.events, _r.last_hour);
    END IF;

    SELECT e.observed_at INTO _r.latest_observed_at FROM pgevents.events e
     WHERE e.category = _category ORDER BY e.transaction_id DESC, e.sequence_number DESC LIMIT 1;
    RETURN NEXT _r;
    EXIT WHEN p_category IS NOT NULL;

    SELECT e.category INTO _category FROM pgevents.events e WHERE e.category > _category ORDER BY e.category LIMIT 1;
  END LOOP;
END;
$$;

COMMENT ON FUNCTION pgevents.category_stats(text, integer, integer, text) IS
  'Operators: per-category events, streams, events in the last minute/hour (exact within a count budget, else planner estimates, flagged) and latest activity; O(categories). Key-set paged by category. No locks. SQLSTATEs: PE101, PE106.';
