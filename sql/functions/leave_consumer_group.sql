-- pgevents.leave_consumer_group: leaves a consumer group at once, releasing the member's partitions (a clean stop).
--
-- Parameters: p_group, p_member. Returns how many partitions were released.
-- The other members claim them at their next heartbeat
-- (pgevents.join_consumer_group). Leaving twice, or without having joined,
-- releases nothing and returns 0.
-- Locks: FOR NO KEY UPDATE on the group's row; the member's partition rows
-- (it waits for the member's batch in flight to commit).
-- Raises PE101 invalid name, PE121 no such group. VOLATILE: it writes.
CREATE OR REPLACE FUNCTION pgevents.leave_consumer_group(p_group text, p_member text)
  RETURNS integer
  LANGUAGE plpgsql
  VOLATILE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _released integer;
BEGIN
  PERFORM pgevents.check_name('group', p_group);
  PERFORM pgevents.check_name('member', p_member);
  PERFORM 1 FROM pgevents.consumer_groups g WHERE g.name = p_group FOR NO KEY UPDATE;
  IF NOT FOUND THEN
    PERFORM pgevents.raise_consumer_error('PE121', pg_catalog.format('consumer group %s does not exist', p_group),
      pg_catalog.jsonb_build_object('group', p_group));
  END IF;
  UPDATE pgevents.consumer_partitions p SET owner = NULL, claimed_at = NULL
   WHERE p.group_name = p_group AND p.owner = p_member;
  GET DIAGNOSTICS _released = ROW_COUNT;
  DELETE FROM pgevents.consumer_members m WHERE m.group_name = p_group AND m.member = p_member;
  RETURN _released;
END;
$$;

COMMENT ON FUNCTION pgevents.leave_consumer_group(text, text) IS
  'Clean stop of a consumer group member: releases its partitions at once and ends its membership; returns the number released. Locks: the group row FOR NO KEY UPDATE, the member''s partition rows. SQLSTATEs: PE101, PE121.';
