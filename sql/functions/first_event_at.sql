-- pgevents.first_event_at: the first event (in sequence number order) recorded at or after a time.
--
-- Parameters: p_time. Returns the event found by a binary search over the
-- primary key on observed_at (about log2(sequence range) index probes,
-- whatever the size of the log), or no row when the latest event was
-- recorded before p_time. observed_at follows sequence order closely but not
-- exactly (concurrent transactions; imports that set observed_at), so the
-- answer is approximate: the stats functions that use it say so.
-- Raises nothing. Locks: none. STABLE: reads only. Internal (the stats
-- functions call it), not granted.
CREATE OR REPLACE FUNCTION pgevents.first_event_at(p_time timestamptz)
  RETURNS SETOF pgevents.events
  LANGUAGE plpgsql
  STABLE
  STRICT
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _lo bigint;
  _hi bigint;
  _mid bigint;
  _seq bigint;
  _at timestamptz;
BEGIN
  SELECT e.sequence_number, e.observed_at INTO _hi, _at
    FROM pgevents.events e ORDER BY e.sequence_number DESC LIMIT 1;
  IF NOT FOUND OR _at < p_time THEN
    RETURN;
  END IF;
  SELECT e.sequence_number INTO _lo FROM pgevents.events e ORDER BY e.sequence_number LIMIT 1;
  -- The answer is the first event at or after some x in [_lo, _hi]; the
  -- event at _hi qualifies.
  WHILE _lo < _hi LOOP
    _mid := _lo + (_hi - _lo) / 2;
    SELECT e.sequence_number, e.observed_at INTO _seq, _at
      FROM pgevents.events e WHERE e.sequence_number >= _mid ORDER BY e.sequence_number LIMIT 1;
    IF _at >= p_time THEN
      _hi := _mid;
    ELSE
      _lo := _seq + 1;
    END IF;
  END LOOP;
  RETURN QUERY SELECT * FROM pgevents.events e WHERE e.sequence_number >= _lo ORDER BY e.sequence_number LIMIT 1;
END;
$$;

COMMENT ON FUNCTION pgevents.first_event_at(timestamptz) IS
  'Internal: the first event in sequence order recorded at or after a time (binary search on the primary key; approximate). No locks.';
