-- pgevents.register_live_projection: records a live projection a runner keeps current, and says which build it runs.
--
-- Parameters:
--   p_name      the projection name (the projector's name; a valid name of
--               at most 240 characters without "@": a rebuild's rows are
--               named name@build)
--   p_version   the runner's projector version (>= 1)
--   p_group     the consumer group of the projection's first build (a valid
--               name of at most 240 characters; a rebuild's group is
--               group@build)
--   p_category  the category projected; NULL for the whole log
-- Returns the registry row, after these rules (blue/green rebuilds):
--   - not registered: registered with p_version as build 1, group p_group;
--   - p_version is the serving version (version): the runner runs the
--     serving build (build, group_name); its error is cleared;
--   - p_version is the version being rebuilt (building_version): the runner
--     runs that build (building_build, building_group); when it is also the
--     serving version (a rebuild requested with
--     pgevents.request_live_projection_rebuild), the runner runs both;
--   - p_version is newer than both: a rebuild starts: building_version =
--     p_version, a new building_build, building_group = p_group@build (a
--     rebuild of an older version in progress is abandoned: its group and
--     rows are dropped); the serving build keeps serving reads until
--     pgevents.switch_live_projection swaps the new build in.
-- The caller compares building_version with p_version to know which build
-- it runs.
-- Raises PE101 (invalid name, group or category), PE141 (version below 1,
-- name or group over 240 characters, a name with "@", or a version older than the serving
-- one or than the one being rebuilt: the runner is superseded, DETAIL
-- field "version").
-- Locks: the registry row (FOR UPDATE / INSERT ... ON CONFLICT), and those
-- of drop_consumer_group when an older rebuild is abandoned.
-- VOLATILE: it writes.
CREATE OR REPLACE FUNCTION pgevents.register_live_projection(p_name text, p_version integer, p_group text, p_category text)
  RETURNS SETOF pgevents.live_projections
  LANGUAGE plpgsql
  VOLATILE
  PARALLEL UNSAFE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _l pgevents.live_projections;
  _build integer;
  _now timestamptz := pg_catalog.clock_timestamp();
BEGIN
  PERFORM pgevents.check_name('name', p_name);
  PERFORM pgevents.check_name('group', p_group);
  IF p_category IS NOT NULL THEN
    PERFORM pgevents.check_name('category', p_category);
  END IF;
  IF p_version IS NULL OR p_version < 1 THEN
    PERFORM pgevents.raise_invalid('PE141', 'version', 'must be at least 1');
  END IF;
  IF pg_catalog.strpos(p_name, '@') > 0 THEN
    PERFORM pgevents.raise_invalid('PE141', 'name', 'must not contain @ (name@build names the rows of a rebuild)');
  END IF;
  IF pg_catalog.length(p_name) > 240 THEN
    PERFORM pgevents.raise_invalid('PE141', 'name', 'must be at most 240 characters for a live projection');
  END IF;
  IF pg_catalog.length(p_group) > 240 THEN
    PERFORM pgevents.raise_invalid('PE141', 'group', 'must be at most 240 characters for a live projection');
  END IF;
  INSERT INTO pgevents.live_projections AS l (name, version, group_name, category, registered_at, build_started_at)
  VALUES (p_name, p_version, p_group, p_category, _now, _now)
  ON CONFLICT ON CONSTRAINT live_projections_pkey DO NOTHING;
  SELECT * INTO _l FROM pgevents.live_projections l WHERE l.name = p_name FOR UPDATE;
  IF p_version = _l.version THEN
    UPDATE pgevents.live_projections l SET error = NULL, failed_at = NULL, registered_at = _now
     WHERE l.name = p_name RETURNING * INTO _l;
  ELSIF p_version = _l.building_version THEN
    UPDATE pgevents.live_projections l SET registered_at = _now WHERE l.name = p_name RETURNING * INTO _l;
  ELSIF p_version > _l.version AND (_l.building_version IS NULL OR p_version > _l.building_version) THEN
    IF _l.building_version IS NOT NULL THEN
      PERFORM pgevents.drop_consumer_group(_l.building_group);
      DELETE FROM pgevents.projections p WHERE p.name = p_name || '@' || _l.building_build;
    END IF;
    _build := GREATEST(_l.build, COALESCE(_l.building_build, 0)) + 1;
    UPDATE pgevents.live_projections l
       SET building_version = p_version, building_build = _build, building_group = p_group || '@' || _build,
           building_started_at = _now, building_requested_at = NULL, registered_at = _now
     WHERE l.name = p_name RETURNING * INTO _l;
  ELSE
    PERFORM pgevents.raise_invalid('PE141', 'version',
      pg_catalog.format('%s is superseded: live projection %s serves version %s%s', p_version, p_name, _l.version,
        CASE WHEN _l.building_version IS NULL THEN '' ELSE pg_catalog.format(' and rebuilds version %s', _l.building_version) END));
  END IF;
  RETURN NEXT _l;
END;
$$;

COMMENT ON FUNCTION pgevents.register_live_projection(text, integer, text, text) IS
  'Records a live projection and returns its registry row: the serving build for the serving version, the build being rebuilt for that version, a new rebuild (blue/green) for a newer version. Locks: the row. SQLSTATEs: PE101, PE141 (invalid or superseded version, names over 240 characters).';
