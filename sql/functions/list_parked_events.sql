-- pgevents.list_parked_events: the parked (dead-lettered) events of a consumer group, with the events.
--
-- Parameters: p_group; p_after_id, list parked rows with a larger id only
-- (default 0: from the first; pass the last parked_id seen to page);
-- p_limit, the most rows (default 100, -1 = all).
-- Returns pgevents.parked_events rows in parked_id order: the error, the
-- attempts, when it was parked and last failed, whether a replay is
-- requested, and the event itself.
-- Raises PE101 invalid name, PE106 invalid limit, PE121 no such group.
-- Locks: none. STABLE: reads only.
CREATE OR REPLACE FUNCTION pgevents.list_parked_events(p_group text, p_after_id bigint DEFAULT 0, p_limit integer DEFAULT 100)
  RETURNS SETOF pgevents.parked_events
  LANGUAGE plpgsql
  STABLE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _limit integer := pgevents.check_limit(p_limit);
BEGIN
  PERFORM pgevents.find_consumer_group(p_group);
  RETURN QUERY
    SELECT * FROM pgevents.parked_events k
     WHERE k.group_name = p_group AND k.parked_id > COALESCE(p_after_id, 0)
     ORDER BY k.parked_id
     LIMIT _limit;
END;
$$;

COMMENT ON FUNCTION pgevents.list_parked_events(text, bigint, integer) IS
  'The parked events of a consumer group with their errors, attempts and the events, in id order, paged by id. No locks. SQLSTATEs: PE101, PE106, PE121.';
