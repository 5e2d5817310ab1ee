-- pgevents.fetch_consumer_buckets: the new events of a member's buckets, for a consumer group with several partitions.
--
-- Parameters: p_group, p_member, p_limit (checked as by
-- pgevents.check_read_consumer_batch: PE101, PE121, PE120).
-- Returns pgevents.consumer_batch rows (parked_id NULL, attempts 0): the
-- events after each owned bucket's checkpoint, below the snapshot fence
-- pg_snapshot_xmin(pg_current_snapshot()), the bucket furthest behind
-- first, each bucket contiguous and in (transaction_id, sequence_number)
-- order, at most p_limit rows. Each bucket is one range of the category's
-- consumer bucket index (pgevents.consumer_index_definition), read by the
-- statement pgevents.consumer_bucket_query builds (the category is a
-- literal in its text, so the planner proves the partial index's
-- predicate), stopping as soon as p_limit rows are found. A group with one
-- partition gets nothing here: pgevents.read_consumer_batch, which calls
-- this function for groups with several, reads those inline.
-- Plans: sequential scans, bitmap scans and sorts are disabled for the call
-- (SET clauses), so every read is an ordered index scan that stops at the
-- limit, whatever the statistics say; JIT is off.
-- SECURITY DEFINER: it reads the consumer tables and the events for a
-- pgevents_writer (read_consumer_batch is inlined into the caller's
-- statement, which calls it with the caller's rights).
-- Locks: none. STABLE: reads only.
CREATE OR REPLACE FUNCTION pgevents.fetch_consumer_buckets(p_group text, p_member text, p_limit integer)
  RETURNS SETOF pgevents.consumer_batch
  LANGUAGE plpgsql
  STABLE
  PARALLEL UNSAFE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
  SET enable_seqscan = off
  SET enable_bitmapscan = off
  SET enable_sort = off
  SET jit = off
AS $$
DECLARE
  _g pgevents.consumer_groups;
BEGIN
  PERFORM pgevents.check_read_consumer_batch(p_group, p_member, p_limit);
  _g := pgevents.find_consumer_group(p_group);
  IF _g.partitions = 1 THEN
    RETURN;
  END IF;
  -- One range of the bucket index per owned bucket; the category is a
  -- literal in the text (see pgevents.consumer_bucket_query).
  RETURN QUERY EXECUTE pgevents.consumer_bucket_query(_g.category)
    USING p_group, p_member, pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot()), p_limit;
END;
$$;

COMMENT ON FUNCTION pgevents.fetch_consumer_buckets(text, text, integer) IS
  'Internal: the new events of a member''s buckets for a consumer group with several partitions (read_consumer_batch''s multi-partition part): one range of the bucket index per owned bucket, fenced, at most p_limit rows. No locks. SQLSTATEs: PE101, PE120, PE121.';
