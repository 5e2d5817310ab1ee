-- pgevents.projection_source: validates a projection's source identifier and returns its normal form.
--
-- Parameters: p_source, an identifier JSON (SPEC §1): {"type":"log"},
-- {"type":"category","category":C} or {"type":"stream","category":C,"stream":S};
-- p_field names it in errors.
-- Returns the identifier as pgevents.identifier builds it (other keys dropped),
-- so equal sources are equal jsonb.
-- Raises PE104 (invalid identifier) for a non-object, an unknown type or a
-- missing category/stream, PE101 for an invalid category or stream name.
-- Locks: none. IMMUTABLE: depends on its argument only.
CREATE OR REPLACE FUNCTION pgevents.projection_source(p_source jsonb, p_field text DEFAULT 'source')
  RETURNS jsonb
  LANGUAGE plpgsql
  IMMUTABLE
  PARALLEL SAFE
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _type text := CASE WHEN pg_catalog.jsonb_typeof(p_source) = 'object' THEN p_source ->> 'type' END;
BEGIN
  IF _type IS NULL OR _type NOT IN ('log', 'category', 'stream') THEN
    PERFORM pgevents.raise_invalid('PE104', p_field,
      pg_catalog.format('must be an identifier {"type": "log" | "category" | "stream", ...} (got %s)', COALESCE(p_source::text, 'NULL')));
  END IF;
  IF _type <> 'log' AND pg_catalog.jsonb_typeof(p_source -> 'category') IS DISTINCT FROM 'string' THEN
    PERFORM pgevents.raise_invalid('PE104', p_field || '.category', pg_catalog.format('is required for a %s identifier', _type));
  END IF;
  IF _type = 'stream' AND pg_catalog.jsonb_typeof(p_source -> 'stream') IS DISTINCT FROM 'string' THEN
    PERFORM pgevents.raise_invalid('PE104', p_field || '.stream', 'is required for a stream identifier');
  END IF;
  RETURN pgevents.identifier(
    CASE WHEN _type <> 'log' THEN p_source ->> 'category' END,
    CASE WHEN _type = 'stream' THEN p_source ->> 'stream' END);
END;
$$;

COMMENT ON FUNCTION pgevents.projection_source(jsonb, text) IS
  'Internal: validates an identifier JSON used as a projection source and returns its normal form. SQLSTATEs: PE101, PE104.';
