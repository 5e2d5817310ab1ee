-- pgevents.check_read_transaction_id: parses the text cursor of read_category / read_log (text overloads).
--
-- Parameters: p_value, the cursor's transaction id as text (NULL = the start).
-- Returns it as xid8 (pgevents.parse_transaction_id: digits only, at most
-- 2^64-1), or raises PE106 (field "after_transaction_id").
-- The text overloads are inlined into the caller's statement, so the caller
-- calls this; SECURITY DEFINER keeps parse_transaction_id internal.
-- Locks: none. IMMUTABLE: depends on its argument only (a literal cursor is
-- parsed once, at planning).
CREATE OR REPLACE FUNCTION pgevents.check_read_transaction_id(p_value text)
  RETURNS xid8
  LANGUAGE plpgsql
  IMMUTABLE
  PARALLEL SAFE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
AS $$
BEGIN
  RETURN pgevents.parse_transaction_id(p_value);
END;
$$;

COMMENT ON FUNCTION pgevents.check_read_transaction_id(text) IS
  'Internal: parses a text cursor transaction id for the inlined text overloads of read_category and read_log; raises PE106. No locks.';
