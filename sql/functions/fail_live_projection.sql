-- pgevents.fail_live_projection: records the error that stopped a live projection.
--
-- Parameters: p_name, the projection name; p_error, the error text (kept up
-- to 2000 characters; NULL or empty is recorded as 'unknown error');
-- p_build, the build that failed (NULL: any): the error is recorded only
-- when it is the serving build or the one being rebuilt, so a runner of a
-- build switched out never marks its successor failed.
-- Returns true when it recorded the error, false otherwise (not
-- registered, or another build). The error shows in pgevents.live_projection_status
-- (state failed) until the projection is registered again.
-- Raises PE101 (invalid name). Locks: the row. VOLATILE: it writes.
CREATE OR REPLACE FUNCTION pgevents.fail_live_projection(p_name text, p_error text, p_build integer DEFAULT NULL)
  RETURNS boolean
  LANGUAGE plpgsql
  VOLATILE
  PARALLEL UNSAFE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
AS $$
BEGIN
  PERFORM pgevents.check_name('name', p_name);
  UPDATE pgevents.live_projections l
     SET error = COALESCE(NULLIF(pg_catalog.left(p_error, 2000), ''), 'unknown error'),
         failed_at = pg_catalog.clock_timestamp()
   WHERE l.name = p_name AND (p_build IS NULL OR p_build = l.build OR p_build = l.building_build);
  RETURN FOUND;
END;
$$;

COMMENT ON FUNCTION pgevents.fail_live_projection(text, text, integer) IS
  'Records the error (up to 2000 characters) that stopped build p_build (NULL: any) of live projection p_name; false when it is not registered or serves/rebuilds another build. Locks: the row. SQLSTATE: PE101.';
