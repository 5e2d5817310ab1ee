-- pgevents.check_read_log: validates the arguments of pgevents.read_log, once per call.
--
-- Parameters: those of read_log (the cursor p_after_transaction_id /
-- p_after_sequence_number, p_limit).
-- Returns true, or raises PE106 for a bad limit (pgevents.check_limit), then
-- for a negative sequence number or a transaction id not assigned yet
-- (pgevents.check_cursor). read_log's inlined query uses it as a one-time
-- filter and in its LIMIT for a limit of 0 (see check_read_category). The
-- usual cursor passes one comparison.
-- SECURITY DEFINER: the inlined read runs with the caller's rights, and the
-- checks it calls (check_cursor) stay internal.
-- Locks: none. STABLE: reads the snapshot only.
CREATE OR REPLACE FUNCTION pgevents.check_read_log(
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
  IF p_after_sequence_number < 0
     OR p_after_transaction_id >= pg_catalog.pg_snapshot_xmax(pg_catalog.pg_current_snapshot()) THEN
    PERFORM pgevents.check_cursor(p_after_transaction_id, p_after_sequence_number);
  END IF;
  RETURN true;
END;
$$;

COMMENT ON FUNCTION pgevents.check_read_log(xid8, bigint, integer) IS
  'Internal: validates read_log''s arguments (limit, cursor); returns true or raises PE106. No locks.';
