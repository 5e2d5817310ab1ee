-- pgevents.parse_timestamp: parses an ISO 8601 timestamp with an explicit offset.
--
-- Parameters: p_field (for the error), p_value (JSON text such as
-- '2026-01-02T03:04:05.123456Z' or '...+02:00'). Returns the timestamptz,
-- rounded to microseconds as PostgreSQL stores it. Raises PE102 when the
-- value is not a string of that form (a missing offset is refused: the
-- session's TimeZone must never decide what an event's time means) or is out
-- of range. No backslash in the pattern ([0-9], not \d): the body's
-- literals are parsed under the session's standard_conforming_strings, and
-- with it off a backslash would be an escape. Locks: none. IMMUTABLE: the
-- explicit offset makes the result independent of the session.
CREATE OR REPLACE FUNCTION pgevents.parse_timestamp(p_field text, p_value jsonb)
  RETURNS timestamptz
  LANGUAGE plpgsql
  IMMUTABLE
  PARALLEL SAFE
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _text text;
BEGIN
  IF pg_catalog.jsonb_typeof(p_value) IS DISTINCT FROM 'string' THEN
    PERFORM pgevents.raise_invalid('PE102', p_field, 'must be an RFC 3339 timestamp string');
  END IF;
  _text := p_value #>> '{}';
  IF _text !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,9})?([Zz]|[+-][0-9]{2}:?[0-9]{2})$' THEN
    PERFORM pgevents.raise_invalid('PE102', p_field,
      pg_catalog.format('must be an RFC 3339 timestamp with an offset, e.g. 2026-01-02T03:04:05.123456Z (got %L)', _text));
  END IF;
  BEGIN
    RETURN _text::timestamptz;
  EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format OR data_exception THEN
    PERFORM pgevents.raise_invalid('PE102', p_field, pg_catalog.format('is not a valid timestamp (got %L)', _text));
  END;
  RETURN NULL;
END;
$$;

COMMENT ON FUNCTION pgevents.parse_timestamp(text, jsonb) IS
  'Internal: parses an RFC 3339 timestamp with an explicit offset; raises PE102 otherwise.';
