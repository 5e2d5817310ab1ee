-- pgevents.read_log (text cursor): pgevents.read_log with the cursor's transaction id as text, parsed strictly.
--
-- The overload a literal cursor resolves to: read_log('812', 4711, 100) and
-- read_log(:'cursor') pass an unknown-typed literal, which PostgreSQL
-- resolves to this text version, never to xid8's lax input (where
-- 'not-a-cursor' read as 0 and '-1' as 2^64-1). An xid8 argument (a column,
-- '812'::xid8) calls the xid8 version directly; read_log() with no cursor
-- too.
-- Parameters: p_after_transaction_id (digits, see
-- pgevents.parse_transaction_id; NULL = the start), p_after_sequence_number
-- (default 0), p_limit (default 1000, -1 = all).
-- Returns what pgevents.read_log(xid8, bigint, integer) returns.
-- Raises PE106 for a malformed transaction id, a transaction id not assigned
-- yet, a negative sequence number or a bad limit. Locks: none. STABLE.
-- Inlined like the xid8 version (LANGUAGE sql, no SECURITY DEFINER or SET
-- clause; names qualified), so the two inline into the caller together.
CREATE OR REPLACE FUNCTION pgevents.read_log(
  p_after_transaction_id text,
  p_after_sequence_number bigint DEFAULT 0,
  p_limit integer DEFAULT 1000
)
  RETURNS SETOF pgevents.events
  LANGUAGE sql
  STABLE
AS $$
  SELECT * FROM pgevents.read_log(pgevents.check_read_transaction_id(p_after_transaction_id),
                           p_after_sequence_number, p_limit);
$$;

COMMENT ON FUNCTION pgevents.read_log(text, bigint, integer) IS
  'Resumable log read with the cursor transaction id as text (what a literal resolves to), parsed strictly; see read_log(xid8, bigint, integer). No locks. SQLSTATE: PE106.';
