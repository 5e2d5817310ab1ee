-- pgevents.browse_streams: one page of a category's streams in name order (event browser, operators).
--
-- Parameters:
--   p_category  the category
--   p_after     the last stream of the previous page (key-set paging); NULL
--               starts at the first
--   p_limit     streams per page, 1..1000 (default 100)
-- Returns, per stream, in name order (the database collation): stream, and
-- its latest event (the highest position, visible now): latest_position,
-- latest_id, latest_name, latest_observed_at. No rows when the category has
-- no stream after p_after.
-- Cost, per stream returned: one probe of a loose index scan over
-- events_stream_position_key (category, stream, position) and one backward
-- probe of the same index. Never a full scan.
-- Raises PE101 for an invalid category or p_after, PE106 for a limit out of
-- range. Locks: none. STABLE: reads only.
CREATE OR REPLACE FUNCTION pgevents.browse_streams(
  p_category text,
  p_after text DEFAULT NULL,
  p_limit integer DEFAULT 100
)
  RETURNS TABLE (
    stream text,
    latest_position bigint,
    latest_id uuid,
    latest_name text,
    latest_observed_at timestamptz
  )
  LANGUAGE plpgsql
  STABLE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _stream text := COALESCE(p_after, '');
BEGIN
  PERFORM pgevents.check_name('category', p_category);
  IF p_after IS NOT NULL THEN
    PERFORM pgevents.check_name('after', p_after);
  END IF;
  IF p_limit IS NULL OR p_limit < 1 OR p_limit > 1000 THEN
    PERFORM pgevents.raise_invalid('PE106', 'limit', pg_catalog.format('must be from 1 to 1000 (got %s)', p_limit));
  END IF;
  FOR _i IN 1 .. p_limit LOOP
    -- '' sorts before every valid (non-empty) name.
    SELECT e.stream INTO _stream
      FROM pgevents.events e
     WHERE e.category = p_category AND e.stream > _stream
     ORDER BY e.stream
     LIMIT 1;
    EXIT WHEN NOT FOUND;
    stream := _stream;
    SELECT e.position, e.id, e.name, e.observed_at INTO latest_position, latest_id, latest_name, latest_observed_at
      FROM pgevents.events e
     WHERE e.category = p_category AND e.stream = _stream
     ORDER BY e.position DESC
     LIMIT 1;
    RETURN NEXT;
  END LOOP;
END;
$$;

COMMENT ON FUNCTION pgevents.browse_streams(text, text, integer) IS
  'Event browser: a key-set page of a category''s streams with their latest event. Loose index scan over (category, stream, position). No locks. SQLSTATEs: PE101, PE106.';
