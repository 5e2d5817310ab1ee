-- pgevents.latest_event: the latest event of a stream, a category or the whole log.
--
-- Parameters: p_category and p_stream, both optional: neither = the log,
-- category only = that category, both = that stream. A stream without a
-- category raises PE104.
-- Returns zero rows (nothing written yet) or one row: for a stream, the
-- highest position; for a category or the log, the last event in read order
-- (transaction_id, sequence_number) among those visible now (not fenced:
-- this is a one-shot read, never a resume point).
-- Raises PE101 (invalid name), PE104 (stream without category).
-- Locks: none. STABLE: reads only.
CREATE OR REPLACE FUNCTION pgevents.latest_event(
  p_category text DEFAULT NULL,
  p_stream text DEFAULT NULL
)
  RETURNS SETOF pgevents.events
  LANGUAGE plpgsql
  STABLE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
AS $$
BEGIN
  IF p_stream IS NOT NULL AND p_category IS NULL THEN
    PERFORM pgevents.raise_invalid('PE104', 'category', 'is required when a stream is given');
  ELSIF p_stream IS NOT NULL THEN
    PERFORM pgevents.check_name('category', p_category);
    PERFORM pgevents.check_name('stream', p_stream);
    RETURN QUERY SELECT * FROM pgevents.events e
      WHERE e.category = p_category AND e.stream = p_stream
      ORDER BY e.position DESC LIMIT 1;
  ELSIF p_category IS NOT NULL THEN
    PERFORM pgevents.check_name('category', p_category);
    RETURN QUERY SELECT * FROM pgevents.events e
      WHERE e.category = p_category
      ORDER BY e.transaction_id DESC, e.sequence_number DESC LIMIT 1;
  ELSE
    RETURN QUERY SELECT * FROM pgevents.events e
      ORDER BY e.transaction_id DESC, e.sequence_number DESC LIMIT 1;
  END IF;
END;
$$;

COMMENT ON FUNCTION pgevents.latest_event(text, text) IS
  'Latest event of a stream (both args), a category (category only) or the log (none); zero or one row. No locks. SQLSTATEs: PE101, PE104.';
