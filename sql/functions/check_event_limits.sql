-- pgevents.check_event_limits: names the first event of a batch over a write limit.
--
-- The slow path of the write limits: pgevents.write_stream calls it only when
-- its one-pass check over the batch found the batch's JSON text larger than
-- max_event_size, or an event large enough to nest deeper than
-- max_event_depth. It walks the batch in order and, for each event, raises
-- PE112 when
--   its payload and metadata, as JSON text (PostgreSQL's jsonb output;
--   absent metadata counts as null), are larger than p_max_size bytes
--   (field '<p_field>[i]'), or
--   its payload, else its metadata, nests arrays and objects more than
--   p_max_depth levels deep (field '<p_field>[i].payload' / '.metadata').
-- Returns normally when no event is over a limit (events that are not
-- objects are left to pgevents.check_events). Locks: none. VOLATILE: it
-- raises.
CREATE OR REPLACE FUNCTION pgevents.check_event_limits(p_events jsonb, p_field text, p_max_size bigint, p_max_depth integer)
  RETURNS void
  LANGUAGE plpgsql
  VOLATILE
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  -- A container at level p_max_depth (the value itself is level 0) means
  -- more than p_max_depth levels; .** with an exact level never walks deeper.
  _too_deep jsonpath := pg_catalog.format(
    'strict $.**{%s} ? (@.type() == "array" || @.type() == "object")', p_max_depth)::jsonpath;
  _event jsonb;
  _size integer;
  _i integer := 0;
BEGIN
  FOR _event IN SELECT a.v FROM pg_catalog.jsonb_array_elements(p_events) WITH ORDINALITY AS a(v, ord) ORDER BY a.ord LOOP
    IF pg_catalog.jsonb_typeof(_event) = 'object' THEN
      _size := pg_catalog.octet_length(COALESCE(_event -> 'payload', 'null'::jsonb)::text)
             + pg_catalog.octet_length(COALESCE(_event -> 'metadata', 'null'::jsonb)::text);
      IF _size > p_max_size THEN
        PERFORM pgevents.raise_limit(pg_catalog.format('%s[%s]', p_field, _i),
          pg_catalog.format('payload and metadata must be at most %s bytes of JSON (got %s)', p_max_size, _size),
          'max_event_size', p_max_size);
      END IF;
      IF (_event -> 'payload') @? _too_deep THEN
        PERFORM pgevents.raise_limit(pg_catalog.format('%s[%s].payload', p_field, _i),
          pg_catalog.format('must nest arrays and objects at most %s levels deep', p_max_depth),
          'max_event_depth', p_max_depth);
      END IF;
      IF (_event -> 'metadata') @? _too_deep THEN
        PERFORM pgevents.raise_limit(pg_catalog.format('%s[%s].metadata', p_field, _i),
          pg_catalog.format('must nest arrays and objects at most %s levels deep', p_max_depth),
          'max_event_depth', p_max_depth);
      END IF;
    END IF;
    _i := _i + 1;
  END LOOP;
END;
$$;

COMMENT ON FUNCTION pgevents.check_event_limits(jsonb, text, bigint, integer) IS
  'Internal: raises PE112 naming the first event whose payload + metadata exceed p_max_size bytes of JSON text or nest deeper than p_max_depth. No locks.';
