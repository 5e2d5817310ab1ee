-- pgevents.append_streams: appends to several streams of one category, all or nothing.
--
-- Parameters:
--   p_category  the category of every stream
--   p_streams   JSONB object: stream name -> {"events": [...], "condition": {...}}
--               ("condition" optional; events as in pgevents.append)
--   p_scope     serialisation scope: 'stream' (default), 'category' or 'log'
-- Returns every stored event, streams in byte order of their names, events in
-- input order within a stream. Each stream gets the guarantees of
-- pgevents.append; if any stream fails (a condition, a bad event), nothing is
-- written at all.
-- Locks: the scope lock, then every stream's advisory lock in byte order of
-- stream names, all before the first insert, so concurrent multi-stream
-- appends never deadlock and never trip the transaction-order check (40001)
-- on their own later streams.
-- Raises: as pgevents.append, plus PE102 when p_streams is not an object of
-- {"events", "condition"} objects. VOLATILE: it writes.
CREATE OR REPLACE FUNCTION pgevents.append_streams(
  p_category text,
  p_streams jsonb,
  p_scope text DEFAULT 'stream'
)
  RETURNS SETOF pgevents.events
  LANGUAGE plpgsql
  VOLATILE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _stream text;
  _spec jsonb;
  _key text;
BEGIN
  PERFORM pgevents.check_name('category', p_category);
  IF pg_catalog.jsonb_typeof(p_streams) IS DISTINCT FROM 'object' THEN
    PERFORM pgevents.raise_invalid('PE102', 'streams', 'must be a JSON object of stream name -> {"events": [...], "condition": ...}');
  END IF;
  -- Validate every stream before taking any lock.
  FOR _stream, _spec IN SELECT s.key, s.value FROM pg_catalog.jsonb_each(p_streams) AS s LOOP
    PERFORM pgevents.check_name(pg_catalog.format('streams[%s]', pg_catalog.to_jsonb(_stream)), _stream);
    IF pg_catalog.jsonb_typeof(_spec) <> 'object' THEN
      PERFORM pgevents.raise_invalid('PE102', pg_catalog.format('streams[%s]', pg_catalog.to_jsonb(_stream)),
        'must be an object {"events": [...], "condition": ...}');
    END IF;
    _key := pgevents.unknown_key(_spec, '{events,condition}');
    IF _key IS NOT NULL THEN
      PERFORM pgevents.raise_invalid('PE102', pg_catalog.format('streams[%s].%s', pg_catalog.to_jsonb(_stream), _key),
        'is not a field (events, condition)');
    END IF;
  END LOOP;
  PERFORM pgevents.lock_scope(p_scope, p_category);
  -- Every stream lock first, in byte order, before anything is written: the
  -- transaction gets its id at the first insert, and that id must be
  -- younger than the latest writer of every stream (write_stream's 40001
  -- check). Advisory locks are re-entrant, so write_stream taking each
  -- again costs nothing.
  FOR _stream IN SELECT k.key FROM pg_catalog.jsonb_object_keys(p_streams) AS k(key) ORDER BY k.key COLLATE "C" LOOP
    PERFORM pg_catalog.pg_advisory_xact_lock(pgevents.lock_key('stream', p_category, _stream));
  END LOOP;
  FOR _stream, _spec IN
    SELECT s.key, s.value FROM pg_catalog.jsonb_each(p_streams) AS s ORDER BY s.key COLLATE "C"
  LOOP
    RETURN QUERY SELECT * FROM pgevents.write_stream(p_category, _stream,
      COALESCE(_spec -> 'events', '[]'::jsonb), _spec -> 'condition',
      pg_catalog.format('streams[%s].events', pg_catalog.to_jsonb(_stream)));
  END LOOP;
END;
$$;

COMMENT ON FUNCTION pgevents.append_streams(text, jsonb, text) IS
  'Appends to several streams of one category atomically (all or nothing), each under its own condition; stream locks taken in sorted order. SQLSTATEs as pgevents.append.';
