-- pgevents.write_stream: appends events to one stream under its lock (the core of every append).
--
-- Callers use pgevents.append or pgevents.append_streams; this function
-- assumes the names are valid and any wider scope lock is already held.
-- Parameters:
--   p_category, p_stream  the stream
--   p_events     JSONB array of new events, each an object with "name" (text),
--                "payload" (any JSON, required), optional "metadata" (any JSON;
--                absent = null), "id" (UUID; generated when absent),
--                "occurred_at" (RFC 3339; defaults to observed_at) and
--                "observed_at" (RFC 3339; defaults to the server clock; for imports)
--   p_condition  the write condition (see pgevents.evaluate_condition)
--   p_field      where the events sit in the request, for error messages
-- Returns the stored events in input order (positions latest+1, latest+2, ...).
-- Guarantees, in this order, all under the stream lock:
--   1. idempotent retry: when every event carries an id that is already stored
--      in this stream with the same name, payload, metadata (and occurred_at,
--      when given), the stored events are returned and nothing is written or
--      checked; a partial or different match raises PE107;
--   2. ordering: when the caller's transaction id is older than the stream's
--      latest event's, raises 40001 (retry the transaction), so (transaction_id,
--      sequence_number) order never contradicts position order;
--   3. the condition is evaluated against the latest event (PE001..PE005);
--   4. an empty array writes nothing and returns nothing.
-- Locks: pg_advisory_xact_lock(pgevents.lock_key('stream', ...)), held to
-- commit, taken after the events are validated and before the latest event is read.
-- Raises: PE102 invalid events, PE103 invalid condition (validated whole,
-- before the lock, even for an idempotent retry), PE107 id conflict,
-- PE001..PE005 unmet condition, 40001 transaction id inversion.
-- VOLATILE: it writes.
CREATE OR REPLACE FUNCTION pgevents.write_stream(
  p_category text,
  p_stream text,
  p_events jsonb,
  p_condition jsonb,
  p_field text DEFAULT 'events'
)
  RETURNS SETOF pgevents.events
  LANGUAGE plpgsql
  VOLATILE
AS $$
DECLARE
  _clock timestamptz;
  _event jsonb;
  _field text;
  _key text;
  _ids uuid[] := '{}'::uuid[];
  _names text[] := '{}'::text[];
  _payloads jsonb[] := '{}'::jsonb[];
  _metadatas jsonb[] := '{}'::jsonb[];
  _occurred timestamptz[] := '{}'::timestamptz[];
  _observed timestamptz[] := '{}'::timestamptz[];
  _explicit_ids int := 0;
  _id_text text;
  _id uuid;
  _existing bigint;
  _matching bigint;
  _conflict uuid;
  _latest pgevents.events;
  _xid xid8;
  _failure jsonb;
