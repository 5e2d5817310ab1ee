-- pgevents.fence_lag: how far resumable readers are held back right now.
--
-- Returns one row:
--   fence             pg_snapshot_xmin(pg_current_snapshot()): resumable reads
--                     return only events of transactions below it
--   held_back_events  events visible now but at or above the fence (committed
--                     ones, plus the calling transaction's own if it appended)
--   held_back_since   observed_at of the oldest held-back event (NULL if none)
--   lag               clock_timestamp() - held_back_since (NULL if none)
-- A growing lag means a long or idle-in-transaction session somewhere in the
-- cluster (any database) is holding the fence; find it in pg_stat_activity
-- (backend_xid / backend_xmin). Nothing is lost: events appear once it ends.
-- Locks: none. VOLATILE: it reads the clock.
CREATE OR REPLACE FUNCTION pgevents.fence_lag(
  OUT fence xid8,
  OUT held_back_events bigint,
  OUT held_back_since timestamptz,
  OUT lag interval
)
  LANGUAGE sql
  VOLATILE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
AS $$
  SELECT f.x, pg_catalog.count(e.sequence_number), pg_catalog.min(e.observed_at),
         pg_catalog.clock_timestamp() - pg_catalog.min(e.observed_at)
    FROM (SELECT pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot()) AS x) f
    LEFT JOIN pgevents.events e ON e.transaction_id >= f.x
   GROUP BY f.x;
$$;

COMMENT ON FUNCTION pgevents.fence_lag() IS
  'Operators: the snapshot fence, how many committed events it holds back from resumable readers and for how long. No locks.';
