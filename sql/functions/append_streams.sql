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
-- Limits: the streams together carry at most max_append_events events and
-- max_append_size bytes of events JSON text (the sum of their events
-- arrays), checked before any lock (PE112, field 'streams'); each stream's
-- events as in pgevents.append.
-- Locks: the scope lock, then every stream's row lock (FOR UPDATE on
-- pgevents.streams, held to commit) in byte order of stream names, all
-- before the first insert, so concurrent multi-stream appends never
-- deadlock. The transaction gets its id with the first lock (a row lock
-- needs one); a younger transaction that takes a later stream's lock in
-- the moment before this append reaches it makes this append fail with
-- 40001 (retry the transaction).
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
  _count bigint;
  _size bigint;
  _max_events bigint;
  _max_request bigint;
  _locked text[];
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
  -- The limits of the whole call (write_stream checks each stream's own).
  SELECT pg_catalog.sum(pg_catalog.jsonb_array_length(s.value -> 'events'))
           FILTER (WHERE pg_catalog.jsonb_typeof(s.value -> 'events') = 'array'),
         pg_catalog.sum(pg_catalog.octet_length((s.value -> 'events')::text)),
         (SELECT COALESCE(pg_catalog.max(l.value::text), '10000')::bigint FROM pgevents.settings l WHERE l.name = 'max_append_events'),
         (SELECT COALESCE(pg_catalog.max(l.value::text), '16777216')::bigint FROM pgevents.settings l WHERE l.name = 'max_append_size')
    INTO _count, _size, _max_events, _max_request
    FROM pg_catalog.jsonb_each(p_streams) AS s;
  IF _count > _max_events THEN
    PERFORM pgevents.raise_limit('streams', pg_catalog.format('must hold at most %s events in all (got %s)', _max_events, _count),
      'max_append_events', _max_events);
  END IF;
  IF _size > _max_request THEN
    PERFORM pgevents.raise_limit('streams',
      pg_catalog.format('must hold at most %s bytes of events JSON in all (got %s)', _max_request, _size),
      'max_append_size', _max_request);
  END IF;
  PERFORM pgevents.lock_scope(p_scope, p_category);
  -- Every stream lock first, in byte order, before anything is written, so
  -- two multi-stream appends never wait for each other in a cycle. One
  -- statement locks the streams that have a row: the transaction gets its
  -- id with the first lock, and a younger transaction that takes a later
  -- stream's lock before this statement reaches it makes this append fail
  -- with 40001 (write_stream's ordering check); one statement keeps that
  -- moment short. Then the streams without a row that have events to write
  -- get one, in the same order. write_stream taking each lock again costs
  -- no wait.
  SELECT pg_catalog.array_agg(l.stream) INTO _locked
    FROM (SELECT s.stream FROM pgevents.streams s
           WHERE s.category = p_category
             AND s.stream IN (SELECT k.key FROM pg_catalog.jsonb_object_keys(p_streams) AS k(key))
           ORDER BY s.stream COLLATE "C"
             FOR UPDATE) AS l;
  FOR _stream, _spec IN
    SELECT s.key, s.value FROM pg_catalog.jsonb_each(p_streams) AS s ORDER BY s.key COLLATE "C"
  LOOP
    IF NOT _stream = ANY (COALESCE(_locked, '{}'))
       AND pg_catalog.jsonb_typeof(_spec -> 'events') = 'array' AND pg_catalog.jsonb_array_length(_spec -> 'events') > 0 THEN
      PERFORM pgevents.lock_stream(p_category, _stream, true);
    END IF;
  END LOOP;
  FOR _stream, _spec IN
    SELECT s.key, s.value FROM pg_catalog.jsonb_each(p_streams) AS s ORDER BY s.key COLLATE "C"
  LOOP
    RETURN QUERY SELECT w.sequence_number, w.transaction_id, w.id, w.category, w.stream, w.position, w.name, w.payload, w.metadata,
                        w.occurred_at, w.observed_at
      FROM pgevents.write_stream(p_category, _stream,
      COALESCE(_spec -> 'events', '[]'::jsonb), _spec -> 'condition',
      pg_catalog.format('streams[%s].events', pg_catalog.to_jsonb(_stream))) AS w;
  END LOOP;
END;
$$;

COMMENT ON FUNCTION pgevents.append_streams(text, jsonb, text) IS
  'Appends to several streams of one category atomically (all or nothing), each under its own condition; stream row locks taken in sorted order. SQLSTATEs as pgevents.append.';
