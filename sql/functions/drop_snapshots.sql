-- pgevents.drop_snapshots: deletes the snapshots of a projector name.
--
-- Parameters: p_name, the projector's name; p_below_version, when not NULL,
-- deletes only the snapshots of versions below it (the rows a newer version
-- no longer reads), otherwise every version.
-- Returns the number of rows deleted. Snapshots are a cache: loads fold the
-- whole stream when none is left.
-- Raises PE101 (invalid name), PE140 (p_below_version below 1).
-- Locks: the deleted rows. VOLATILE: it writes.
CREATE OR REPLACE FUNCTION pgevents.drop_snapshots(p_name text, p_below_version integer DEFAULT NULL)
  RETURNS bigint
  LANGUAGE plpgsql
  VOLATILE
  PARALLEL UNSAFE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _count bigint;
BEGIN
  PERFORM pgevents.check_name('name', p_name);
  IF p_below_version IS NOT NULL AND p_below_version < 1 THEN
    PERFORM pgevents.raise_invalid('PE140', 'below_version', 'must be at least 1');
  END IF;
  DELETE FROM pgevents.snapshots s
   WHERE s.name = p_name AND (p_below_version IS NULL OR s.version < p_below_version);
  GET DIAGNOSTICS _count = ROW_COUNT;
  RETURN _count;
END;
$$;

COMMENT ON FUNCTION pgevents.drop_snapshots(text, integer) IS
  'Deletes the snapshots of projector p_name (only versions below p_below_version when given); returns how many. Locks: the rows. SQLSTATEs: PE101, PE140.';
