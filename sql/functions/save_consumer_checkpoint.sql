-- pgevents.save_consumer_checkpoint: moves a bucket's checkpoint past a handled batch, only for the current lease holder (fencing).
--
-- Parameters:
--   p_group, p_member  the group and the member saving
--   p_bucket           the bucket (consumer_batch.bucket)
--   p_generation       the partition's generation the batch was read under
--                      (consumer_batch.generation)
--   p_after_transaction_id, p_after_sequence_number
--                      the checkpoint the batch started from
--                      (consumer_batch.after_transaction_id / _sequence_number)
--   p_transaction_id, p_sequence_number
--                      the cursor of the last event of the batch in that bucket
-- Call it in the transaction that holds the handler's own writes, once per
-- bucket of the batch, then commit: the writes and the checkpoint commit
-- together or not at all.
-- Fencing: it succeeds only when p_member owns the bucket's partition at
-- generation p_generation (else PE123, nothing moves: the partition passed
-- to another member, was released, or the member's lease expired and it was
-- claimed), and the checkpoint is still exactly where the batch started and
-- moves forwards (compare-and-set; else PE124, nothing moves: another batch
-- already saved). A checkpoint never moves backwards.
-- Locks: FOR SHARE on the partition's row until the transaction ends (a
-- concurrent claim of the partition waits for this batch to commit, and
-- then sees the new checkpoint), the checkpoint row.
-- Raises PE101 invalid name, PE120 invalid or NULL argument or unknown
-- bucket, PE121 no such group, PE123 lease lost, PE124 checkpoint conflict.
-- VOLATILE: it writes.
CREATE OR REPLACE FUNCTION pgevents.save_consumer_checkpoint(
  p_group text,
  p_member text,
  p_bucket integer,
  p_generation bigint,
  p_after_transaction_id xid8,
  p_after_sequence_number bigint,
  p_transaction_id xid8,
  p_sequence_number bigint
)
  RETURNS void
  LANGUAGE plpgsql
  VOLATILE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _partition integer;
  _current_tx xid8;
  _current_seq bigint;
BEGIN
  PERFORM pgevents.find_consumer_group(p_group);
  PERFORM pgevents.check_name('member', p_member);
  IF p_bucket IS NULL OR p_generation IS NULL OR p_after_transaction_id IS NULL OR p_after_sequence_number IS NULL
     OR p_transaction_id IS NULL OR p_sequence_number IS NULL THEN
    PERFORM pgevents.raise_invalid('PE120', 'checkpoint', 'bucket, generation and both cursors are required');
  END IF;
  SELECT c.partition INTO _partition
    FROM pgevents.consumer_checkpoints c WHERE c.group_name = p_group AND c.bucket = p_bucket;
  IF NOT FOUND THEN
    PERFORM pgevents.raise_invalid('PE120', 'bucket', pg_catalog.format('consumer group %s has no bucket %s', p_group, p_bucket));
  END IF;
  PERFORM pgevents.lock_consumer_partition(p_group, p_member, _partition, p_generation);
  UPDATE pgevents.consumer_checkpoints c
     SET transaction_id = p_transaction_id, sequence_number = p_sequence_number,
         updated_at = pg_catalog.clock_timestamp()
   WHERE c.group_name = p_group AND c.bucket = p_bucket
     AND c.transaction_id = p_after_transaction_id AND c.sequence_number = p_after_sequence_number
     AND (p_transaction_id, p_sequence_number) > (p_after_transaction_id, p_after_sequence_number);
  IF NOT FOUND THEN
    SELECT c.transaction_id, c.sequence_number INTO _current_tx, _current_seq
      FROM pgevents.consumer_checkpoints c WHERE c.group_name = p_group AND c.bucket = p_bucket;
    PERFORM pgevents.raise_consumer_error('PE124', pg_catalog.format(
      'checkpoint of bucket %s of consumer group %s is at %s:%s; cannot move it from %s:%s to %s:%s', p_bucket, p_group,
      _current_tx, _current_seq, p_after_transaction_id, p_after_sequence_number, p_transaction_id, p_sequence_number),
      pg_catalog.jsonb_build_object('group', p_group, 'bucket', p_bucket,
        'checkpoint', pg_catalog.format('%s:%s', _current_tx, _current_seq),
        'from', pg_catalog.format('%s:%s', p_after_transaction_id, p_after_sequence_number),
        'to', pg_catalog.format('%s:%s', p_transaction_id, p_sequence_number)));
  END IF;
END;
$$;

COMMENT ON FUNCTION pgevents.save_consumer_checkpoint(text, text, integer, bigint, xid8, bigint, xid8, bigint) IS
  'Moves a bucket''s checkpoint from the batch''s start to its last event, in the caller''s transaction, only for the owner at the current generation (else PE123) and only forwards from where the batch started (else PE124). Locks: the partition row FOR SHARE, the checkpoint row. SQLSTATEs: PE101, PE120, PE121, PE123, PE124.';
