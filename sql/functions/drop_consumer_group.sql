-- pgevents.drop_consumer_group: removes a consumer group with its members, partitions, checkpoints and parked events.
--
-- Parameters: p_group, the group's name. Returns true when it existed, false
-- otherwise. Its members' next calls fail with PE121. The category's
-- consumer bucket index stays (other groups may use it; an operator drops it
-- with DROP INDEX CONCURRENTLY when no group with several partitions
-- consumes the category any more).
-- Locks: SHARE ROW EXCLUSIVE on pgevents.consumer_groups (as
-- create_consumer_group), then the group's rows (it waits for a batch in
-- flight to commit).
-- Raises PE101 for an invalid name. VOLATILE: it writes.
CREATE OR REPLACE FUNCTION pgevents.drop_consumer_group(p_group text)
  RETURNS boolean
  LANGUAGE plpgsql
  VOLATILE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
AS $$
BEGIN
  PERFORM pgevents.check_name('group', p_group);
  LOCK TABLE pgevents.consumer_groups IN SHARE ROW EXCLUSIVE MODE;
  DELETE FROM pgevents.consumer_groups g WHERE g.name = p_group;
  RETURN FOUND;
END;
$$;

COMMENT ON FUNCTION pgevents.drop_consumer_group(text) IS
  'Removes a consumer group (members, partitions, checkpoints, parked events cascade); returns whether it existed. Locks: SHARE ROW EXCLUSIVE on consumer_groups. SQLSTATE: PE101.';
