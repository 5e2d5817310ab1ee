-- pgevents.find_live_projection: the registry row of one live projection.
--
-- Parameters: p_name, the projection name.
-- Returns the pgevents.live_projections row (no row when no live
-- projection has the name): the serving version, build and group, and the
-- rebuild in progress. projection/live Runners poll it to pick up rebuilds
-- requested with pgevents.request_live_projection_rebuild; it is cheap (one
-- primary key lookup), unlike pgevents.live_projection_status.
-- Raises PE101 (invalid name). Locks: none. STABLE: reads only.
CREATE OR REPLACE FUNCTION pgevents.find_live_projection(p_name text)
  RETURNS SETOF pgevents.live_projections
  LANGUAGE plpgsql
  STABLE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
AS $$
BEGIN
  PERFORM pgevents.check_name('name', p_name);
  RETURN QUERY SELECT * FROM pgevents.live_projections l WHERE l.name = p_name;
END;
$$;

COMMENT ON FUNCTION pgevents.find_live_projection(text) IS
  'The registry row of live projection p_name (none: no such projection): serving version, build and group, and the rebuild in progress. No locks. SQLSTATE: PE101.';
