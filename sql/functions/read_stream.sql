-- pgevents.read_stream: reads one stream in position order.
--
-- Parameters: p_category, p_stream; p_from_position (first position
-- returned, default 0); p_limit (max events, default 1000, -1 = all).
-- Returns events ordered by position: every committed event of the stream
-- visible to the statement's snapshot (stream reads need no fence: positions
-- are gapless and assigned under the stream lock).
-- Raises PE101 for an invalid name, PE106 for a negative position or bad limit.
-- Locks: none (a plain MVCC read). STABLE: reads only.
CREATE OR REPLACE FUNCTION pgevents.read_stream(
  p_category text,
  p_stream text,
  p_from_position bigint DEFAULT 0,
  p_limit integer DEFAULT 1000
)
  RETURNS SETOF pgevents.events
  LANGUAGE plpgsql
  STABLE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _limit integer := pgevents.check_limit(p_limit);
BEGIN
  PERFORM pgevents.check_name('category', p_category);
  PERFORM pgevents.check_name('stream', p_stream);
  IF p_from_position IS NULL OR p_from_position < 0 THEN
    PERFORM pgevents.raise_invalid('PE106', 'from_position', 'must be at least 0');
  END IF;
  RETURN QUERY
    SELECT * FROM pgevents.events e
     WHERE e.category = p_category AND e.stream = p_stream AND e.position >= p_from_position
     ORDER BY e.position
     LIMIT _limit;
END;
$$;

COMMENT ON FUNCTION pgevents.read_stream(text, text, bigint, integer) IS
  'Reads a stream in position order from p_from_position (default 0), at most p_limit events (default 1000, -1 = all). No locks. SQLSTATEs: PE101, PE106.';
