-- pgevents.check_name: validates a category, stream or event name.
--
-- A name is non-empty text of at most 255 characters with no control
-- characters. Parameters: p_field names the field for the error, p_value is
-- the name. Raises PE101 (invalid name) when p_value is NULL, empty, too long
-- or holds a control character. Locks: none. IMMUTABLE: depends on its
-- arguments only.
CREATE OR REPLACE FUNCTION pgevents.check_name(p_field text, p_value text)
  RETURNS void
  LANGUAGE plpgsql
  IMMUTABLE
  PARALLEL SAFE
AS $$
BEGIN
  IF p_value IS NULL THEN
    PERFORM pgevents.raise_invalid('PE101', p_field, 'is required');
  ELSIF p_value = '' THEN
    PERFORM pgevents.raise_invalid('PE101', p_field, 'must not be empty');
  ELSIF pg_catalog.length(p_value) > 255 THEN
    PERFORM pgevents.raise_invalid('PE101', p_field,
      pg_catalog.format('must be at most 255 characters (got %s)', pg_catalog.length(p_value)));
  ELSIF p_value ~ '[[:cntrl:]]' THEN
    PERFORM pgevents.raise_invalid('PE101', p_field, 'must not contain control characters');
  END IF;
END;
$$;

COMMENT ON FUNCTION pgevents.check_name(text, text) IS
  'Internal: raises PE101 unless p_value is 1..255 characters without control characters.';
