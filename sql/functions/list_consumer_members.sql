-- pgevents.list_consumer_members: the live members of consumer groups.
--
-- Parameters: p_group, one group (default NULL: every group).
-- Returns pgevents.consumer_members rows whose lease has not expired, in
-- (group, member) order: when each joined, its latest heartbeat and when
-- its lease expires. (Which partitions each owns: pgevents.consumer_status.)
-- Raises PE101 invalid name, PE121 no such group (when p_group is given).
-- Locks: none. VOLATILE: it reads the clock.
CREATE OR REPLACE FUNCTION pgevents.list_consumer_members(p_group text DEFAULT NULL)
  RETURNS SETOF pgevents.consumer_members
  LANGUAGE plpgsql
  VOLATILE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
AS $$
BEGIN
  IF p_group IS NOT NULL THEN
    PERFORM pgevents.find_consumer_group(p_group);
  END IF;
  RETURN QUERY
    SELECT * FROM pgevents.consumer_members m
     WHERE (p_group IS NULL OR m.group_name = p_group) AND m.lease_expires_at > pg_catalog.clock_timestamp()
     ORDER BY m.group_name, m.member;
END;
$$;

COMMENT ON FUNCTION pgevents.list_consumer_members(text) IS
  'The live members of one consumer group (or all): joined, last heartbeat, lease expiry. No locks. SQLSTATEs: PE101, PE121.';
