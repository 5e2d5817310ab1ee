-- pgevents.check_parked_ids: validates the id list of replay_parked_events / drop_parked_events.
--
-- Parameters: p_ids. Raises PE120 (field "ids") when it is NULL or holds
-- more than setting consumer_max_batch ids. Locks: none. STABLE: it reads a
-- setting.
CREATE OR REPLACE FUNCTION pgevents.check_parked_ids(p_ids bigint[])
  RETURNS void
  LANGUAGE plpgsql
  STABLE
  PARALLEL SAFE
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _max integer := COALESCE(pgevents.setting('consumer_max_batch')::integer, 10000);
BEGIN
  IF p_ids IS NULL THEN
    PERFORM pgevents.raise_invalid('PE120', 'ids', 'must be an array of parked ids');
  ELSIF COALESCE(pg_catalog.cardinality(p_ids), 0) > _max THEN
    PERFORM pgevents.raise_invalid('PE120', 'ids', pg_catalog.format('must hold at most %s ids (got %s)', _max, pg_catalog.cardinality(p_ids)));
  END IF;
END;
$$;

COMMENT ON FUNCTION pgevents.check_parked_ids(bigint[]) IS
  'Internal: raises PE120 when a parked id list is NULL or longer than setting consumer_max_batch.';
