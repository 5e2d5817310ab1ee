-- pgevents.load_snapshot: the snapshot of a stream for a projector version.
--
-- Parameters: p_name, the projector's name; p_version, the projector
-- version (>= 1); p_category and p_stream, the stream.
-- Returns zero rows (no snapshot of that version) or one row of
-- pgevents.snapshots. Snapshots of other versions are never returned.
-- Raises PE101 (invalid name, category or stream), PE140 (version below 1).
-- Locks: none (a plain MVCC read). STABLE: reads only.
CREATE OR REPLACE FUNCTION pgevents.load_snapshot(p_name text, p_version integer, p_category text, p_stream text)
  RETURNS SETOF pgevents.snapshots
  LANGUAGE plpgsql
  STABLE
  PARALLEL SAFE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
AS $$
BEGIN
  PERFORM pgevents.check_name('name', p_name);
  PERFORM pgevents.check_name('category', p_category);
  PERFORM pgevents.check_name('stream', p_stream);
  IF p_version IS NULL OR p_version < 1 THEN
    PERFORM pgevents.raise_invalid('PE140', 'version', 'must be at least 1');
  END IF;
  RETURN QUERY SELECT * FROM pgevents.snapshots s
    WHERE s.name = p_name AND s.version = p_version
      AND pg_catalog.md5(s.category || E'\n' || s.stream)
        = pg_catalog.md5(p_category || E'\n' || p_stream)
      AND s.category = p_category AND s.stream = p_stream;
END;
$$;

COMMENT ON FUNCTION pgevents.load_snapshot(text, integer, text, text) IS
  'Loads the snapshot of stream (p_category, p_stream) for projector (p_name, p_version): zero or one row; other versions are ignored. No locks. SQLSTATEs: PE101, PE140.';
