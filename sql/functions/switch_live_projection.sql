-- pgevents.switch_live_projection: swaps a rebuilt live projection in, atomically (blue/green).
--
-- Parameters: p_name, the projection name; p_build, the build being
-- rebuilt; p_max_lag, the most events its group may still have to project
-- (not counting those the snapshot fence holds back) for the switch to
-- happen (default 0; the rest is projected after the switch, as any new
-- events are).
-- Returns true when it switched, false when the build has not caught up
-- yet (nothing changes then). Switching, in this transaction: the serving
-- build's rows (named p_name) are deleted and the rebuilt ones (named
-- p_name@p_build) renamed to p_name, so readers see the old set until
-- commit and the new set after it, never a mix; the registry serves the new
-- version and build from its group; the old build's consumer group is
-- dropped (its runner fails its next batch with PE141) and the snapshots of
-- older versions are deleted.
-- Raises PE101 (invalid name), PE141 (p_build is not being rebuilt, or
-- p_max_lag is negative).
-- Locks: FOR UPDATE on the registry row (waits for batches in flight of
-- both builds, see check_live_projection_build), the rows it deletes and
-- renames, and those of drop_consumer_group. VOLATILE: it writes.
CREATE OR REPLACE FUNCTION pgevents.switch_live_projection(p_name text, p_build integer, p_max_lag bigint DEFAULT 0)
  RETURNS boolean
  LANGUAGE plpgsql
  VOLATILE
  PARALLEL UNSAFE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _l pgevents.live_projections;
  _lag bigint;
BEGIN
  PERFORM pgevents.check_name('name', p_name);
  IF p_max_lag IS NULL OR p_max_lag < 0 THEN
    PERFORM pgevents.raise_invalid('PE141', 'max_lag', 'must not be negative');
  END IF;
  SELECT * INTO _l FROM pgevents.live_projections l WHERE l.name = p_name FOR UPDATE;
  IF NOT FOUND OR _l.building_build IS DISTINCT FROM p_build THEN
    PERFORM pgevents.raise_invalid('PE141', 'build',
      pg_catalog.format('build %s of live projection %s is not being rebuilt', p_build, p_name));
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pgevents.consumer_groups g WHERE g.name = _l.building_group) THEN
    RETURN false; -- its runner has not created the group yet
  END IF;
  SELECT COALESCE(pg_catalog.sum(s.lag_events - s.held_back_events), 0)::bigint INTO _lag
    FROM pgevents.consumer_status(_l.building_group) s;
  IF _lag > p_max_lag THEN
    RETURN false;
  END IF;
  DELETE FROM pgevents.projections p WHERE p.name = p_name;
  UPDATE pgevents.projections p SET name = p_name WHERE p.name = p_name || '@' || p_build;
  PERFORM pgevents.drop_consumer_group(_l.group_name);
  DELETE FROM pgevents.snapshots s WHERE s.name = p_name AND s.version < _l.building_version;
  UPDATE pgevents.live_projections l
     SET version = _l.building_version, build = _l.building_build, group_name = _l.building_group,
         build_started_at = _l.building_started_at,
         building_version = NULL, building_build = NULL, building_group = NULL, building_started_at = NULL,
         building_requested_at = NULL, error = NULL, failed_at = NULL, switched_at = pg_catalog.clock_timestamp()
   WHERE l.name = p_name;
  RETURN true;
END;
$$;

COMMENT ON FUNCTION pgevents.switch_live_projection(text, integer, bigint) IS
  'Blue/green switch: when build p_build of live projection p_name has at most p_max_lag events left, replaces the serving rows with the rebuilt ones and the serving version, build and group with the rebuilt ones, in one transaction; returns whether it switched. Locks: the registry row for update, the rows. SQLSTATEs: PE101, PE141.';
