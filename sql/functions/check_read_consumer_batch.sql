-- pgevents.check_read_consumer_batch: validates the arguments of pgevents.read_consumer_batch, once per call.
--
-- Parameters: those of read_consumer_batch (p_group, p_member, p_limit).
-- Returns true, or raises, in this order: PE101 for an invalid group name,
-- PE121 when the group does not exist (pgevents.find_consumer_group), PE101
-- for an invalid member name, PE120 for a limit outside 1 .. setting
-- consumer_max_batch (default 10000). read_consumer_batch's inlined query
-- evaluates it in its LIMIT clause, which the executor computes once,
-- before it fetches the first row: every call is checked, whatever it
-- returns.
-- SECURITY DEFINER: the inlined read runs with the caller's rights, and the
-- helpers it calls (find_consumer_group, setting) stay internal.
-- PARALLEL UNSAFE: it keeps read_consumer_batch's statement out of parallel
-- plans, whose Parallel Append could interleave replays and new events.
-- Locks: none. STABLE: reads only (and may be evaluated at planning time
-- for a custom plan's estimate, which raises the same error).
CREATE OR REPLACE FUNCTION pgevents.check_read_consumer_batch(p_group text, p_member text, p_limit integer)
  RETURNS boolean
  LANGUAGE plpgsql
  STABLE
  PARALLEL UNSAFE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _max integer;
BEGIN
  PERFORM pgevents.find_consumer_group(p_group);
  PERFORM pgevents.check_name('member', p_member);
  _max := COALESCE(pgevents.setting('consumer_max_batch')::integer, 10000);
  IF p_limit IS NULL OR p_limit < 1 OR p_limit > _max THEN
    PERFORM pgevents.raise_invalid('PE120', 'limit', pg_catalog.format('must be between 1 and %s (got %s)',
      _max, COALESCE(p_limit::text, 'NULL')));
  END IF;
  RETURN true;
END;
$$;

COMMENT ON FUNCTION pgevents.check_read_consumer_batch(text, text, integer) IS
  'Internal: validates read_consumer_batch''s arguments (group, member, limit); returns true or raises PE101/PE121/PE120. No locks.';
