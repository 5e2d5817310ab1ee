-- pgevents.save_snapshot: saves a stream's folded state at a position.
--
-- Parameters:
--   p_name      the projector's name (1..255 characters, no control characters)
--   p_version   the projector version that folded the state (>= 1)
--   p_category  the stream's category (a valid name)
--   p_stream    the stream's name (a valid name)
--   p_position  the position of the last event the state covers: 0 up to the
--               stream's latest position (a snapshot cannot cover events that
--               do not exist)
--   p_state     the state, any JSON (SQL NULL is stored as JSON null), within
--               the projection limits (settings projection_max_json_bytes,
--               default 1048576, and projection_max_json_depth, default 256)
--   p_metadata  the metadata, any JSON (SQL NULL is stored as JSON null), same
--               limits
-- Returns the stored row of (name, version, stream). A snapshot only moves
-- forwards: when the stored one already covers p_position or later, it is
-- kept and returned unchanged. created_at = the server clock at the save.
-- Raises PE101 (invalid name, category or stream), PE140 (version below 1,
-- negative position, a position beyond the stream's latest event, DETAIL
-- field "version" or "position"), PE115 (state or metadata over the limits).
-- Nothing is written when it raises.
-- Locks: the row's lock (INSERT ... ON CONFLICT), held to commit: concurrent
-- saves of one snapshot serialise, the furthest position wins.
-- VOLATILE: it writes.
CREATE OR REPLACE FUNCTION pgevents.save_snapshot(
  p_name text,
  p_version integer,
  p_category text,
  p_stream text,
  p_position bigint,
  p_state jsonb,
  p_metadata jsonb DEFAULT NULL
)
  RETURNS SETOF pgevents.snapshots
  LANGUAGE plpgsql
  VOLATILE
  PARALLEL UNSAFE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _now timestamptz := pg_catalog.clock_timestamp();
  _latest bigint;
  _max_bytes integer;
  _max_depth integer;
BEGIN
  PERFORM pgevents.check_name('name', p_name);
  PERFORM pgevents.check_name('category', p_category);
  PERFORM pgevents.check_name('stream', p_stream);
  IF p_version IS NULL OR p_version < 1 THEN
    PERFORM pgevents.raise_invalid('PE140', 'version', 'must be at least 1');
  END IF;
  IF p_position IS NULL OR p_position < 0 THEN
    PERFORM pgevents.raise_invalid('PE140', 'position', 'must not be negative');
  END IF;
  SELECT pg_catalog.max(e.position) INTO _latest FROM pgevents.events e
   WHERE e.category = p_category AND e.stream = p_stream;
  IF _latest IS NULL OR p_position > _latest THEN
    PERFORM pgevents.raise_invalid('PE140', 'position',
      pg_catalog.format('%s is beyond the latest position of the stream (%s)', p_position, COALESCE(_latest::text, 'empty')));
  END IF;
  SELECT COALESCE(pg_catalog.max((s.value #>> '{}')::integer) FILTER (WHERE s.name = 'projection_max_json_bytes'), 1048576),
         COALESCE(pg_catalog.max((s.value #>> '{}')::integer) FILTER (WHERE s.name = 'projection_max_json_depth'), 256)
    INTO _max_bytes, _max_depth
    FROM pgevents.settings s WHERE s.name IN ('projection_max_json_bytes', 'projection_max_json_depth');
  PERFORM pgevents.projection_check_json('state', p_state, _max_bytes, _max_depth);
  PERFORM pgevents.projection_check_json('metadata', p_metadata, _max_bytes, _max_depth);
  INSERT INTO pgevents.snapshots AS s (name, version, category, stream, position, state, metadata, created_at)
  VALUES (p_name, p_version, p_category, p_stream, p_position,
          COALESCE(p_state, 'null'::jsonb), COALESCE(p_metadata, 'null'::jsonb), _now)
  ON CONFLICT (name, version, pg_catalog.md5(category || E'\n' || stream)) DO UPDATE
    SET position = EXCLUDED.position, state = EXCLUDED.state, metadata = EXCLUDED.metadata,
        created_at = EXCLUDED.created_at
    WHERE s.position < EXCLUDED.position;
  RETURN QUERY SELECT * FROM pgevents.snapshots s
    WHERE s.name = p_name AND s.version = p_version
      AND pg_catalog.md5(s.category || E'\n' || s.stream)
        = pg_catalog.md5(p_category || E'\n' || p_stream)
      AND s.category = p_category AND s.stream = p_stream;
END;
$$;

COMMENT ON FUNCTION pgevents.save_snapshot(text, integer, text, text, bigint, jsonb, jsonb) IS
  'Saves the snapshot of a stream for (name, version): state and metadata at a position; only moves forwards (a save at or behind the stored position keeps the stored one). Returns the stored row. Locks: the row. SQLSTATEs: PE101, PE140 (version < 1, position negative or beyond the stream), PE115.';
