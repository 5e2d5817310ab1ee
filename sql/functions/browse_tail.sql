-- pgevents.browse_tail: the latest events of the log or a category below the fence, newest first (event browser's live tail).
--
-- Parameters: p_category (NULL = the whole log), p_limit (1..1000, default
-- 20).
-- Returns at most p_limit events of transactions below the snapshot fence
-- pg_snapshot_xmin(pg_current_snapshot()), in descending read order
-- (transaction_id, sequence_number). The first row's cursor is where a
-- follower resumes with read_log / read_category: every event after it in
-- read order is returned by those reads later, none is skipped (the set
-- below the fence never changes).
-- Cost: a backward range scan of events_log_order_idx (the log) or
-- events_category_order_idx (a category), p_limit entries.
-- Raises PE101 for an invalid category, PE106 for a limit out of range.
-- Locks: none. STABLE: reads only.
CREATE OR REPLACE FUNCTION pgevents.browse_tail(
  p_category text DEFAULT NULL,
  p_limit integer DEFAULT 20
)
  RETURNS SETOF pgevents.events
  LANGUAGE plpgsql
  STABLE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
AS $$
BEGIN
  IF p_limit IS NULL OR p_limit < 1 OR p_limit > 1000 THEN
    PERFORM pgevents.raise_invalid('PE106', 'limit', pg_catalog.format('must be from 1 to 1000 (got %s)', p_limit));
  END IF;
  IF p_category IS NULL THEN
    RETURN QUERY
      SELECT * FROM pgevents.events e
       WHERE e.transaction_id < pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot())
       ORDER BY e.transaction_id DESC, e.sequence_number DESC
       LIMIT p_limit;
  ELSE
    PERFORM pgevents.check_name('category', p_category);
    RETURN QUERY
      SELECT * FROM pgevents.events e
       WHERE e.category = p_category
         AND e.transaction_id < pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot())
       ORDER BY e.transaction_id DESC, e.sequence_number DESC
       LIMIT p_limit;
  END IF;
END;
$$;

COMMENT ON FUNCTION pgevents.browse_tail(text, integer) IS
  'Event browser: the latest p_limit events of the log or a category below the snapshot fence, newest first; resume after the first with read_log / read_category. No locks. SQLSTATEs: PE101, PE106.';
