-- pgevents.drop_live_projection: removes a live projection with everything it stored.
--
-- Parameters: p_name, the projection name.
-- Deletes the registry row, the consumer group (members, partitions,
-- checkpoints, parked events; pgevents.drop_consumer_group), the
-- projections stored under the name and their snapshots, and a rebuild in
-- progress (its group and its rows, named name@build). A runner still
-- running it fails its next batch (the group is gone) and stops.
-- Returns the number of projection rows deleted, or NULL when no live
-- projection has the name (nothing is deleted then).
-- Raises PE101 (invalid name).
-- Locks: those of drop_consumer_group (it waits for a batch in flight),
-- then the rows it deletes. VOLATILE: it writes.
CREATE OR REPLACE FUNCTION pgevents.drop_live_projection(p_name text)
  RETURNS bigint
  LANGUAGE plpgsql
  VOLATILE
  PARALLEL UNSAFE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _l pgevents.live_projections;
  _count bigint;
BEGIN
  PERFORM pgevents.check_name('name', p_name);
  SELECT * INTO _l FROM pgevents.live_projections l WHERE l.name = p_name FOR UPDATE;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  PERFORM pgevents.drop_consumer_group(_l.group_name);
  DELETE FROM pgevents.projections p WHERE p.name = p_name;
  GET DIAGNOSTICS _count = ROW_COUNT;
  IF _l.building_build IS NOT NULL THEN
    PERFORM pgevents.drop_consumer_group(_l.building_group);
    DELETE FROM pgevents.projections p WHERE p.name = p_name || '@' || _l.building_build;
  END IF;
  DELETE FROM pgevents.snapshots s WHERE s.name = p_name;
  DELETE FROM pgevents.live_projections l WHERE l.name = p_name;
  RETURN _count;
END;
$$;

COMMENT ON FUNCTION pgevents.drop_live_projection(text) IS
  'Removes live projection p_name: its registry row, consumer group, stored projections and snapshots; returns the projections deleted (NULL: no such live projection). Locks: those of drop_consumer_group, then the rows. SQLSTATE: PE101.';
