-- pgevents.check_live_projection_build: fences a live projection batch and names where its rows go.
--
-- Parameters: p_name, the projection name; p_build, the build the runner
-- runs (from pgevents.register_live_projection).
-- Returns the projection name the batch saves its projections under: the
-- name itself for the serving build, name@build for the build being
-- rebuilt. Called in the batch's transaction, before its saves: it holds a
-- share lock on the registry row to commit, so a switch
-- (pgevents.switch_live_projection, which locks the row for update) waits
-- for batches in flight, and batches after it see the new state: a build
-- that was switched in saves under the name from then on, and one that was
-- switched out (or abandoned, or dropped) fails here.
-- Raises PE101 (invalid name), PE141 (the build neither serves nor is
-- being rebuilt: superseded or dropped; DETAIL field "build").
-- Locks: FOR SHARE on the registry row, to commit. VOLATILE: it locks.
CREATE OR REPLACE FUNCTION pgevents.check_live_projection_build(p_name text, p_build integer)
  RETURNS text
  LANGUAGE plpgsql
  VOLATILE
  PARALLEL UNSAFE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _l pgevents.live_projections;
BEGIN
  PERFORM pgevents.check_name('name', p_name);
  SELECT * INTO _l FROM pgevents.live_projections l WHERE l.name = p_name FOR SHARE;
  IF FOUND AND p_build = _l.build THEN
    RETURN p_name;
  ELSIF FOUND AND p_build = _l.building_build THEN
    RETURN p_name || '@' || p_build;
  END IF;
  PERFORM pgevents.raise_invalid('PE141', 'build',
    pg_catalog.format('build %s of live projection %s is superseded or dropped', p_build, p_name));
  RETURN NULL;
END;
$$;

COMMENT ON FUNCTION pgevents.check_live_projection_build(text, integer) IS
  'In a live projection batch: the projection name to save under (name, or name@build while rebuilding); fails PE141 when the build was switched out, abandoned or dropped. Locks: FOR SHARE on the registry row. SQLSTATEs: PE101, PE141.';
