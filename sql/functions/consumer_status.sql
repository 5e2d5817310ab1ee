-- pgevents.consumer_status: every partition of consumer groups, with owner, lease, checkpoint and lag.
--
-- Parameters: p_group, one group (default NULL: every group).
-- Returns pgevents.consumer_status rows, one per partition, in (group,
-- partition) order:
--   group_name, category (NULL: the log), partitions, partition
--   owner, lease_expires_at  the owning member and its lease (lease NULL:
--                    the owner's lease has expired, a member will claim it)
--   generation       the partition's lease generation (fencing token)
--   transaction_id, sequence_number  how far the partition got: the most
--                    advanced checkpoint of its buckets (each bucket has its
--                    own; lag_events counts what is left after each);
--                    updated_at, its latest save
--   lag_events       events committed after the checkpoints, not yet handled
--                    (counted up to setting consumer_status_max_count per
--                    bucket)
--   lag              how long the oldest of them has waited (NULL: none)
--   held_back_events those of them the snapshot fence still holds back
--                    (committed, but an older transaction somewhere in the
--                    cluster is still open: see pgevents.fence_lag)
--   fence_lag        how long the oldest held-back one has waited
--   parked_events    parked events of the partition
--   fence            pg_snapshot_xmin(pg_current_snapshot()) now
-- A lag with held_back_events = lag_events means the consumer is caught up
-- and waits for the fence: a long or idle transaction (any database of the
-- cluster) delays it; nothing is lost.
-- Raises PE101 invalid name, PE121 no such group (when p_group is given).
-- Locks: none. VOLATILE: it reads the clock.
CREATE OR REPLACE FUNCTION pgevents.consumer_status(p_group text DEFAULT NULL)
  RETURNS SETOF pgevents.consumer_status
  LANGUAGE plpgsql
  VOLATILE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
  SET jit = off
AS $$
DECLARE
  _g pgevents.consumer_groups;
  _fence xid8 := pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot());
  _cap integer := COALESCE(pgevents.setting('consumer_status_max_count')::integer, 1000000);
  _filter text;
BEGIN
  IF p_group IS NOT NULL THEN
    PERFORM pgevents.find_consumer_group(p_group);
  END IF;
  FOR _g IN SELECT * FROM pgevents.consumer_groups g WHERE p_group IS NULL OR g.name = p_group ORDER BY g.name LOOP
    _filter := CASE WHEN _g.category IS NULL THEN '' ELSE pg_catalog.format('e.category = %L AND ', _g.category) END
            || CASE WHEN _g.partitions = 1 THEN ''
                    ELSE '(pg_catalog.hashtext(e.category || E''\x1f'' || e.stream) & 63) = c.bucket AND ' END;
    RETURN QUERY EXECUTE pg_catalog.format($q$
      SELECT g.name, g.category, g.partitions, p.partition, p.owner, m.lease_expires_at, p.generation,
             f.transaction_id, f.sequence_number, u.updated_at,
             l.n, pg_catalog.clock_timestamp() - l.oldest, l.held, pg_catalog.clock_timestamp() - l.held_oldest,
             k.n, $2
        FROM pgevents.consumer_groups g
        JOIN pgevents.consumer_partitions p ON p.group_name = g.name
        LEFT JOIN pgevents.consumer_members m
          ON m.group_name = g.name AND m.member = p.owner AND m.lease_expires_at > pg_catalog.clock_timestamp()
       CROSS JOIN LATERAL (
             SELECT c.transaction_id, c.sequence_number FROM pgevents.consumer_checkpoints c
              WHERE c.group_name = g.name AND c.partition = p.partition
              ORDER BY c.transaction_id DESC, c.sequence_number DESC LIMIT 1) f
       CROSS JOIN LATERAL (
             SELECT pg_catalog.max(c.updated_at) AS updated_at FROM pgevents.consumer_checkpoints c
              WHERE c.group_name = g.name AND c.partition = p.partition) u
       CROSS JOIN LATERAL (
             SELECT pg_catalog.count(*) AS n, pg_catalog.min(x.observed_at) AS oldest,
                    pg_catalog.count(*) FILTER (WHERE x.transaction_id >= $2) AS held,
                    pg_catalog.min(x.observed_at) FILTER (WHERE x.transaction_id >= $2) AS held_oldest
               FROM pgevents.consumer_checkpoints c
              CROSS JOIN LATERAL (
                    SELECT e.observed_at, e.transaction_id FROM pgevents.events e
                     WHERE %s(e.transaction_id, e.sequence_number) > (c.transaction_id, c.sequence_number)
                     ORDER BY e.transaction_id, e.sequence_number
                     LIMIT $3) x
              WHERE c.group_name = g.name AND c.partition = p.partition) l
       CROSS JOIN LATERAL (
             SELECT pg_catalog.count(*) AS n FROM pgevents.consumer_parked k
              JOIN pgevents.consumer_checkpoints c ON c.group_name = k.group_name AND c.bucket = k.bucket
              WHERE k.group_name = g.name AND c.partition = p.partition) k
       WHERE g.name = $1
       ORDER BY p.partition $q$, _filter)
      USING _g.name, _fence, _cap;
  END LOOP;
END;
$$;

COMMENT ON FUNCTION pgevents.consumer_status(text) IS
  'Every partition of one consumer group (or all): owner and lease, generation, checkpoint, lag in events and time, how much of it the snapshot fence holds back, parked events, the fence. No locks. SQLSTATEs: PE101, PE121.';
