-- pgevents.replay_parked_events: marks parked events for replay by the member that owns their partition.
--
-- Parameters: p_group; p_ids, the parked ids (pgevents.list_parked_events'
-- parked_id; at most setting consumer_max_batch of them). To replay all:
--   SELECT pgevents.replay_parked_events('g', ARRAY(SELECT parked_id FROM pgevents.list_parked_events('g', 0, -1)));
-- Returns how many of them are now marked (unknown ids are ignored). The
-- member owning each event's partition delivers it again before new events
-- (pgevents.read_consumer_batch); handled, it is removed
-- (pgevents.settle_parked_event); failing again, it stays parked with the
-- new error and more attempts. A replay comes after the events of its
-- stream that followed it: per-stream order does not hold for replays.
-- Raises PE101 invalid name, PE120 p_ids NULL or too long, PE121 no such
-- group. Locks: the parked rows. VOLATILE: it writes.
CREATE OR REPLACE FUNCTION pgevents.replay_parked_events(p_group text, p_ids bigint[])
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
  UPDATE pgevents.consumer_parked k SET replay_requested_at = COALESCE(k.replay_requested_at, pg_catalog.clock_timestamp())
   WHERE k.group_name = p_group AND k.id = ANY (p_ids);
  GET DIAGNOSTICS _n = ROW_COUNT;
  RETURN _n;
END;
$$;

COMMENT ON FUNCTION pgevents.replay_parked_events(text, bigint[]) IS
  'Marks parked events of a consumer group for replay (the owning member delivers them again before new events); returns how many are marked. Locks: the parked rows. SQLSTATEs: PE101, PE120, PE121.';
