-- pgevents.consumer_bucket_query: the statement read_consumer_batch runs for groups with several partitions.
--
-- Parameters: p_category, the group's category (NULL: the log).
-- Returns the SQL text (parameters $1 group, $2 member, $3 the fence xid8,
-- $4 the limit) that reads a member's buckets, the one furthest behind
-- first, each as one range of the consumer bucket index
-- (pgevents.consumer_index_definition), stopping after $4 rows. The
-- category is a literal in the text so that the planner proves the partial
-- index's predicate (a parameter could not). It has the columns of
-- pgevents.consumer_batch. Exposed so that tests EXPLAIN exactly this text.
-- Raises nothing. Locks: none. IMMUTABLE: a function of its argument.
CREATE OR REPLACE FUNCTION pgevents.consumer_bucket_query(p_category text)
  RETURNS text
  LANGUAGE sql
  IMMUTABLE
  PARALLEL SAFE
  SET search_path = pgevents, pg_temp
AS $$
  SELECT pg_catalog.format($q$
    SELECT c.group_name, c.partition, c.bucket, c.generation, c.transaction_id, c.sequence_number, NULL::bigint, 0,
           e.sequence_number, e.transaction_id, e.id, e.category, e.stream, e.position, e.name,
           e.payload, e.metadata, e.occurred_at, e.observed_at
      FROM (SELECT c.*, p.generation
              FROM pgevents.consumer_checkpoints c
              JOIN pgevents.consumer_partitions p ON p.group_name = c.group_name AND p.partition = c.partition
             WHERE c.group_name = $1 AND p.owner = $2
             ORDER BY c.transaction_id, c.sequence_number, c.bucket) c
     CROSS JOIN LATERAL (
           SELECT * FROM pgevents.events e
            WHERE %s(pg_catalog.hashtext(e.category || E'\x1f' || e.stream) & 63) = c.bucket
              AND (e.transaction_id, e.sequence_number) > (c.transaction_id, c.sequence_number)
              AND e.transaction_id < $3
            ORDER BY e.transaction_id, e.sequence_number
            LIMIT $4) e
     LIMIT $4 $q$,
    CASE WHEN p_category IS NULL THEN '' ELSE pg_catalog.format('e.category = %L AND ', p_category) END)
$$;

COMMENT ON FUNCTION pgevents.consumer_bucket_query(text) IS
  'Internal: the statement read_consumer_batch runs for a group with several partitions over a category (NULL: the log): one range of the bucket index per owned bucket. No locks.';
