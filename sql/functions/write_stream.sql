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
  _count bigint;
  _valid boolean;
  _id_texts text[];
  _timed boolean;
  _ids uuid[];
  _occurred timestamptz[];
  _observed timestamptz[];
  _clock timestamptz;
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

  -- Validation: one set-based pass over the batch (pgevents.is_valid_event
  -- is inlined); only when it finds a problem does pgevents.check_events walk
  -- the batch in order to raise the precise error. No ORDER BY or DISTINCT
  -- here: each would cost a sort on every append.
  SELECT pg_catalog.count(*),
         pg_catalog.bool_and(pgevents.is_valid_event(a.v)),
         pg_catalog.array_agg(a.v ->> 'id') FILTER (WHERE pg_catalog.jsonb_typeof(a.v -> 'id') = 'string'),
         pg_catalog.bool_or(a.v ? 'occurred_at' OR a.v ? 'observed_at')
    INTO _count, _valid, _id_texts, _timed
    FROM pg_catalog.jsonb_array_elements(p_events) AS a(v);
  IF NOT _valid THEN
    PERFORM pgevents.check_events(p_events, p_field);
  END IF;
  IF pg_catalog.cardinality(_id_texts) > 1 THEN -- the same id twice?
    IF (SELECT pg_catalog.count(DISTINCT pg_catalog.lower(x.id)) FROM unnest(_id_texts) AS x(id))
       < pg_catalog.cardinality(_id_texts) THEN
      PERFORM pgevents.check_events(p_events, p_field);
    END IF;
  END IF;
  IF _timed THEN
    -- Only imports and events with a domain time get here: parse the
    -- timestamps (PE102 for a well-shaped string that is no real instant).
    SELECT pg_catalog.array_agg(CASE WHEN COALESCE(pg_catalog.jsonb_typeof(a.v -> 'observed_at'), 'null') <> 'null'
                                THEN pgevents.parse_timestamp(pg_catalog.format('%s[%s].observed_at', p_field, a.ord - 1), a.v -> 'observed_at') END
                                ORDER BY a.ord),
           pg_catalog.array_agg(CASE WHEN COALESCE(pg_catalog.jsonb_typeof(a.v -> 'occurred_at'), 'null') <> 'null'
                                THEN pgevents.parse_timestamp(pg_catalog.format('%s[%s].occurred_at', p_field, a.ord - 1), a.v -> 'occurred_at') END
                                ORDER BY a.ord)
      INTO _observed, _occurred
      FROM pg_catalog.jsonb_array_elements(p_events) WITH ORDINALITY AS a(v, ord);
  END IF;

  IF p_condition IS NOT NULL THEN
    PERFORM pgevents.check_condition(p_condition, 'condition');
  END IF;

  PERFORM pg_catalog.pg_advisory_xact_lock(pgevents.lock_key('stream', p_category, p_stream));
  -- Read the clock only once the lock is held, so observed_at never goes
  -- backwards along a stream's positions.
  _clock := pg_catalog.clock_timestamp();

  -- 1. Idempotent retry: checked first, so a retry whose first attempt
  -- committed succeeds even though its condition no longer holds.
  -- Probe first (pgevents.any_event_stored: an index probe with a cached
  -- plan), while the full comparison below is re-planned on every call (a
  -- custom plan, which knows the array length, always looks cheaper than the
  -- generic one), and new events never need it.
  _ids := _id_texts::uuid[]; -- each matched the UUID pattern
  IF _ids IS NOT NULL AND pgevents.any_event_stored(_ids) THEN -- no call without ids
    -- One pass: which events are stored, which match; and the id to name
    -- in a conflict: one stored with other content, else one not stored (only
    -- part of the batch is), else a stored one (events without ids were added).
    SELECT pg_catalog.count(*) FILTER (WHERE m.stored),
           pg_catalog.count(*) FILTER (WHERE m.matches),
           COALESCE((pg_catalog.array_agg(m.id ORDER BY m.ord) FILTER (WHERE m.stored AND NOT m.matches))[1],
                    (pg_catalog.array_agg(m.id ORDER BY m.ord) FILTER (WHERE m.id IS NOT NULL AND NOT m.stored))[1],
                    (pg_catalog.array_agg(m.id ORDER BY m.ord) FILTER (WHERE m.id IS NOT NULL))[1])
      INTO _existing, _matching, _conflict
      FROM (SELECT u.id, u.ord, e.id IS NOT NULL AS stored,
                   COALESCE(e.category = p_category AND e.stream = p_stream AND e.name = u.name
                     AND e.payload = u.payload AND e.metadata = u.metadata
                     AND (u.occurred_at IS NULL OR e.occurred_at = u.occurred_at), false) AS matches
              FROM (SELECT (a.v ->> 'id')::uuid AS id, a.v ->> 'name' AS name, a.v -> 'payload' AS payload,
                           COALESCE(a.v -> 'metadata', 'null'::jsonb) AS metadata, _occurred[a.ord] AS occurred_at, a.ord
                      FROM pg_catalog.jsonb_array_elements(p_events) WITH ORDINALITY AS a(v, ord)) AS u
              LEFT JOIN pgevents.events e ON e.id = u.id) AS m;
    IF _existing > 0 THEN
      IF _matching = _count THEN
        RETURN QUERY
          SELECT e.* FROM pg_catalog.jsonb_array_elements(p_events) WITH ORDINALITY AS a(v, ord)
            JOIN pgevents.events e ON e.id = (a.v ->> 'id')::uuid
           ORDER BY a.ord;
        RETURN;
      END IF;
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

  IF _count = 0 THEN
    RETURN;
  END IF;

  -- 4. Insert straight from the JSON array (jsonb_to_recordset converts the
  -- fields in one pass; a JSON null payload or metadata comes out as SQL
  -- NULL, hence the COALESCEs). RETURNING yields the rows in the order they
  -- were inserted, which is input (and position) order.
  RETURN QUERY
    INSERT INTO pgevents.events AS e (id, category, stream, position, name, payload, metadata, occurred_at, observed_at)
    SELECT COALESCE(x.id, pg_catalog.gen_random_uuid()),
           p_category, p_stream, COALESCE(_latest.position, -1) + x.ord, x.name, COALESCE(x.payload, 'null'::jsonb),
           COALESCE(x.metadata, 'null'::jsonb),
           COALESCE(_occurred[x.ord], _observed[x.ord], _clock), COALESCE(_observed[x.ord], _clock)
      FROM ROWS FROM (pg_catalog.jsonb_to_recordset(p_events) AS (id uuid, name text, payload jsonb, metadata jsonb))
             WITH ORDINALITY AS x(id, name, payload, metadata, ord)
    RETURNING e.*;
END;
$$;

COMMENT ON FUNCTION pgevents.write_stream(text, text, jsonb, jsonb, text) IS
  'Internal core of append: under the stream advisory lock, returns stored events for an idempotent retry, else checks transaction order (40001) and the condition (PE001..PE005), then inserts at contiguous positions.';
