-- pgevents.parse_transaction_id: parses a cursor's transaction id given as text, strictly.
--
-- PostgreSQL 15's xid8 input is lax: 'not-a-cursor' reads as 0 (a reader
-- silently restarts from the start of the log) and '-1' as 2^64-1 (it skips
-- everything). The text overloads of read_log and read_category parse with
-- this function instead.
-- Parameters: p_value: decimal digits only (no sign, space or prefix), at
-- most 2^64-1; NULL stays NULL (the start, as in the readers).
-- Returns the xid8. Raises PE106 (DETAIL field "after_transaction_id") for
-- anything else. Locks: none. IMMUTABLE.
CREATE OR REPLACE FUNCTION pgevents.parse_transaction_id(p_value text)
  RETURNS xid8
  LANGUAGE plpgsql
  IMMUTABLE
  PARALLEL SAFE
  SET search_path = pgevents, pg_temp
AS $$
BEGIN
  IF p_value IS NULL THEN
    RETURN NULL;
  END IF;
  IF p_value OPERATOR(pg_catalog.~) '^[0-9]{1,20}$'
     AND p_value::numeric OPERATOR(pg_catalog.<=) 18446744073709551615 THEN
    RETURN p_value::xid8;
  END IF;
  PERFORM pgevents.raise_invalid('PE106', 'after_transaction_id',
    pg_catalog.format('must be a transaction id: decimal digits, at most 18446744073709551615 (got %s)',
      pg_catalog.quote_literal(pg_catalog.left(p_value, 100))));
  RETURN NULL;
END;
$$;

COMMENT ON FUNCTION pgevents.parse_transaction_id(text) IS
  'Internal: parses a cursor transaction id strictly (digits, at most 2^64-1); raises PE106 otherwise. No locks.';
