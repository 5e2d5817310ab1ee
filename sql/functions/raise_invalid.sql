-- pgevents.raise_invalid: raises an invalid-input error with a machine-readable DETAIL.
--
-- Parameters:
--   p_code   the SQLSTATE (one of PE101..PE108, see sql/errcodes.md)
--   p_field  the offending field, e.g. 'events[2].name'
--   p_reason what is wrong with it, e.g. 'must not be empty'
-- Raises: always p_code, message 'pgevents: invalid <field>: <reason>', DETAIL
--   {"field": ..., "reason": ...}.
-- Locks: none. Volatility: VOLATILE (it raises; never inlined or cached).
CREATE OR REPLACE FUNCTION pgevents.raise_invalid(p_code text, p_field text, p_reason text)
  RETURNS void
  LANGUAGE plpgsql
  VOLATILE
  PARALLEL SAFE
  SET search_path = pgevents, pg_temp
AS $$
BEGIN
  RAISE EXCEPTION 'pgevents: invalid %: %', p_field, p_reason
    USING ERRCODE = p_code,
          DETAIL = pg_catalog.jsonb_build_object('field', p_field, 'reason', p_reason)::text;
END;
$$;

COMMENT ON FUNCTION pgevents.raise_invalid(text, text, text) IS
  'Internal: raises SQLSTATE p_code with message "pgevents: invalid <field>: <reason>" and DETAIL {"field","reason"}.';
