-- pgevents.request_live_projection_rebuild: starts a blue/green rebuild of a live projection's serving version.
--
-- Parameters: p_name, the projection name.
-- Starts a new build of the serving projector version beside the serving
-- build, exactly as a runner with a newer version does for its version:
-- building_version = version, a new building_build, building_group =
-- the projection's group @ build, building_started_at and
-- building_requested_at = now. A running projection/live Runner of that
-- version sees it within its SwitchInterval (it polls
-- pgevents.find_live_projection), folds the build from the first event into
-- rows named name@build while the serving build keeps serving reads, and
-- switches it in atomically once caught up
-- (pgevents.switch_live_projection). Use it after fixing a projector
-- without changing its version, or to rebuild rows that were damaged.
-- Idempotent: with a rebuild in progress (requested, or of a newer version)
-- nothing changes.
-- Returns the registry row (no row when no live projection has the name).
-- Raises PE101 (invalid name), PE141 (build numbers exhausted, field
-- "build").
-- Locks: FOR UPDATE on the registry row (waits for batches in flight, see
-- check_live_projection_build). VOLATILE: it writes.
CREATE OR REPLACE FUNCTION pgevents.request_live_projection_rebuild(p_name text)
  RETURNS SETOF pgevents.live_projections
  LANGUAGE plpgsql
  VOLATILE
  PARALLEL UNSAFE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _l pgevents.live_projections;
  _now timestamptz := pg_catalog.clock_timestamp();
  _base text;
BEGIN
  PERFORM pgevents.check_name('name', p_name);
  SELECT * INTO _l FROM pgevents.live_projections l WHERE l.name = p_name FOR UPDATE;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  IF _l.building_build IS NULL THEN
    IF _l.build >= 2147483647 THEN
      PERFORM pgevents.raise_invalid('PE141', 'build', 'live projection ' || p_name || ' has used every build number');
    END IF;
    -- A build after the first runs in group base@build: strip the suffix.
    _base := CASE WHEN _l.build = 1 THEN _l.group_name
                  ELSE pg_catalog.left(_l.group_name, -pg_catalog.length('@' || _l.build)) END;
    UPDATE pgevents.live_projections l
       SET building_version = _l.version, building_build = _l.build + 1,
           building_group = _base || '@' || (_l.build + 1),
           building_started_at = _now, building_requested_at = _now
     WHERE l.name = p_name RETURNING * INTO _l;
  END IF;
  RETURN NEXT _l;
END;
$$;

COMMENT ON FUNCTION pgevents.request_live_projection_rebuild(text) IS
  'Starts a blue/green rebuild of the serving version of live projection p_name (a new build from the first event, switched in by its runner once caught up); no-op while a rebuild is in progress; returns the registry row (none: no such projection). Locks: the registry row. SQLSTATEs: PE101, PE141.';
