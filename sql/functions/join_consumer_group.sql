-- pgevents.join_consumer_group: joins a consumer group or renews the membership (the heartbeat), and rebalances.
--
-- Parameters:
--   p_group   the group
--   p_member  the member's name, unique among the group's live members (two
--             processes must never share one)
--   p_lease   how long the membership lasts without another call (100 ms to
--             1 hour, default 30 s). Call this every p_lease / 3.
-- Returns the partitions the member owns after the call, with their
-- generation (the fencing token to pass to save_consumer_checkpoint).
-- What it does, leaderless: renews the member's lease; forgets members whose
-- lease has expired; computes the member's fair share (partitions / live
-- members, and one more for the first partitions % members members in name
-- order, so the shares add up to the partition count); releases the
-- member's highest partitions above its share, or claims partitions that
-- are unowned or owned by a member without a live lease (lowest first,
-- skipping any whose row a batch in flight holds) up to it. Each claim
-- increments the partition's generation, so the previous owner's batches
-- can no longer save (PE123). With every member calling it every lease / 3,
-- a join, a leave or a death rebalances within one lease period.
-- Locks: FOR NO KEY UPDATE on the group's row for the call's transaction
-- (membership changes of one group are serialised; reads and saves are not
-- blocked); the claimed and released partition rows (a release waits for the
-- member's own batch in flight on that partition).
-- Raises PE101 invalid name, PE120 invalid lease, PE121 no such group, PE125
-- the group has consumer_max_members live members already.
-- VOLATILE: it writes.
CREATE OR REPLACE FUNCTION pgevents.join_consumer_group(
  p_group text,
  p_member text,
  p_lease interval DEFAULT '30 seconds'
)
  RETURNS SETOF pgevents.consumer_partitions
  LANGUAGE plpgsql
  VOLATILE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _partitions integer;
  _now timestamptz := pg_catalog.clock_timestamp();
  _live bigint;
  _rank bigint;
  _target bigint;
  _owned bigint;
BEGIN
  PERFORM pgevents.check_name('group', p_group);
  PERFORM pgevents.check_name('member', p_member);
  IF p_lease IS NULL OR p_lease < interval '100 milliseconds' OR p_lease > interval '1 hour' THEN
    PERFORM pgevents.raise_invalid('PE120', 'lease',
      pg_catalog.format('must be between 100 milliseconds and 1 hour (got %s)', COALESCE(p_lease::text, 'NULL')));
  END IF;
  SELECT g.partitions INTO _partitions FROM pgevents.consumer_groups g WHERE g.name = p_group FOR NO KEY UPDATE;
  IF NOT FOUND THEN
    PERFORM pgevents.raise_consumer_error('PE121', pg_catalog.format('consumer group %s does not exist', p_group),
      pg_catalog.jsonb_build_object('group', p_group));
  END IF;

  DELETE FROM pgevents.consumer_members m
   WHERE m.group_name = p_group AND m.lease_expires_at <= _now AND m.member <> p_member;
  INSERT INTO pgevents.consumer_members AS m (group_name, member, joined_at, heartbeat_at, lease_expires_at)
    VALUES (p_group, p_member, _now, _now, _now + p_lease)
    ON CONFLICT (group_name, member) DO UPDATE
      SET heartbeat_at = excluded.heartbeat_at, lease_expires_at = excluded.lease_expires_at;

  SELECT pg_catalog.count(*), pg_catalog.count(*) FILTER (WHERE m.member < p_member)
    INTO _live, _rank
    FROM pgevents.consumer_members m WHERE m.group_name = p_group;
  IF _live > COALESCE(pgevents.setting('consumer_max_members')::integer, 256) THEN
    PERFORM pgevents.raise_invalid('PE125', 'member', pg_catalog.format(
      'consumer group %s has %s live members already (setting consumer_max_members)', p_group, _live - 1));
  END IF;
  _target := _partitions / _live + CASE WHEN _rank < _partitions % _live THEN 1 ELSE 0 END;
  SELECT pg_catalog.count(*) INTO _owned
    FROM pgevents.consumer_partitions p WHERE p.group_name = p_group AND p.owner = p_member;

  IF _owned > _target THEN
    -- Lock in ascending order, as batches do (fewer deadlocks with this
    -- member's own batch in flight), then release.
    PERFORM 1 FROM pgevents.consumer_partitions p
      WHERE p.group_name = p_group
        AND p.partition IN (SELECT q.partition FROM pgevents.consumer_partitions q
                             WHERE q.group_name = p_group AND q.owner = p_member
                             ORDER BY q.partition DESC LIMIT _owned - _target)
      ORDER BY p.partition
      FOR UPDATE;
    UPDATE pgevents.consumer_partitions p SET owner = NULL, claimed_at = NULL
     WHERE p.group_name = p_group
       AND p.partition IN (SELECT q.partition FROM pgevents.consumer_partitions q
                            WHERE q.group_name = p_group AND q.owner = p_member
                            ORDER BY q.partition DESC LIMIT _owned - _target);
  ELSIF _owned < _target THEN
    UPDATE pgevents.consumer_partitions p SET owner = p_member, generation = p.generation + 1, claimed_at = _now
     WHERE p.group_name = p_group
       AND p.partition IN (SELECT q.partition FROM pgevents.consumer_partitions q
                            WHERE q.group_name = p_group
                              AND (q.owner IS NULL OR NOT EXISTS (
                                     SELECT 1 FROM pgevents.consumer_members m
                                      WHERE m.group_name = p_group AND m.member = q.owner))
                            ORDER BY q.partition LIMIT _target - _owned
                            FOR UPDATE SKIP LOCKED);
  END IF;

  RETURN QUERY SELECT * FROM pgevents.consumer_partitions p
                WHERE p.group_name = p_group AND p.owner = p_member ORDER BY p.partition;
END;
$$;

COMMENT ON FUNCTION pgevents.join_consumer_group(text, text, interval) IS
  'Heartbeat of a consumer group member: renews its lease, releases partitions above its fair share or claims free ones up to it (each claim increments the generation, the fencing token); returns the partitions it owns. Call every lease/3. Locks: the group row FOR NO KEY UPDATE, claimed/released partition rows. SQLSTATEs: PE101, PE120, PE121, PE125.';
