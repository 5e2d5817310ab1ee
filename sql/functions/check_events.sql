-- pgevents.check_events: names the first problem in a batch of new events.
--
-- The slow path of event validation: pgevents.write_stream calls it only when
-- pgevents.is_valid_event rejects an event or two events share an id. It
-- walks the batch in order and raises for the first problem it finds, naming
-- the field (p_field, then [index] and the event's field):
--   PE102 not an array, an event not an object, an unknown field, "payload"
--         missing, an "id" that is not a UUID string or appears twice in the
--         batch, an "occurred_at"/"observed_at" that is not an RFC 3339
--         timestamp with an offset;
--   PE101 "name" missing, not a string, or not a valid name (pgevents.check_name).
-- Returns normally when the batch is valid. Locks: none. VOLATILE: it raises.
CREATE OR REPLACE FUNCTION pgevents.check_events(p_events jsonb, p_field text)
  RETURNS void
  LANGUAGE plpgsql
  VOLATILE
AS $$
DECLARE
  _event jsonb;
  _field text;
  _key text;
  _id_text text;
  _ids uuid[] := '{}'::uuid[];
BEGIN
  IF pg_catalog.jsonb_typeof(p_events) IS DISTINCT FROM 'array' THEN
    PERFORM pgevents.raise_invalid('PE102', p_field, 'must be a JSON array of events');
  END IF;
  FOR _i IN 0 .. pg_catalog.jsonb_array_length(p_events) - 1 LOOP
    _event := p_events -> _i;
    _field := pg_catalog.format('%s[%s]', p_field, _i);
    IF pg_catalog.jsonb_typeof(_event) <> 'object' THEN
      PERFORM pgevents.raise_invalid('PE102', _field, 'must be a JSON object');
    END IF;
    _key := pgevents.unknown_key(_event, '{id,name,payload,metadata,occurred_at,observed_at}');
    IF _key IS NOT NULL THEN
      PERFORM pgevents.raise_invalid('PE102', _field || '.' || _key,
        'is not a field of an event (id, name, payload, metadata, occurred_at, observed_at)');
    END IF;
    IF pg_catalog.jsonb_typeof(_event -> 'name') IS DISTINCT FROM 'string' THEN
      PERFORM pgevents.raise_invalid('PE101', _field || '.name', 'is required and must be a string');
    END IF;
    PERFORM pgevents.check_name(_field || '.name', _event ->> 'name');
    IF NOT _event ? 'payload' THEN
      PERFORM pgevents.raise_invalid('PE102', _field || '.payload', 'is required (any JSON value, null included)');
    END IF;
    _id_text := _event ->> 'id';
    IF _id_text IS NOT NULL THEN -- present and not JSON null
      IF pg_catalog.jsonb_typeof(_event -> 'id') <> 'string'
         OR _id_text !~ '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' THEN
        PERFORM pgevents.raise_invalid('PE102', _field || '.id', 'must be a UUID string like 0190a6e0-0000-7000-8000-000000000000');
      END IF;
      IF _id_text::uuid = ANY (_ids) THEN
        PERFORM pgevents.raise_invalid('PE102', _field || '.id',
          pg_catalog.format('%s appears twice in the batch', _id_text));
      END IF;
      _ids := _ids || _id_text::uuid;
    END IF;
    IF COALESCE(pg_catalog.jsonb_typeof(_event -> 'observed_at'), 'null') <> 'null' THEN
      PERFORM pgevents.parse_timestamp(_field || '.observed_at', _event -> 'observed_at');
    END IF;
    IF COALESCE(pg_catalog.jsonb_typeof(_event -> 'occurred_at'), 'null') <> 'null' THEN
      PERFORM pgevents.parse_timestamp(_field || '.occurred_at', _event -> 'occurred_at');
    END IF;
  END LOOP;
END;
$$;

COMMENT ON FUNCTION pgevents.check_events(jsonb, text) IS
  'Internal: raises PE101/PE102 naming the first invalid field of a batch of new events (in order); returns when the batch is valid. No locks.';
