-- pgevents.check_read_stream: validates the arguments of pgevents.read_stream, once per call.
--
-- Parameters: those of read_stream (p_category, p_stream, p_from_position,
-- p_limit).
-- Returns true, or raises: PE106 for a bad limit (pgevents.check_limit),
-- PE101 for an invalid category or stream (pgevents.check_name), PE106 for a
-- NULL or negative from_position, in that order. read_stream's inlined query
-- uses it as a one-time filter and in its LIMIT for a limit of 0 (see
-- check_read_category).
-- SECURITY DEFINER like the other check_read_* functions (what it calls is
-- granted to the roles anyway).
-- Locks: none. STABLE (not IMMUTABLE, so the planner never folds it away
-- at planning time; it runs at execution, once).
CREATE OR REPLACE FUNCTION pgevents.check_read_stream(
  p_category text,
  p_stream text,
  p_from_position bigint,
  p_limit integer
)
  RETURNS boolean
  LANGUAGE plpgsql
  STABLE
  PARALLEL SAFE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
AS $$
BEGIN
  PERFORM pgevents.check_limit(p_limit);
  PERFORM pgevents.check_name('category', p_category);
  PERFORM pgevents.check_name('stream', p_stream);
  IF p_from_position IS NULL OR p_from_position < 0 THEN
    PERFORM pgevents.raise_invalid('PE106', 'from_position', 'must be at least 0');
  END IF;
  RETURN true;
END;
$$;

COMMENT ON FUNCTION pgevents.check_read_stream(text, text, bigint, integer) IS
  'Internal: validates read_stream''s arguments (limit, category, stream, from_position); returns true or raises PE106/PE101. No locks.';
