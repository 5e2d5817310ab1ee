-- pgevents.check_write_limits: checks a batch of new events against the write limits.
--
-- The slow path of the write limits: pgevents.write_stream calls it only for
-- a batch beyond the lowest values the limits may be set to (over 100
-- events, over 65536 bytes of JSON text, or an event nesting over 32
-- levels deep). It reads the installation settings (pgevents.settings) and
-- raises PE112 for the first limit exceeded, in this order:
--   max_append_events  the batch holds more events (field p_field);
--   per event, in order:
--     max_event_size   its payload and metadata, as JSON text (PostgreSQL's
--                      jsonb output; absent metadata counts as null), are
--                      larger (field '<p_field>[i]');
--     max_event_depth  its payload, else its metadata, nests arrays and
--                      objects deeper (field '<p_field>[i].payload' /
--                      '.metadata'; a scalar is depth 0, [] and {} 1);
--   max_append_size    the batch's JSON text is larger (field p_field).
-- Events that are not objects are left to pgevents.check_events. Returns
-- normally when no limit is exceeded. Every walk is bounded: jsonpath's .**
-- with an exact level never goes deeper than that level.
-- Locks: none. VOLATILE: it raises.
CREATE OR REPLACE FUNCTION pgevents.check_write_limits(p_events jsonb, p_field text)
  RETURNS void
  LANGUAGE plpgsql
  VOLATILE
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _max_size bigint;
  _max_depth integer;
  _max_events bigint;
  _max_request bigint;
  _too_deep jsonpath;
  _count bigint := pg_catalog.jsonb_array_length(p_events)::bigint;
  _batch_size bigint := pg_catalog.octet_length(p_events::text)::bigint;
  _event jsonb;
  _size bigint;
  _i integer := 0;
BEGIN
  SELECT COALESCE(pg_catalog.max(s.value::text) FILTER (WHERE s.name = 'max_event_size'), '1048576')::bigint,
         COALESCE(pg_catalog.max(s.value::text) FILTER (WHERE s.name = 'max_event_depth'), '64')::integer,
         COALESCE(pg_catalog.max(s.value::text) FILTER (WHERE s.name = 'max_append_events'), '10000')::bigint,
         COALESCE(pg_catalog.max(s.value::text) FILTER (WHERE s.name = 'max_append_size'), '16777216')::bigint
    INTO _max_size, _max_depth, _max_events, _max_request
    FROM pgevents.settings s
   WHERE s.name IN ('max_event_size', 'max_event_depth', 'max_append_events', 'max_append_size');
  IF _count > _max_events THEN
    PERFORM pgevents.raise_limit(p_field, pg_catalog.format('must hold at most %s events (got %s)', _max_events, _count),
      'max_append_events', _max_events);
  END IF;
  -- A container at level _max_depth (the value itself is level 0) means
  -- more than _max_depth levels.
  _too_deep := pg_catalog.format('strict $.**{%s} ? (@.type() == "array" || @.type() == "object")', _max_depth)::jsonpath;
  FOR _event IN SELECT a.v FROM pg_catalog.jsonb_array_elements(p_events) WITH ORDINALITY AS a(v, ord) ORDER BY a.ord LOOP
    -- The batch's text bounds each event's size; 8 bytes of jsonb per level
    -- bound its depth (see pgevents.write_stream): most events need neither
    -- measure.
    IF pg_catalog.jsonb_typeof(_event) = 'object' AND _batch_size > _max_size THEN
      _size := pg_catalog.octet_length(COALESCE(_event -> 'payload', 'null'::jsonb)::text)::bigint
             + pg_catalog.octet_length(COALESCE(_event -> 'metadata', 'null'::jsonb)::text);
      IF _size > _max_size THEN
        PERFORM pgevents.raise_limit(pg_catalog.format('%s[%s]', p_field, _i),
          pg_catalog.format('payload and metadata must be at most %s bytes of JSON (got %s)', _max_size, _size),
          'max_event_size', _max_size);
      END IF;
    END IF;
    IF pg_catalog.jsonb_typeof(_event) = 'object' AND pg_catalog.pg_column_size(_event) >= 8 * (_max_depth + 2) THEN
      IF (_event -> 'payload') @? _too_deep THEN
        PERFORM pgevents.raise_limit(pg_catalog.format('%s[%s].payload', p_field, _i),
          pg_catalog.format('must nest arrays and objects at most %s levels deep', _max_depth),
          'max_event_depth', _max_depth);
      END IF;
      IF (_event -> 'metadata') @? _too_deep THEN
        PERFORM pgevents.raise_limit(pg_catalog.format('%s[%s].metadata', p_field, _i),
          pg_catalog.format('must nest arrays and objects at most %s levels deep', _max_depth),
          'max_event_depth', _max_depth);
      END IF;
    END IF;
    _i := _i + 1;
  END LOOP;
  IF _batch_size > _max_request THEN
    PERFORM pgevents.raise_limit(p_field, pg_catalog.format('must be at most %s bytes of JSON (got %s)', _max_request, _batch_size),
      'max_append_size', _max_request);
  END IF;
END;
$$;

COMMENT ON FUNCTION pgevents.check_write_limits(jsonb, text) IS
  'Internal: raises PE112 for the first write limit (installation settings) a batch of new events exceeds: event count, per-event size and nesting depth, batch size. No locks.';
