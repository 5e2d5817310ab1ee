-- pgevents.stream_position: the latest position of a stream ("stream version").
--
-- Parameters: p_category, p_stream. Returns the highest position, or NULL
-- when the stream has no event. Use it to build a position_is condition.
-- Raises PE101 for an invalid name. Locks: none. STABLE: reads only.
CREATE OR REPLACE FUNCTION pgevents.stream_position(p_category text, p_stream text)
  RETURNS bigint
  LANGUAGE plpgsql
  STABLE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
AS $$
BEGIN
  PERFORM pgevents.check_name('category', p_category);
  PERFORM pgevents.check_name('stream', p_stream);
  RETURN (SELECT pg_catalog.max(e.position) FROM pgevents.events e
           WHERE e.category = p_category AND e.stream = p_stream);
END;
$$;

COMMENT ON FUNCTION pgevents.stream_position(text, text) IS
  'Latest position of a stream, NULL when empty. No locks. SQLSTATE: PE101.';
