-- pgevents.register_live_projection: records a live projection a runner keeps current.
--
-- Parameters:
--   p_name      the projection name (the projector's name; a valid name)
--   p_version   the projector version (>= 1)
--   p_group     the consumer group feeding it (a valid name)
--   p_category  the category projected; NULL for the whole log
-- Returns the registry row. A projection registered again (a runner
-- restarting, or a new version) gets the new version, group and category,
-- and its error is cleared.
-- Raises PE101 (invalid name, group or category), PE141 (version below 1,
-- DETAIL field "version").
-- Locks: the row (INSERT ... ON CONFLICT). VOLATILE: it writes.
CREATE OR REPLACE FUNCTION pgevents.register_live_projection(p_name text, p_version integer, p_group text, p_category text)
  RETURNS SETOF pgevents.live_projections
  LANGUAGE plpgsql
  VOLATILE
  PARALLEL UNSAFE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
AS $$
BEGIN
  PERFORM pgevents.check_name('name', p_name);
  PERFORM pgevents.check_name('group', p_group);
  IF p_category IS NOT NULL THEN
    PERFORM pgevents.check_name('category', p_category);
  END IF;
  IF p_version IS NULL OR p_version < 1 THEN
    PERFORM pgevents.raise_invalid('PE141', 'version', 'must be at least 1');
  END IF;
  RETURN QUERY
    INSERT INTO pgevents.live_projections AS l (name, version, group_name, category, error, failed_at, registered_at)
    VALUES (p_name, p_version, p_group, p_category, NULL, NULL, pg_catalog.clock_timestamp())
    ON CONFLICT ON CONSTRAINT live_projections_pkey DO UPDATE
      SET version = EXCLUDED.version, group_name = EXCLUDED.group_name, category = EXCLUDED.category,
          error = NULL, failed_at = NULL, registered_at = EXCLUDED.registered_at
    RETURNING l.*;
END;
$$;

COMMENT ON FUNCTION pgevents.register_live_projection(text, integer, text, text) IS
  'Records (or updates) a live projection: name, projector version, consumer group, category (NULL: the log); clears its error. Locks: the row. SQLSTATEs: PE101, PE141.';
