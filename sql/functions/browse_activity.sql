-- pgevents.browse_activity: events per minute per category over the last minutes, from a bounded window (event browser's rates and plot).
--
-- Parameters:
--   p_minutes     how many minutes, 1..1440 (default 60): the current minute
--                 and the p_minutes - 1 before it
--   p_max_events  the most recent events looked at, 1..1000000 (default
--                 100000): the bound on the cost
-- Returns, per category and minute with events (observed_at truncated to the
-- minute), the number of events, and complete: false when the window of
-- p_max_events recent events (by sequence number) did not reach back to the
-- first minute, so older minutes are undercounted (the same value on every
-- row). Events visible now, not fenced. Sorted by category, then minute.
-- How: a binary search over the primary key finds the first event observed
-- in the first minute (about log2(p_max_events) index probes, assuming
-- observed_at grows with the sequence number, as it does unless imports set
-- it), then the events from there to the latest are grouped. Imported events
-- with an observed_at outside the window are left out.
-- Cost: at most p_max_events rows of a primary-key range scan. Never a full
-- scan.
-- Raises PE106 for p_minutes or p_max_events out of range. Locks: none.
-- STABLE: reads only (now() is the transaction's start).
CREATE OR REPLACE FUNCTION pgevents.browse_activity(
  p_minutes integer DEFAULT 60,
  p_max_events integer DEFAULT 100000
)
  RETURNS TABLE (
    category text,
    minute timestamptz,
    events bigint,
    complete boolean
  )
  LANGUAGE plpgsql
  STABLE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _until timestamptz := pg_catalog.date_trunc('minute', pg_catalog.now()) + interval '1 minute';
  _since timestamptz;
  _first bigint;
  _last bigint;
  _floor bigint;
  _low bigint;
  _high bigint;
  _middle bigint;
  _at timestamptz;
  _complete boolean;
BEGIN
  IF p_minutes IS NULL OR p_minutes < 1 OR p_minutes > 1440 THEN
    PERFORM pgevents.raise_invalid('PE106', 'minutes', pg_catalog.format('must be from 1 to 1440 (got %s)', p_minutes));
  END IF;
  IF p_max_events IS NULL OR p_max_events < 1 OR p_max_events > 1000000 THEN
    PERFORM pgevents.raise_invalid('PE106', 'max_events', pg_catalog.format('must be from 1 to 1000000 (got %s)', p_max_events));
  END IF;
  _since := _until - pg_catalog.make_interval(mins => p_minutes);
  SELECT e.sequence_number INTO _last FROM pgevents.events e ORDER BY e.sequence_number DESC LIMIT 1;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  SELECT e.sequence_number INTO _first FROM pgevents.events e ORDER BY e.sequence_number LIMIT 1;
  _floor := GREATEST(_first, _last - p_max_events + 1);
  -- The smallest sequence number in [_floor, _last + 1] whose next event (at
  -- or after it) was observed at or after _since.
  _low := _floor;
  _high := _last + 1;
  WHILE _low < _high LOOP
    _middle := _low + (_high - _low) / 2;
    SELECT e.observed_at INTO _at
      FROM pgevents.events e
     WHERE e.sequence_number >= _middle
     ORDER BY e.sequence_number
     LIMIT 1;
    IF _at >= _since THEN
      _high := _middle;
    ELSE
      _low := _middle + 1;
    END IF;
  END LOOP;
  -- Complete unless the search stopped at the floor with a recent event
  -- just below it.
  _complete := _low > _floor OR NOT EXISTS (
    SELECT 1 FROM (SELECT e.observed_at FROM pgevents.events e
                    WHERE e.sequence_number < _floor
                    ORDER BY e.sequence_number DESC LIMIT 1) b
     WHERE b.observed_at >= _since);
  RETURN QUERY
    SELECT e.category, pg_catalog.date_trunc('minute', e.observed_at), pg_catalog.count(*), _complete
      FROM pgevents.events e
     WHERE e.sequence_number >= _low AND e.sequence_number <= _last
       AND e.observed_at >= _since AND e.observed_at < _until
     GROUP BY 1, 2
     ORDER BY 1, 2;
END;
$$;

COMMENT ON FUNCTION pgevents.browse_activity(integer, integer) IS
  'Event browser: events per minute per category over the last p_minutes minutes, from at most p_max_events recent events (complete = false when that bound cut the window). No locks. SQLSTATE: PE106.';
