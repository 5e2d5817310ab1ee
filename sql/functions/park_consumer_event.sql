-- pgevents.park_consumer_event: parks (dead-letters) an event a member gave up on, with its error.
--
-- Parameters: p_group, p_member; p_generation, the generation of the
-- event's partition the member holds; p_sequence_number, the event;
-- p_error, the last error (cut to setting consumer_max_error_length
-- characters); p_attempts, how many times it was tried (at least 1).
-- Returns the parked row's id. Parking an event that is parked already (a
-- replay that failed again) updates the row: the new error, attempts added,
-- replay request cleared.
-- Parking does not move the checkpoint: to go on past a new poison event,
-- save the checkpoint up to it (pgevents.save_consumer_checkpoint) in the
-- same transaction, so the event is parked exactly when it is skipped.
-- Raises PE101 invalid name, PE120 invalid argument (unknown event, or an
-- event outside the group's source), PE121 no such group, PE123 the member
-- does not own the event's partition at p_generation.
-- Locks: FOR SHARE on the partition's row until the transaction ends.
-- VOLATILE: it writes.
CREATE OR REPLACE FUNCTION pgevents.park_consumer_event(
  p_group text,
  p_member text,
  p_generation bigint,
  p_sequence_number bigint,
  p_error text,
  p_attempts integer
)
  RETURNS bigint
  LANGUAGE plpgsql
  VOLATILE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _g pgevents.consumer_groups := pgevents.find_consumer_group(p_group);
  _category text;
  _stream text;
  _bucket integer;
  _partition integer;
  _id bigint;
  _now timestamptz := pg_catalog.clock_timestamp();
BEGIN
  PERFORM pgevents.check_name('member', p_member);
  IF p_generation IS NULL OR p_sequence_number IS NULL THEN
    PERFORM pgevents.raise_invalid('PE120', 'sequence_number', 'generation and sequence number are required');
  END IF;
  IF p_attempts IS NULL OR p_attempts < 1 THEN
    PERFORM pgevents.raise_invalid('PE120', 'attempts', pg_catalog.format('must be at least 1 (got %s)', COALESCE(p_attempts::text, 'NULL')));
  END IF;
  SELECT e.category, e.stream INTO _category, _stream FROM pgevents.events e WHERE e.sequence_number = p_sequence_number;
  IF NOT FOUND THEN
    PERFORM pgevents.raise_invalid('PE120', 'sequence_number', pg_catalog.format('no event has sequence number %s', p_sequence_number));
  END IF;
  IF _g.category IS NOT NULL AND _category <> _g.category THEN
    PERFORM pgevents.raise_invalid('PE120', 'sequence_number', pg_catalog.format(
      'event %s is in category %s, not in the group''s category %s', p_sequence_number, _category, _g.category));
  END IF;
  _bucket := CASE WHEN _g.partitions = 1 THEN 0 ELSE pg_catalog.hashtext(_category || E'\x1f' || _stream) & 63 END;
  SELECT c.partition INTO _partition FROM pgevents.consumer_checkpoints c WHERE c.group_name = p_group AND c.bucket = _bucket;
  PERFORM pgevents.lock_consumer_partition(p_group, p_member, _partition, p_generation);
  INSERT INTO pgevents.consumer_parked AS k (group_name, bucket, sequence_number, error, attempts, parked_at, updated_at)
    VALUES (p_group, _bucket, p_sequence_number,
            pg_catalog.left(COALESCE(p_error, ''), COALESCE(pgevents.setting('consumer_max_error_length')::integer, 8192)),
            p_attempts, _now, _now)
    ON CONFLICT (group_name, sequence_number) DO UPDATE
      SET error = excluded.error, attempts = k.attempts + excluded.attempts, updated_at = excluded.updated_at,
          replay_requested_at = NULL
    RETURNING k.id INTO _id;
  RETURN _id;
END;
$$;

COMMENT ON FUNCTION pgevents.park_consumer_event(text, text, bigint, bigint, text, integer) IS
  'Parks (dead-letters) an event of a consumer group with its error and attempts (a parked one is updated), for the owner of its partition at the current generation. Does not move the checkpoint. Locks: the partition row FOR SHARE. SQLSTATEs: PE101, PE120, PE121, PE123.';
