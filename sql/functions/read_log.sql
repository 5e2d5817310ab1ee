-- pgevents.read_log: reads the whole log from a cursor, in an order a resuming reader never skips past.
--
-- Parameters: the cursor (p_after_transaction_id, p_after_sequence_number)
-- of the last event seen (defaults '0', 0); p_limit (default 1000, -1 = all).
-- Returns events after the cursor ordered by (transaction_id,
-- sequence_number), only from transactions below the fence
-- pg_snapshot_xmin(pg_current_snapshot()); same guarantee and cost as
-- pgevents.read_category.
-- A cursor literal ('812') resolves to the text overload
-- (read_log_text.sql), which parses it strictly; this version takes xid8.
-- Raises PE106 for a bad limit, a negative sequence number or a transaction
-- id not assigned yet (pgevents.check_cursor). Locks: none. STABLE: reads only.
CREATE OR REPLACE FUNCTION pgevents.read_log(
  p_after_transaction_id xid8 DEFAULT '0',
  p_after_sequence_number bigint DEFAULT 0,
  p_limit integer DEFAULT 1000
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
  -- The usual cursor passes this one test; check_cursor decides the rest.
  IF p_after_sequence_number < 0
     OR p_after_transaction_id >= pg_catalog.pg_snapshot_xmax(pg_catalog.pg_current_snapshot()) THEN
    PERFORM pgevents.check_cursor(p_after_transaction_id, p_after_sequence_number);
  END IF;
  RETURN QUERY
    SELECT * FROM pgevents.events e
     WHERE (e.transaction_id, e.sequence_number) > (COALESCE(p_after_transaction_id, '0'::xid8),
                                                   COALESCE(p_after_sequence_number, 0))
       AND e.transaction_id < pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot())
     ORDER BY e.transaction_id, e.sequence_number
     LIMIT _limit;
END;
$$;

COMMENT ON FUNCTION pgevents.read_log(xid8, bigint, integer) IS
  'Resumable log read: events after the cursor (transaction_id, sequence_number), in that order, below the snapshot xmin fence. No locks. SQLSTATE: PE106.';
