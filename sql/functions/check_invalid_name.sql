-- pgevents.check_invalid_name: names what is wrong with a category, stream or event name.
--
-- The slow path of pgevents.check_name, called only when a name is invalid:
-- raises PE101 with a message that says why (NULL, empty, longer than 255
-- characters, or holding a control character). Returns normally when the
-- name is valid. Parameters: p_field names the field for the error, p_value
-- is the name. Locks: none. VOLATILE: it raises.
CREATE OR REPLACE FUNCTION pgevents.check_invalid_name(p_field text, p_value text)
  RETURNS void
  LANGUAGE plpgsql
  VOLATILE
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

COMMENT ON FUNCTION pgevents.check_invalid_name(text, text) IS
  'Internal: raises PE101 saying why p_value is not a valid name (NULL, empty, over 255 characters, control characters); returns when it is valid. No locks.';
