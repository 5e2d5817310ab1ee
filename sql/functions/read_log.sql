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
-- Inlined: a LANGUAGE sql function without SECURITY DEFINER or SET clause,
-- whose one SELECT the planner puts into the calling statement (no function
-- scan, no tuplestore: a page costs what the raw SELECT costs, measured by
-- scripts/bench_pgbench.sh). It runs with the caller's privileges and
-- search_path: it reads pgevents.readable_events (granted to
-- pgevents_reader and pgevents_writer), and every name, operator and type in
-- it is schema-qualified. Its checks run once per call, before the first row
-- (a one-time filter, and the LIMIT for a limit of 0; the COALESCEs keep a
-- NULL argument from folding the query to an empty one that skips them): pgevents.check_read_log.
-- Raises PE106 for a bad limit, a negative sequence number or a transaction
-- id not assigned yet (pgevents.check_cursor). Locks: none. STABLE: reads only.
CREATE OR REPLACE FUNCTION pgevents.read_log(
  p_after_transaction_id xid8 DEFAULT '0',
  p_after_sequence_number bigint DEFAULT 0,
  p_limit integer DEFAULT 1000
)
  RETURNS SETOF pgevents.events
  LANGUAGE sql
  STABLE
AS $$
  SELECT e.sequence_number, e.transaction_id, e.id, e.category, e.stream, e.position,
         e.name, e.payload, e.metadata, e.occurred_at, e.observed_at
    FROM pgevents.readable_events e
   WHERE pgevents.check_read_log(p_after_transaction_id, p_after_sequence_number, p_limit)
     AND (e.transaction_id, e.sequence_number)
         OPERATOR(pg_catalog.>) (COALESCE(p_after_transaction_id, '0'::pg_catalog.xid8), COALESCE(p_after_sequence_number, 0))
     AND e.transaction_id OPERATOR(pg_catalog.<) pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot())
   ORDER BY e.transaction_id, e.sequence_number
   LIMIT CASE WHEN p_limit OPERATOR(pg_catalog.>) 0 THEN p_limit
              WHEN p_limit OPERATOR(pg_catalog.=) 0
               AND pgevents.check_read_log(p_after_transaction_id, p_after_sequence_number, p_limit) THEN 0
         END;
$$;

COMMENT ON FUNCTION pgevents.read_log(xid8, bigint, integer) IS
  'Resumable log read: events after the cursor (transaction_id, sequence_number), in that order, below the snapshot xmin fence. No locks. SQLSTATE: PE106.';
