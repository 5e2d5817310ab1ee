-- pgevents.check_name: validates a category, stream or event name.
--
-- A name is non-empty text of at most 255 characters with no control
-- characters. Parameters: p_field names the field for the error, p_value is
-- the name. Raises PE101 (invalid name) when p_value is NULL, empty, too long
-- or holds a control character. Locks: none.
-- A single-expression SQL function on purpose: the planner inlines it into
-- the calling expression, so a valid name costs one length test and one
-- regular-expression test, with no function call (it runs several times in
-- every append). The message is built by pgevents.check_invalid_name, only
-- for an invalid name. Operators are schema-qualified because an inlined body
-- is parsed under the caller's search_path. VOLATILE because it may raise (an
-- IMMUTABLE body calling the VOLATILE raiser would not be inlined).
CREATE OR REPLACE FUNCTION pgevents.check_name(p_field text, p_value text)
  RETURNS void
  LANGUAGE sql
  VOLATILE
  PARALLEL SAFE
AS $$
  SELECT CASE
    WHEN pg_catalog.length(p_value) OPERATOR(pg_catalog.>=) 1
     AND pg_catalog.length(p_value) OPERATOR(pg_catalog.<=) 255
     AND p_value OPERATOR(pg_catalog.!~) '[[:cntrl:]]'
    THEN NULL::void
    ELSE pgevents.check_invalid_name(p_field, p_value)
  END;
$$;

COMMENT ON FUNCTION pgevents.check_name(text, text) IS
  'Internal: raises PE101 unless p_value is 1..255 characters without control characters. Inlined by the planner; no locks.';
