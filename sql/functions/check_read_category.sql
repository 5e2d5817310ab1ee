-- pgevents.check_read_category: validates the arguments of pgevents.read_category, once per call.
--
-- Parameters: those of read_category (p_category, the cursor
-- p_after_transaction_id / p_after_sequence_number, p_limit).
-- Returns true, or raises: PE106 for a bad limit (pgevents.check_limit),
-- PE101 for an invalid category (pgevents.check_name), PE106 for a negative
-- sequence number or a transaction id not assigned yet
-- (pgevents.check_cursor), in that order. read_category's inlined query uses
-- it as a one-time filter (a qual without columns, evaluated once before
-- the first row is fetched) and in its LIMIT for a limit of 0, so every call
-- is checked, whatever it returns. The usual cursor passes one comparison.
-- SECURITY DEFINER: the inlined read runs with the caller's rights, and the
-- checks it calls (check_cursor) stay internal.
-- Locks: none. STABLE: reads the snapshot only (and may be evaluated at
-- planning time for a custom plan's estimate, which raises the same error).
CREATE OR REPLACE FUNCTION pgevents.check_read_category(
  p_category text,
  p_after_transaction_id xid8,
  p_after_sequence_number bigint,
  p_limit integer
)
  RETURNS boolean
  LANGUAGE plpgsql
  STABLE
  PARALLEL SAFE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
AS $$
BEGIN
  PERFORM pgevents.check_limit(p_limit);
  PERFORM pgevents.check_name('category', p_category);
  IF p_after_sequence_number < 0
     OR p_after_transaction_id >= pg_catalog.pg_snapshot_xmax(pg_catalog.pg_current_snapshot()) THEN
    PERFORM pgevents.check_cursor(p_after_transaction_id, p_after_sequence_number);
  END IF;
  RETURN true;
END;
$$;

COMMENT ON FUNCTION pgevents.check_read_category(text, xid8, bigint, integer) IS
  'Internal: validates read_category''s arguments (limit, category, cursor); returns true or raises PE106/PE101. No locks.';
