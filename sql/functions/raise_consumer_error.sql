-- pgevents.raise_consumer_error: raises a consumer error (PE121..PE124) with a JSON DETAIL.
--
-- Parameters: p_code, the SQLSTATE (see sql/errcodes.md); p_message, the
-- human message (prefixed "pgevents: "); p_detail, the JSON DETAIL (keys per
-- code in sql/errcodes.md).
-- Raises: always p_code. Locks: none. VOLATILE: it raises.
CREATE OR REPLACE FUNCTION pgevents.raise_consumer_error(p_code text, p_message text, p_detail jsonb)
  RETURNS void
  LANGUAGE plpgsql
  VOLATILE
  PARALLEL SAFE
  SET search_path = pgevents, pg_temp
AS $$
BEGIN
  RAISE EXCEPTION 'pgevents: %', p_message
    USING ERRCODE = p_code,
          DETAIL = COALESCE(p_detail, '{}'::jsonb)::text;
END;
$$;

COMMENT ON FUNCTION pgevents.raise_consumer_error(text, text, jsonb) IS
  'Internal: raises a consumer error (PE121..PE124) with message "pgevents: <message>" and a JSON DETAIL.';
