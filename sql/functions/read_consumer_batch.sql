-- pgevents.read_consumer_batch: the next events a consumer group member must handle.
--
-- Parameters: p_group, p_member; p_limit, the most events to return (1 to
-- setting consumer_max_batch, default 100).
-- Returns pgevents.consumer_batch rows, only from the partitions p_member
-- owns (pgevents.join_consumer_group):
--   1. first, parked events marked for replay (pgevents.replay_parked_events)
--      in those partitions, in parking order, with parked_id and attempts set;
--   2. then new events, bucket by bucket, the bucket furthest behind first:
--      each bucket's events after its checkpoint (after_transaction_id,
--      after_sequence_number), in (transaction_id, sequence_number) order,
--      only from transactions below the fence
--      pg_snapshot_xmin(pg_current_snapshot()) (SPEC §3: resuming never skips
--      or repeats). Events of one bucket come out contiguous and in order;
--      a stream is always in one bucket, so per-stream order holds.
-- Each row carries its partition's generation and its bucket's checkpoint,
-- the arguments pgevents.save_consumer_checkpoint needs. Reading moves
-- nothing: the same call returns the same events until a checkpoint is
-- saved.
-- No read amplification: a group with one partition reads one range of
-- events_category_order_idx (or events_log_order_idx); a group with several
-- reads each of the member's buckets as one range of the category's
-- consumer bucket index (pgevents.consumer_index_definition), stopping as
-- soon as p_limit rows are found. An idle member costs one index probe per
-- owned bucket.
-- Plans: sequential scans, bitmap scans and sorts are disabled for the call
-- (SET clauses), so every read is an ordered index scan that stops at the
-- limit, whatever the statistics say (a bitmap scan would read a bucket's
-- whole backlog to return its first rows); JIT is off (the disabled paths'
-- cost penalty would otherwise make every call pay a JIT compilation).
-- Raises PE101 invalid name, PE120 invalid limit, PE121 no such group.
-- Locks: none. STABLE: reads only (one snapshot for the whole call).
CREATE OR REPLACE FUNCTION pgevents.read_consumer_batch(p_group text, p_member text, p_limit integer DEFAULT 100)
  RETURNS SETOF pgevents.consumer_batch
  LANGUAGE plpgsql
  STABLE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
  SET enable_seqscan = off
  SET enable_bitmapscan = off
  SET enable_sort = off
  SET jit = off
AS $$
DECLARE
  _g pgevents.consumer_groups := pgevents.find_consumer_group(p_group);
  _fence xid8 := pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot());
  _limit bigint;
  _replays bigint;
BEGIN
  PERFORM pgevents.check_name('member', p_member);
  IF p_limit IS NULL OR p_limit < 1 OR p_limit > COALESCE(pgevents.setting('consumer_max_batch')::integer, 10000) THEN
    PERFORM pgevents.raise_invalid('PE120', 'limit', pg_catalog.format('must be between 1 and %s (got %s)',
      COALESCE(pgevents.setting('consumer_max_batch')::integer, 10000), COALESCE(p_limit::text, 'NULL')));
  END IF;

  RETURN QUERY
    SELECT k.group_name, c.partition, k.bucket, p.generation, c.transaction_id, c.sequence_number, k.id, k.attempts,
           e.sequence_number, e.transaction_id, e.id, e.category, e.stream, e.position, e.name,
           e.payload, e.metadata, e.occurred_at, e.observed_at
      FROM pgevents.consumer_parked k
      JOIN pgevents.consumer_checkpoints c ON c.group_name = k.group_name AND c.bucket = k.bucket
      JOIN pgevents.consumer_partitions p ON p.group_name = c.group_name AND p.partition = c.partition
      JOIN pgevents.events e ON e.sequence_number = k.sequence_number
     WHERE k.group_name = p_group AND k.replay_requested_at IS NOT NULL AND p.owner = p_member
     ORDER BY k.id
     LIMIT p_limit;
  GET DIAGNOSTICS _replays = ROW_COUNT;
  _limit := p_limit - _replays;
  IF _limit <= 0 THEN
    RETURN;
  END IF;

  IF _g.partitions = 1 AND _g.category IS NOT NULL THEN
    RETURN QUERY
      SELECT c.group_name, c.partition, c.bucket, p.generation, c.transaction_id, c.sequence_number, NULL::bigint, 0,
             e.sequence_number, e.transaction_id, e.id, e.category, e.stream, e.position, e.name,
             e.payload, e.metadata, e.occurred_at, e.observed_at
        FROM pgevents.consumer_checkpoints c
        JOIN pgevents.consumer_partitions p ON p.group_name = c.group_name AND p.partition = c.partition
       CROSS JOIN LATERAL (
             SELECT * FROM pgevents.events e
              WHERE e.category = _g.category
                AND (e.transaction_id, e.sequence_number) > (c.transaction_id, c.sequence_number)
                AND e.transaction_id < _fence
              ORDER BY e.transaction_id, e.sequence_number
              LIMIT _limit) e
       WHERE c.group_name = p_group AND p.owner = p_member;
  ELSIF _g.partitions = 1 THEN
    RETURN QUERY
      SELECT c.group_name, c.partition, c.bucket, p.generation, c.transaction_id, c.sequence_number, NULL::bigint, 0,
             e.sequence_number, e.transaction_id, e.id, e.category, e.stream, e.position, e.name,
             e.payload, e.metadata, e.occurred_at, e.observed_at
        FROM pgevents.consumer_checkpoints c
        JOIN pgevents.consumer_partitions p ON p.group_name = c.group_name AND p.partition = c.partition
       CROSS JOIN LATERAL (
             SELECT * FROM pgevents.events e
              WHERE (e.transaction_id, e.sequence_number) > (c.transaction_id, c.sequence_number)
                AND e.transaction_id < _fence
              ORDER BY e.transaction_id, e.sequence_number
              LIMIT _limit) e
       WHERE c.group_name = p_group AND p.owner = p_member;
  ELSE
    -- One range of the bucket index per owned bucket; the category is a
    -- literal in the text (see pgevents.consumer_bucket_query).
    RETURN QUERY EXECUTE pgevents.consumer_bucket_query(_g.category)
      USING p_group, p_member, _fence, _limit;
  END IF;
END;
$$;

COMMENT ON FUNCTION pgevents.read_consumer_batch(text, text, integer) IS
  'A consumer group member''s next batch: replays of parked events first, then new events of its own partitions'' buckets after their checkpoints, in fenced (transaction_id, sequence_number) order, through an index (no read amplification). Moves nothing. No locks. SQLSTATEs: PE101, PE120, PE121.';
