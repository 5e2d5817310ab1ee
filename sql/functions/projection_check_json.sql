-- pgevents.projection_check_json: refuses a projection's state or metadata beyond the size and nesting limits.
--
-- Parameters:
--   p_field      'state' or 'metadata', for the error
--   p_value      the JSON value (NULL passes: it is stored as JSON null)
--   p_max_bytes  the largest size allowed, in bytes of the value's jsonb text
--                form (octet_length(value::text))
--   p_max_depth  the deepest nesting allowed: the number of arrays/objects
--                enclosing one another (a scalar is 0, [] and {} are 1, [[1]] is 2)
-- Returns nothing. Raises PE115 (projection too large), DETAIL
-- {"field": p_field, "reason"}, when the value is larger or deeper. The depth
-- test is a jsonpath walk that stops at level p_max_depth, run only when the
-- text is long enough to hold that many levels.
-- Locks: none. IMMUTABLE: depends on its arguments only.
CREATE OR REPLACE FUNCTION pgevents.projection_check_json(p_field text, p_value jsonb, p_max_bytes integer, p_max_depth integer)
  RETURNS void
  LANGUAGE plpgsql
  IMMUTABLE
  PARALLEL SAFE
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _bytes integer;
BEGIN
  IF p_value IS NULL THEN
    RETURN;
  END IF;
  _bytes := pg_catalog.octet_length(p_value::text);
  IF _bytes > p_max_bytes THEN
    PERFORM pgevents.raise_invalid('PE115', p_field,
      pg_catalog.format('must be at most %s bytes as JSON text (got %s)', p_max_bytes, _bytes));
  END IF;
  -- Nesting n levels deep takes at least 2n bytes of text ("[[]]").
  IF _bytes > 2 * p_max_depth
     AND pg_catalog.jsonb_path_exists(p_value,
           pg_catalog.format('strict $.**{%s} ? (@.type() == "array" || @.type() == "object")', p_max_depth)::jsonpath) THEN
    PERFORM pgevents.raise_invalid('PE115', p_field, pg_catalog.format('must be nested at most %s levels deep', p_max_depth));
  END IF;
END;
$$;

COMMENT ON FUNCTION pgevents.projection_check_json(text, jsonb, integer, integer) IS
  'Internal: raises PE115 when a projection''s state or metadata is larger (jsonb text bytes) or deeper than allowed. No locks.';