BEGIN
  IF pg_catalog.jsonb_typeof(p_events) IS DISTINCT FROM 'array' THEN
    PERFORM pgevents.raise_invalid('PE102', p_field, 'must be a JSON array of events');
  END IF;

  -- Index access, not a query cursor: this loop is on every append's hot path.
  FOR _i IN 0 .. pg_catalog.jsonb_array_length(p_events) - 1 LOOP
    _event := p_events -> _i;
    _field := pg_catalog.format('%s[%s]', p_field, _i);
    IF pg_catalog.jsonb_typeof(_event) <> 'object' THEN
      PERFORM pgevents.raise_invalid('PE102', _field, 'must be a JSON object');
    END IF;
    -- An expression, not a query, on the hot path; find the key only on failure.
    IF (_event OPERATOR(pg_catalog.-) '{id,name,payload,metadata,occurred_at,observed_at}'::text[]) <> '{}'::jsonb THEN
      _key := pgevents.unknown_key(_event, '{id,name,payload,metadata,occurred_at,observed_at}');
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
    IF _id_text IS NULL THEN -- absent, or JSON null
      _ids := _ids || pg_catalog.gen_random_uuid();
    ELSIF pg_catalog.jsonb_typeof(_event -> 'id') = 'string'
          AND _id_text ~ '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' THEN
      _id := _id_text::uuid;
      IF _id = ANY (_ids) THEN
        PERFORM pgevents.raise_invalid('PE102', _field || '.id',
          pg_catalog.format('%s appears twice in the batch', _id_text));
      END IF;
      _ids := _ids || _id;
      _explicit_ids := _explicit_ids + 1;
    ELSE
      PERFORM pgevents.raise_invalid('PE102', _field || '.id', 'must be a UUID string like 0190a6e0-0000-7000-8000-000000000000');
    END IF;

    _names := _names || (_event ->> 'name');
    _payloads := _payloads || (_event -> 'payload');
    _metadatas := _metadatas || COALESCE(_event -> 'metadata', 'null'::jsonb);
    IF pg_catalog.jsonb_typeof(_event -> 'observed_at') IS NULL OR pg_catalog.jsonb_typeof(_event -> 'observed_at') = 'null' THEN
      _observed := _observed || NULL::timestamptz;
    ELSE
      _observed := _observed || pgevents.parse_timestamp(_field || '.observed_at', _event -> 'observed_at');
    END IF;
    IF pg_catalog.jsonb_typeof(_event -> 'occurred_at') IS NULL OR pg_catalog.jsonb_typeof(_event -> 'occurred_at') = 'null' THEN
      _occurred := _occurred || NULL::timestamptz;
    ELSE
      _occurred := _occurred || pgevents.parse_timestamp(_field || '.occurred_at', _event -> 'occurred_at');
    END IF;
  END LOOP;

  IF p_condition IS NOT NULL THEN
    PERFORM pgevents.check_condition(p_condition, 'condition');
  END IF;

  PERFORM pg_catalog.pg_advisory_xact_lock(pgevents.lock_key('stream', p_category, p_stream));
  -- Read the clock only once the lock is held, so observed_at never goes
  -- backwards along a stream's positions.
  _clock := pg_catalog.clock_timestamp();

  -- 1. Idempotent retry: checked first, so a retry whose first attempt
  -- committed succeeds even though its condition no longer holds.
  -- Probe first: this index probe keeps a generic plan, while the full
  -- comparison below is re-planned on every call (a custom plan, which knows
  -- the array length, always looks cheaper than the generic one), and new
  -- events never need it.
  IF _explicit_ids > 0 THEN
    PERFORM 1 FROM pgevents.events e WHERE e.id = ANY (_ids) LIMIT 1;
  END IF;
  IF _explicit_ids > 0 AND FOUND THEN
    SELECT pg_catalog.count(e.id),
           pg_catalog.count(e.id) FILTER (WHERE e.category = p_category AND e.stream = p_stream
             AND e.name = u.name AND e.payload = u.payload AND e.metadata = u.metadata
             AND (u.occurred_at IS NULL OR e.occurred_at = u.occurred_at)),
           (pg_catalog.array_agg(u.id ORDER BY u.ord) FILTER (WHERE e.id IS NOT NULL AND NOT (
             e.category = p_category AND e.stream = p_stream
             AND e.name = u.name AND e.payload = u.payload AND e.metadata = u.metadata
             AND (u.occurred_at IS NULL OR e.occurred_at = u.occurred_at))))[1]
      INTO _existing, _matching, _conflict
      FROM unnest(_ids, _names, _payloads, _metadatas, _occurred)
             WITH ORDINALITY AS u(id, name, payload, metadata, occurred_at, ord)
      LEFT JOIN pgevents.events e ON e.id = u.id;
    IF _existing > 0 THEN
      IF _matching = pg_catalog.cardinality(_ids) THEN
        RETURN QUERY
          SELECT e.* FROM unnest(_ids) WITH ORDINALITY AS u(id, ord)
            JOIN pgevents.events e ON e.id = u.id
           ORDER BY u.ord;
        RETURN;
      END IF;
      _conflict := COALESCE(_conflict,
        (SELECT u.id FROM unnest(_ids) WITH ORDINALITY AS u(id, ord)
          WHERE NOT EXISTS (SELECT 1 FROM pgevents.events e WHERE e.id = u.id) ORDER BY u.ord LIMIT 1));
      RAISE EXCEPTION 'pgevents: event id conflict: % is already stored in another stream or with other content, or only part of the batch is stored', _conflict
        USING ERRCODE = 'PE107',
              DETAIL = pg_catalog.jsonb_build_object('field', p_field, 'id', _conflict,
                'reason', 'an id may be reused only to retry the exact same batch on the same stream')::text,
              HINT = 'Give new events new ids; retry a batch only with identical events.';
    END IF;
  END IF;

  SELECT * INTO _latest FROM pgevents.events e
   WHERE e.category = p_category AND e.stream = p_stream
   ORDER BY e.position DESC LIMIT 1;

  -- 2. Ordering: the caller's transaction must be younger than the stream's
  -- latest writer, or readers ordering by transaction id would see this
  -- stream out of order.
  _xid := pg_catalog.pg_current_xact_id();
  IF _latest.transaction_id > _xid THEN
    RAISE EXCEPTION 'pgevents: transaction % is older than the latest writer (%) of stream (%, %)',
        _xid, _latest.transaction_id, p_category, p_stream
      USING ERRCODE = '40001',
            DETAIL = pg_catalog.jsonb_build_object('category', p_category, 'stream', p_stream)::text,
            HINT = 'Retry the transaction; appending early in a transaction, or in its own transaction, avoids this.';
  END IF;

  -- 3. The write condition.
  IF p_condition IS NOT NULL THEN
    _failure := pgevents.evaluate_condition(p_condition, p_category, p_stream, _latest, 'condition');
  END IF;
  IF _failure IS NOT NULL THEN
    RAISE EXCEPTION 'pgevents: write condition not met on stream (%, %): % (latest position: %)',
        p_category, p_stream, _failure -> 'condition', COALESCE(_latest.position::text, 'none, the stream is empty')
      USING ERRCODE = _failure ->> 'code',
            DETAIL = (_failure || pg_catalog.jsonb_build_object('category', p_category, 'stream', p_stream,
              'position', _latest.position))::text;
  END IF;

  IF pg_catalog.cardinality(_ids) = 0 THEN
    RETURN;
  END IF;

  RETURN QUERY
    WITH inserted AS (
      INSERT INTO pgevents.events (id, category, stream, position, name, payload, metadata, occurred_at, observed_at)
      SELECT u.id, p_category, p_stream, COALESCE(_latest.position, -1) + u.ord, u.name, u.payload,
             u.metadata, COALESCE(u.occurred_at, u.observed_at, _clock), COALESCE(u.observed_at, _clock)
        FROM unnest(_ids, _names, _payloads, _metadatas, _occurred, _observed)
               WITH ORDINALITY AS u(id, name, payload, metadata, occurred_at, observed_at, ord)
       ORDER BY u.ord
      RETURNING *
    )
    SELECT * FROM inserted ORDER BY inserted.position;
END;
$$;

COMMENT ON FUNCTION pgevents.write_stream(text, text, jsonb, jsonb, text) IS
  'Internal core of append: under the stream advisory lock, returns stored events for an idempotent retry, else checks transaction order (40001) and the condition (PE001..PE005), then inserts at contiguous positions.';
