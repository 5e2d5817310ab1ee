-- pgevents.fail_append: raises an append's error, or returns it as a batch item's error row.
--
-- The one place where pgevents.write_stream's outcomes decided under the
-- stream lock (an unmet condition, a transaction id inversion, an id
-- conflict, a concurrent write under REPEATABLE READ) become either an
-- exception (append, append_streams) or an error row (append_batch), with
-- the same SQLSTATE, message, DETAIL and HINT.
-- Parameters: p_item (NULL: raise; else the batch item's index), p_code
-- (SQLSTATE), p_message, p_detail (JSON text), p_hint (may be NULL).
-- Returns the error row: item, the error columns, event columns NULL.
-- Raises p_code when p_item is NULL. Locks: none. VOLATILE: it raises.
CREATE OR REPLACE FUNCTION pgevents.fail_append(p_item integer, p_code text, p_message text, p_detail text, p_hint text)
  RETURNS pgevents.append_batch_result
  LANGUAGE plpgsql
  VOLATILE
AS $$
BEGIN
  IF p_item IS NOT NULL THEN
    RETURN ROW(p_item, p_code, p_message, p_detail, p_hint,
               NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)::pgevents.append_batch_result;
  ELSIF p_hint IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = p_code, MESSAGE = p_message, DETAIL = p_detail;
  ELSE
    RAISE EXCEPTION USING ERRCODE = p_code, MESSAGE = p_message, DETAIL = p_detail, HINT = p_hint;
  END IF;
END;
$$;

COMMENT ON FUNCTION pgevents.fail_append(integer, text, text, text, text) IS
  'Internal: raises an append error (p_item NULL) or returns it as append_batch''s error row for item p_item. No locks.';
