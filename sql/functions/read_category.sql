-- pgevents.read_category: reads a category from a cursor, in an order a resuming reader never skips past.
--
-- Parameters: p_category; the cursor (p_after_transaction_id,
-- p_after_sequence_number) of the last event seen (defaults '0', 0: from the
-- start); p_limit (default 1000, -1 = all).
-- Returns events with (transaction_id, sequence_number) > the cursor, in that
-- order, and only from transactions below the fence
-- pg_snapshot_xmin(pg_current_snapshot()): every such transaction has ended
-- and no new one can get an id below it, so the result can only grow at its
-- end. Resuming from the last row's (transaction_id, sequence_number) never
-- skips or repeats an event, with any number of concurrent writers, any
-- scope, rollbacks and sequence gaps. Within a stream the order is position
-- order (append refuses transaction id inversions with 40001).
-- Cost: the fence is cluster-wide; a long or idle-in-transaction session
-- anywhere delays (never loses) events; see pgevents.fence_lag.
-- A cursor literal ('812') resolves to the text overload
-- (read_category_text.sql), which parses it strictly; this version takes xid8.
-- Raises PE101 for an invalid name, PE106 for a bad limit, a negative
-- sequence number or a transaction id not assigned yet
-- (pgevents.check_cursor). Locks: none. STABLE: reads only.
CREATE OR REPLACE FUNCTION pgevents.read_category(
  p_category text,
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
  PERFORM pgevents.check_name('category', p_category);
  -- The usual cursor passes this one test; check_cursor decides the rest.
  IF p_after_sequence_number < 0
     OR p_after_transaction_id >= pg_catalog.pg_snapshot_xmax(pg_catalog.pg_current_snapshot()) THEN
    PERFORM pgevents.check_cursor(p_after_transaction_id, p_after_sequence_number);
  END IF;
  RETURN QUERY
    SELECT * FROM pgevents.events e
     WHERE e.category = p_category
       AND (e.transaction_id, e.sequence_number) > (COALESCE(p_after_transaction_id, '0'::xid8),
                                                   COALESCE(p_after_sequence_number, 0))
       AND e.transaction_id < pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot())
     ORDER BY e.transaction_id, e.sequence_number
     LIMIT _limit;
END;
$$;

COMMENT ON FUNCTION pgevents.read_category(text, xid8, bigint, integer) IS
  'Resumable category read: events after the cursor (transaction_id, sequence_number), in that order, below the snapshot xmin fence, so resuming never skips or repeats. No locks. SQLSTATEs: PE101, PE106.';
