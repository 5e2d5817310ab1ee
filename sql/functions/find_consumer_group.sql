-- pgevents.find_consumer_group: a consumer group's row, or PE121.
--
-- Parameters: p_group, the group's name (checked: PE101).
-- Returns the pgevents.consumer_groups row. Raises PE101 for an invalid
-- name, PE121 when no such group exists (DETAIL {"group"}).
-- Locks: none. STABLE: reads only.
CREATE OR REPLACE FUNCTION pgevents.find_consumer_group(p_group text)
  RETURNS pgevents.consumer_groups
  LANGUAGE plpgsql
  STABLE
  PARALLEL SAFE
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _g pgevents.consumer_groups;
BEGIN
  PERFORM pgevents.check_name('group', p_group);
  SELECT * INTO _g FROM pgevents.consumer_groups g WHERE g.name = p_group;
  IF NOT FOUND THEN
    PERFORM pgevents.raise_consumer_error('PE121', pg_catalog.format('consumer group %s does not exist', p_group),
      pg_catalog.jsonb_build_object('group', p_group));
  END IF;
  RETURN _g;
END;
$$;

COMMENT ON FUNCTION pgevents.find_consumer_group(text) IS
  'Internal: the consumer group''s row; raises PE121 when it does not exist, PE101 for an invalid name. No locks.';
