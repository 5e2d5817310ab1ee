-- pgevents.browse_summary: the size of the log, cheaply (event browser, operators).
--
-- Parameters: none.
-- Returns one row:
--   estimated_events      the planner's estimate of the number of events:
--                         pg_class.reltuples scaled to the table's current
--                         size, as the planner does; NULL before the table
--                         was first vacuumed or analyzed. An estimate, never
--                         a count.
--   analyzed_at           when the statistics were last gathered (ANALYZE or
--                         autovacuum), NULL if never
--   last_sequence_number  the highest sequence number visible now (NULL when
--                         empty): an upper bound of the count (sequences may
--                         have gaps)
--   last_observed_at      that event's observed_at
-- Cost: catalog lookups and one backward probe of the primary key; never a
-- count. Not fenced. Raises nothing of its own. Locks: none. STABLE: reads
-- only.
CREATE OR REPLACE FUNCTION pgevents.browse_summary(
  OUT estimated_events bigint,
  OUT analyzed_at timestamptz,
  OUT last_sequence_number bigint,
  OUT last_observed_at timestamptz
)
  LANGUAGE plpgsql
  STABLE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
AS $$
BEGIN
  estimated_events := pgevents.browse_estimated_rows('pgevents.events'::regclass);
  SELECT GREATEST(s.last_analyze, s.last_autoanalyze) INTO analyzed_at
    FROM pg_catalog.pg_stat_user_tables s
   WHERE s.relid = 'pgevents.events'::regclass;
  SELECT e.sequence_number, e.observed_at INTO last_sequence_number, last_observed_at
    FROM pgevents.events e
   ORDER BY e.sequence_number DESC
   LIMIT 1;
END;
$$;

COMMENT ON FUNCTION pgevents.browse_summary() IS
  'Event browser: estimated number of events (planner statistics, labelled as such), when they were gathered, and the latest sequence number. Never counts. No locks.';
