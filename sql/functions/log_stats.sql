-- pgevents.log_stats: totals of the whole log, its rates and the fence, in O(categories), not O(events).
--
-- Parameters: p_count_budget (NULL: the setting stats_max_count, default
-- 100000; 0: estimates only): how many index entries the call may count
-- exactly, shared by its counts.
-- Returns one row:
--   events, streams, categories   totals (*_exact false: an estimate)
--   last_minute, last_hour        events recorded in the last minute / hour
--   max_sequence_number           the highest sequence number (NULL: empty)
--   latest_observed_at            when the latest event (in sequence order) was recorded
--   fence, held_back_events, fence_lag   as pgevents.fence_lag() (fence_lag
--                                 is its lag: NULL when nothing is held back)
-- How: a count is exact when it fits in what is left of the budget (an
-- index scan stopped at the budget; ORDER BY keeps the planner from a
-- sequential scan that would look for the rows of the last hour from the
-- start of the table); otherwise the planner's estimate
-- (pgevents.estimate_events), or for the last minute/hour the span of
-- sequence numbers since the first event recorded then (an upper bound:
-- sequence numbers have gaps). Categories are counted by a loose index scan,
-- one probe each, up to 10000; beyond, estimated. Counts include events not
-- yet past the fence. Stats cost appends nothing (no counters).
-- Raises PE106 (p_count_budget out of range). Locks: none beyond planning.
-- VOLATILE: reads the clock and statistics.
CREATE OR REPLACE FUNCTION pgevents.log_stats(
  p_count_budget integer DEFAULT NULL,
  OUT events bigint,
  OUT events_exact boolean,
  OUT streams bigint,
  OUT streams_exact boolean,
  OUT categories bigint,
  OUT categories_exact boolean,
  OUT last_minute bigint,
  OUT last_minute_exact boolean,
  OUT last_hour bigint,
  OUT last_hour_exact boolean,
  OUT max_sequence_number bigint,
  OUT latest_observed_at timestamptz,
  OUT fence xid8,
  OUT held_back_events bigint,
  OUT fence_lag interval
)
  LANGUAGE plpgsql
  VOLATILE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _budget bigint := pgevents.stats_count_budget(p_count_budget)::bigint;
  _now timestamptz := pg_catalog.clock_timestamp();
  _first pgevents.events;
  _count bigint;
  _distinct bigint;
  _category text;
  _max_categories constant integer := 10000;
BEGIN
  SELECT f.fence, f.held_back_events, f.lag INTO fence, held_back_events, fence_lag FROM pgevents.fence_lag() f;
  SELECT e.sequence_number, e.observed_at INTO max_sequence_number, latest_observed_at
    FROM pgevents.events e ORDER BY e.sequence_number DESC LIMIT 1;

  SELECT COALESCE(pg_catalog.sum(g.n), 0)::bigint, pg_catalog.count(*) INTO _count, _distinct
    FROM (SELECT pg_catalog.count(*) AS n
            FROM (SELECT e.category, e.stream FROM pgevents.events e LIMIT _budget + 1) s
           GROUP BY s.category, s.stream) g;
  IF _count <= _budget THEN
    _budget := _budget - _count;
    events := _count;
    events_exact := true;
    streams := _distinct;
    streams_exact := true;
  ELSE
    _budget := 0;
    events := GREATEST(pgevents.estimate_events(NULL, NULL), _count);
    events_exact := false;
    streams := GREATEST(pgevents.estimate_events(NULL, NULL, 'streams'), _distinct);
    streams_exact := false;
  END IF;

  categories := 0;
  SELECT e.category INTO _category FROM pgevents.events e ORDER BY e.category LIMIT 1;
  WHILE FOUND AND categories < _max_categories LOOP
    categories := categories + 1;
    SELECT e.category INTO _category FROM pgevents.events e WHERE e.category > _category ORDER BY e.category LIMIT 1;
  END LOOP;
  categories_exact := NOT FOUND OR _category IS NULL;
  IF NOT categories_exact THEN
    categories := GREATEST(categories, pgevents.estimate_events(NULL, NULL, 'categories'));
  END IF;

  last_minute := 0;
  last_minute_exact := true;
  SELECT * INTO _first FROM pgevents.first_event_at(_now - interval '1 minute');
  IF _first.sequence_number IS NOT NULL THEN
    SELECT pg_catalog.count(*) INTO _count
      FROM (SELECT 1 FROM pgevents.events e WHERE e.transaction_id >= _first.transaction_id
             ORDER BY e.transaction_id LIMIT _budget + 1) s;
    IF _count <= _budget THEN
      _budget := _budget - _count;
      last_minute := _count;
    ELSE
      _budget := 0;
      last_minute := max_sequence_number - _first.sequence_number + 1;
      last_minute_exact := false;
    END IF;
  END IF;

  last_hour := 0;
  last_hour_exact := true;
  SELECT * INTO _first FROM pgevents.first_event_at(_now - interval '1 hour');
  IF _first.sequence_number IS NOT NULL THEN
    SELECT pg_catalog.count(*) INTO _count
      FROM (SELECT 1 FROM pgevents.events e WHERE e.transaction_id >= _first.transaction_id
             ORDER BY e.transaction_id LIMIT _budget + 1) s;
    IF _count <= _budget THEN
      last_hour := _count;
    ELSE
      last_hour := GREATEST(max_sequence_number - _first.sequence_number + 1, last_minute);
      last_hour_exact := false;
    END IF;
  END IF;
END;
$$;

COMMENT ON FUNCTION pgevents.log_stats(integer) IS
  'Operators: events, streams, categories, events in the last minute/hour (exact within a count budget, else estimates, flagged), the latest event and the fence; O(categories). No locks. SQLSTATEs: PE106.';
