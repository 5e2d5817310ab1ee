-- pgevents.check_cursor: validates the cursor of a resumable read (read_log, read_category).
--
-- Parameters: p_after_transaction_id, p_after_sequence_number: the cursor
-- (NULL means the start, as in the readers).
-- Raises PE106 (DETAIL field "after_sequence_number") for a negative sequence
-- number, and PE106 (field "after_transaction_id") for a transaction id that
-- has not been assigned yet (a cursor "from the future"): reading after it
-- would return nothing until the cluster's transaction counter passed it,
-- silently skipping every event in between. A cursor no event can produce is
-- refused rather than read.
-- Cost: the usual cursor is below the statement snapshot's xmax (every id
-- below it has been assigned) and costs one comparison, which the readers
-- make inline before calling this function. Only a cursor at or
-- above it (possible in a REPEATABLE READ transaction whose snapshot predates
-- the cursor's transaction) asks pg_xact_status, which refuses ids beyond the
-- cluster's next transaction id, in a subtransaction. pg_xact_status skips
-- that check for ids whose low 32 bits are 0, 1 or 2 (special ids, never
-- assigned after epoch 0, and never the next id): for those it is asked
-- about the id just before, which is in the future exactly when they are.
-- Locks: none. STABLE: reads the snapshot only.
CREATE OR REPLACE FUNCTION pgevents.check_cursor(p_after_transaction_id xid8, p_after_sequence_number bigint)
  RETURNS void
  LANGUAGE plpgsql
  STABLE
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _probe xid8 := p_after_transaction_id;
  _n numeric;
BEGIN
  IF p_after_sequence_number < 0 THEN
    PERFORM pgevents.raise_invalid('PE106', 'after_sequence_number',
      pg_catalog.format('must be at least 0 (got %s)', p_after_sequence_number));
  END IF;
  IF p_after_transaction_id IS NULL
     OR p_after_transaction_id < pg_catalog.pg_snapshot_xmax(pg_catalog.pg_current_snapshot()) THEN
    RETURN;
  END IF;
  _n := p_after_transaction_id::text::numeric;
  IF _n % 4294967296 < 3 THEN
    _probe := (_n - _n % 4294967296 - 1)::text::xid8;
  END IF;
  BEGIN
    PERFORM pg_catalog.pg_xact_status(_probe);
  EXCEPTION WHEN invalid_parameter_value THEN -- "transaction ID ... is in the future"
    PERFORM pgevents.raise_invalid('PE106', 'after_transaction_id',
      pg_catalog.format('is beyond the transaction ids assigned so far (got %s): not a cursor a read returned', p_after_transaction_id));
  END;
END;
$$;

COMMENT ON FUNCTION pgevents.check_cursor(xid8, bigint) IS
  'Internal: raises PE106 for a negative cursor sequence number or a cursor transaction id not assigned yet (from the future). No locks.';
