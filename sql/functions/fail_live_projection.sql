-- pgevents.fail_live_projection: records the error that stopped a live projection.
--
-- Parameters: p_name, the projection name; p_error, the error text (kept up
-- to 2000 characters; NULL or empty is recorded as 'unknown error').
-- Returns true when the projection is registered, false otherwise (nothing
-- is written then). The error shows in pgevents.live_projection_status
-- (state failed) until the projection is registered again.
-- Raises PE101 (invalid name). Locks: the row. VOLATILE: it writes.
CREATE OR REPLACE FUNCTION pgevents.fail_live_projection(p_name text, p_error text)
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
   WHERE l.name = p_name;
  RETURN FOUND;
END;
$$;

COMMENT ON FUNCTION pgevents.fail_live_projection(text, text) IS
  'Records the error (up to 2000 characters) that stopped live projection p_name; false when it is not registered. Locks: the row. SQLSTATE: PE101.';
