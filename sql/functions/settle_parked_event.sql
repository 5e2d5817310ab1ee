-- pgevents.settle_parked_event: removes a parked event whose replay was handled.
--
-- Parameters: p_group, p_member; p_generation, the generation of the
-- event's partition the member holds (consumer_batch.generation);
-- p_parked_id, the parked row (consumer_batch.parked_id).
-- Call it in the transaction that holds the handler's writes for the
-- replayed event: they commit together. Returns false when the row is gone
-- already (dropped meanwhile), true when it was removed.
-- Raises PE101 invalid name, PE120 NULL argument, PE121 no such group, PE123
-- the member does not own the event's partition at p_generation.
-- Locks: FOR SHARE on the partition's row, the parked row.
-- VOLATILE: it writes.
CREATE OR REPLACE FUNCTION pgevents.settle_parked_event(
  p_group text,
  p_member text,
  p_generation bigint,
  p_parked_id bigint
)
  RETURNS boolean
  LANGUAGE plpgsql
  VOLATILE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _bucket integer;
  _partition integer;
BEGIN
  PERFORM pgevents.find_consumer_group(p_group);
  PERFORM pgevents.check_name('member', p_member);
  IF p_generation IS NULL OR p_parked_id IS NULL THEN
    PERFORM pgevents.raise_invalid('PE120', 'parked_id', 'generation and parked id are required');
  END IF;
  SELECT k.bucket INTO _bucket FROM pgevents.consumer_parked k WHERE k.group_name = p_group AND k.id = p_parked_id;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  SELECT c.partition INTO _partition FROM pgevents.consumer_checkpoints c WHERE c.group_name = p_group AND c.bucket = _bucket;
  PERFORM pgevents.lock_consumer_partition(p_group, p_member, _partition, p_generation);
  DELETE FROM pgevents.consumer_parked k WHERE k.group_name = p_group AND k.id = p_parked_id;
  RETURN FOUND;
END;
$$;

COMMENT ON FUNCTION pgevents.settle_parked_event(text, text, bigint, bigint) IS
  'Removes a parked event whose replay was handled, in the handler''s transaction, for the owner of its partition at the current generation; false when it was gone already. Locks: the partition row FOR SHARE. SQLSTATEs: PE101, PE120, PE121, PE123.';
