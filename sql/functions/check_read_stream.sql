-- pgevents.check_read_stream: validates the arguments of pgevents.read_stream and returns its first position, once per call.
--
-- Parameters: those of read_stream (p_category, p_stream, p_from_position,
-- p_limit).
-- Returns p_from_position, or raises: PE106 for a bad limit
-- (pgevents.check_limit), PE101 for an invalid category or stream
-- (pgevents.check_name), PE106 for a NULL or negative from_position, in
-- that order. read_stream's inlined query calls it once per call (see
-- check_read_category); also in its LIMIT for a NULL category or stream.
-- SECURITY DEFINER like the other check_read_* functions (what it calls is
-- granted to the roles anyway).
-- Locks: none. STABLE: depends on its arguments only, but not IMMUTABLE, so
-- it is never folded away at planning.
CREATE OR REPLACE FUNCTION pgevents.check_read_stream(
  p_category text,
  p_stream text,
  p_from_position bigint,
  p_limit integer
)
  RETURNS bigint
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
  RETURN p_from_position;
END;
$$;

COMMENT ON FUNCTION pgevents.check_read_stream(text, text, bigint, integer) IS
  'Internal: validates read_stream''s arguments (limit, category, stream, from_position); returns from_position or raises PE106/PE101. No locks.';
