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
-- consumer bucket index (pgevents.fetch_consumer_buckets), stopping as soon
-- as p_limit rows are found. An idle member costs one index probe per owned
-- bucket.
-- Inlined (issue 11: catch-up as fast as the raw read): a LANGUAGE sql
-- function without SECURITY DEFINER or SET clause, whose one SELECT the
-- planner puts into the calling statement (no function scan, no
-- tuplestore for the common one-partition group). It runs with the
-- caller's privileges: it reads the consumer tables (SELECT granted to
-- pgevents_reader and pgevents_writer since migration 00007) and
-- pgevents.readable_events (the events, for both roles), and every name,
-- operator and type in it is schema-qualified. The three parts are the branches of one UNION ALL,
-- which the executor runs in order (an Append; check_read_consumer_batch
-- is PARALLEL UNSAFE, so never a Parallel Append) under one LIMIT, so the
-- new events fill what the replays leave. The checks
-- (pgevents.check_read_consumer_batch) are in the LIMIT expression, which
-- the executor evaluates once, before the first row. The one-partition
-- branch is an ordered index range scan under a LIMIT (cost-based like
-- read_category: at most p_limit index entries, whatever the backlog); the
-- multi-partition one (pgevents.fetch_consumer_buckets, called only for such
-- groups) keeps its planner settings.
-- Raises PE101 invalid name, PE120 invalid limit, PE121 no such group.
-- Locks: none. STABLE: reads only (one snapshot for the whole call).
CREATE OR REPLACE FUNCTION pgevents.read_consumer_batch(p_group text, p_member text, p_limit integer DEFAULT 100)
  RETURNS SETOF pgevents.consumer_batch
  LANGUAGE sql
  STABLE
AS $$
  SELECT r.group_name, r.partition, r.bucket, r.generation, r.after_transaction_id, r.after_sequence_number,
         r.parked_id, r.attempts, r.sequence_number, r.transaction_id, r.id, r.category, r.stream, r.position,
         r.name, r.payload, r.metadata, r.occurred_at, r.observed_at
    FROM (
      (SELECT k.group_name, c.partition, k.bucket, p.generation, c.transaction_id AS after_transaction_id,
              c.sequence_number AS after_sequence_number, k.id AS parked_id, k.attempts,
              e.sequence_number, e.transaction_id, e.id, e.category, e.stream, e.position, e.name,
              e.payload, e.metadata, e.occurred_at, e.observed_at
         FROM pgevents.consumer_parked k
         JOIN pgevents.consumer_checkpoints c
           ON c.group_name OPERATOR(pg_catalog.=) k.group_name AND c.bucket OPERATOR(pg_catalog.=) k.bucket
         JOIN pgevents.consumer_partitions p
           ON p.group_name OPERATOR(pg_catalog.=) c.group_name AND p.partition OPERATOR(pg_catalog.=) c.partition
         JOIN pgevents.readable_events e ON e.sequence_number OPERATOR(pg_catalog.=) k.sequence_number
        WHERE k.group_name OPERATOR(pg_catalog.=) p_group AND k.replay_requested_at IS NOT NULL
          AND p.owner OPERATOR(pg_catalog.=) p_member
        ORDER BY k.id
        LIMIT (SELECT p_limit))
      UNION ALL
      (SELECT h.group_name, h.partition, h.bucket, p.generation, h.transaction_id, h.sequence_number,
              NULL::pg_catalog.int8, 0,
              e.sequence_number, e.transaction_id, e.id, e.category, e.stream, e.position, e.name,
              e.payload, e.metadata, e.occurred_at, e.observed_at
         FROM pgevents.consumer_checkpoints h
         JOIN pgevents.consumer_partitions p
           ON p.group_name OPERATOR(pg_catalog.=) h.group_name AND p.partition OPERATOR(pg_catalog.=) h.partition
         JOIN pgevents.consumer_groups g ON g.name OPERATOR(pg_catalog.=) h.group_name
        CROSS JOIN LATERAL (
              (SELECT * FROM pgevents.readable_events e
                WHERE g.category IS NOT NULL
                  AND e.category OPERATOR(pg_catalog.=) g.category
                  AND (e.transaction_id, e.sequence_number) OPERATOR(pg_catalog.>) (h.transaction_id, h.sequence_number)
                  AND e.transaction_id OPERATOR(pg_catalog.<) pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot())
                ORDER BY e.transaction_id, e.sequence_number
                LIMIT (SELECT p_limit))
              UNION ALL
              (SELECT * FROM pgevents.readable_events e
                WHERE g.category IS NULL
                  AND (e.transaction_id, e.sequence_number) OPERATOR(pg_catalog.>) (h.transaction_id, h.sequence_number)
                  AND e.transaction_id OPERATOR(pg_catalog.<) pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot())
                ORDER BY e.transaction_id, e.sequence_number
                LIMIT (SELECT p_limit))) e
        WHERE h.group_name OPERATOR(pg_catalog.=) p_group AND p.owner OPERATOR(pg_catalog.=) p_member
          AND g.partitions OPERATOR(pg_catalog.=) 1)
      UNION ALL
      (SELECT b.group_name, b.partition, b.bucket, b.generation, b.after_transaction_id, b.after_sequence_number,
              b.parked_id, b.attempts, b.sequence_number, b.transaction_id, b.id, b.category, b.stream, b.position,
              b.name, b.payload, b.metadata, b.occurred_at, b.observed_at
         FROM pgevents.fetch_consumer_buckets(p_group, p_member, p_limit) b
        WHERE EXISTS (SELECT FROM pgevents.consumer_groups g
                       WHERE g.name OPERATOR(pg_catalog.=) p_group AND g.partitions OPERATOR(pg_catalog.>) 1))
    ) r
   LIMIT (SELECT CASE WHEN pgevents.check_read_consumer_batch(p_group, p_member, p_limit) THEN p_limit END);
$$;

COMMENT ON FUNCTION pgevents.read_consumer_batch(text, text, integer) IS
  'A consumer group member''s next batch: replays of parked events first, then new events of its own partitions'' buckets after their checkpoints, in fenced (transaction_id, sequence_number) order, through an index (no read amplification). Inlined into the caller''s statement. Moves nothing. No locks. SQLSTATEs: PE101, PE120, PE121.';
