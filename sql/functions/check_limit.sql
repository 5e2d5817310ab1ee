-- pgevents.check_limit: validates a page size and returns it as a LIMIT value.
--
-- Parameters: p_limit (NULL or -1 = unlimited, else 0..n). Returns NULL for
-- unlimited (LIMIT NULL means no limit), else p_limit. Raises PE106 for any
-- other negative value. Locks: none. IMMUTABLE.
CREATE OR REPLACE FUNCTION pgevents.check_limit(p_limit integer)
  RETURNS integer
  LANGUAGE plpgsql
  IMMUTABLE
  PARALLEL SAFE
  SET search_path = pgevents, pg_temp
AS $$
BEGIN
  IF p_limit IS NULL OR p_limit = -1 THEN
    RETURN NULL;
  ELSIF p_limit < 0 THEN
    PERFORM pgevents.raise_invalid('PE106', 'limit', pg_catalog.format('must be -1 (unlimited) or at least 0 (got %s)', p_limit));
  END IF;
  RETURN p_limit;
END;
$$;

COMMENT ON FUNCTION pgevents.check_limit(integer) IS
  'Internal: validates a page size (-1 or NULL = unlimited); raises PE106 otherwise.';
