-- pgevents.read_log_by_sequence: the legacy sequence_number_after(n) read, kept for compatibility.
--
-- Parameters: p_after_sequence_number (default 0), p_limit (default 1000,
-- -1 = all), p_category (optional: only that category).
-- Returns visible events with sequence_number > p_after_sequence_number in
-- sequence order. SAFE FOR RESUMING ONLY when every writer uses the 'log'
-- scope (for a category filter: 'log' or that 'category' scope): otherwise a
-- transaction holding a lower sequence number can commit after a reader has
-- passed it, and the reader skips that event. Prefer pgevents.read_log /
-- pgevents.read_category.
-- Raises PE101 (invalid category), PE106 (bad limit). Locks: none. STABLE.
CREATE OR REPLACE FUNCTION pgevents.read_log_by_sequence(
  p_after_sequence_number bigint DEFAULT 0,
  p_limit integer DEFAULT 1000,
  p_category text DEFAULT NULL
)
  RETURNS SETOF pgevents.events
  LANGUAGE plpgsql
  STABLE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _limit integer := pgevents.check_limit(p_limit);
BEGIN
  IF p_category IS NOT NULL THEN
    PERFORM pgevents.check_name('category', p_category);
  END IF;
  RETURN QUERY
    SELECT * FROM pgevents.events e
     WHERE e.sequence_number > COALESCE(p_after_sequence_number, 0)
       AND (p_category IS NULL OR e.category = p_category)
     ORDER BY e.sequence_number
     LIMIT _limit;
END;
$$;

COMMENT ON FUNCTION pgevents.read_log_by_sequence(bigint, integer, text) IS
  'Legacy read by sequence number (upstream sequence_number_after); safe for resuming only under log serialisation. No locks.';
