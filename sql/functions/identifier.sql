-- pgevents.identifier: the JSON identifier of the log, a category or a stream.
--
-- Parameters: p_category, p_stream, both optional. Returns
-- {"type":"log"}, {"type":"category","category":C} or
-- {"type":"stream","category":C,"stream":S}. Raises PE104 for a stream
-- without a category, PE101 for an invalid name. Locks: none. IMMUTABLE.
CREATE OR REPLACE FUNCTION pgevents.identifier(p_category text DEFAULT NULL, p_stream text DEFAULT NULL)
  RETURNS jsonb
  LANGUAGE plpgsql
  IMMUTABLE
  PARALLEL SAFE
  SET search_path = pgevents, pg_temp
AS $$
BEGIN
  IF p_stream IS NOT NULL AND p_category IS NULL THEN
    PERFORM pgevents.raise_invalid('PE104', 'category', 'is required when a stream is given');
  ELSIF p_stream IS NOT NULL THEN
    PERFORM pgevents.check_name('category', p_category);
    PERFORM pgevents.check_name('stream', p_stream);
    RETURN pg_catalog.jsonb_build_object('type', 'stream', 'category', p_category, 'stream', p_stream);
  ELSIF p_category IS NOT NULL THEN
    PERFORM pgevents.check_name('category', p_category);
    RETURN pg_catalog.jsonb_build_object('type', 'category', 'category', p_category);
  END IF;
  RETURN '{"type": "log"}'::jsonb;
END;
$$;

COMMENT ON FUNCTION pgevents.identifier(text, text) IS
  'JSON identifier of the log, a category or a stream. SQLSTATEs: PE101, PE104.';
