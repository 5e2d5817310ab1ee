-- pgevents.drop_parked_events: removes parked events of a consumer group for good (they are not handled).
--
-- Parameters: p_group; p_ids, the parked ids (at most setting
-- consumer_max_batch of them). The events themselves stay in the log.
-- Returns how many were removed (unknown ids are ignored).
-- Raises PE101 invalid name, PE120 p_ids NULL or too long, PE121 no such
-- group. Locks: the parked rows. VOLATILE: it writes.
CREATE OR REPLACE FUNCTION pgevents.drop_parked_events(p_group text, p_ids bigint[])
  RETURNS integer
  LANGUAGE plpgsql
  VOLATILE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _n integer;
BEGIN
  PERFORM pgevents.find_consumer_group(p_group);
  PERFORM pgevents.check_parked_ids(p_ids);
  DELETE FROM pgevents.consumer_parked k WHERE k.group_name = p_group AND k.id = ANY (p_ids);
  GET DIAGNOSTICS _n = ROW_COUNT;
  RETURN _n;
END;
$$;

COMMENT ON FUNCTION pgevents.drop_parked_events(text, bigint[]) IS
  'Removes parked events of a consumer group (the events stay in the log); returns how many. Locks: the parked rows. SQLSTATEs: PE101, PE120, PE121.';
