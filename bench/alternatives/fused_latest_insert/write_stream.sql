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
--                "observed_at" (RFC 3339; only when the installation setting
--                allow_observed_at is true, for imports; defaults to the
--                server clock, or to the stream's latest observed_at when
--                that is later, so observed_at never goes backwards)
--   p_condition  the write condition (see pgevents.evaluate_condition)
--   p_field      where the events sit in the request, for error messages
--   p_item       NULL (append, append_streams): every error is raised; else
--                the item's index in pgevents.append_batch, which puts it in
--                every row and gets the outcomes decided under the lock as an
--                error row instead of an exception (see below)
-- Returns the stored events in input order (positions latest+1, latest+2, ...),
-- as pgevents.append_batch_result rows (item = p_item, error columns NULL).
-- With p_item set: an empty success (no events, condition met) returns one
-- row with every column but item NULL; an unmet condition, a transaction id
-- inversion, an id conflict (PE107) and the REPEATABLE READ / SERIALIZABLE
-- 40001 return one error row (error_code, error_message, error_detail,
-- error_hint: exactly what would be raised, via pgevents.fail_append) and
-- write nothing. append_batch validates its items (events and condition)
-- before the lock, so for a batch item those checks are not made again here;
-- what can still raise (a custom condition, an observed_at) it runs in a
-- subtransaction.
-- Before any lock: the write limits (installation settings, PE112): at most
-- max_append_events events and max_append_size bytes of JSON text in the
-- batch; per event, payload + metadata at most max_event_size bytes of JSON
-- text and nested at most max_event_depth levels; then the events' shape.
-- Guarantees, in this order, all under the stream lock:
--   1. idempotent retry: when every event carries an id that is already stored
--      in this stream with the same name, payload, metadata (and occurred_at,
--      when given), the stored events are returned and nothing is written or
--      checked; a partial or different match raises PE107;
--   2. ordering: when the caller's transaction id is older than the stream's
--      latest event's, raises 40001 (retry the transaction), so (transaction_id,
--      sequence_number) order never contradicts position order;
--   3. the condition is evaluated against the latest event (PE001..PE005);
--   4. an empty array writes nothing and returns nothing;
--   5. a given observed_at is not earlier than the one before it (the
--      stream's latest, then the batch's), else PE102.
-- Locks: the stream's row of pgevents.streams FOR UPDATE (pgevents.lock_stream;
-- not for a batch item, whose lock pgevents.append_batch already holds;
-- an owner-only table, so no other role can take it), held to commit, taken
-- after the events are validated and before the latest event is read; the
-- row is updated by every append that writes, so a concurrent append under
-- REPEATABLE READ or SERIALIZABLE fails with 40001, never with a unique
-- violation. A condition check on a stream that has no row yet (no events,
-- or none since migration 00004) and no events to write locks nothing.
-- Raises: PE112 over a write limit, PE101/PE102 invalid events, PE103
-- invalid condition (validated whole, before the lock, even for an
-- idempotent retry), PE107 id conflict, PE001..PE005 unmet condition,
-- 40001 transaction id inversion or a concurrent write under REPEATABLE
-- READ / SERIALIZABLE.
-- VOLATILE: it writes.
CREATE OR REPLACE FUNCTION pgevents.write_stream(
  p_category text,
  p_stream text,
  p_events jsonb,
  p_condition jsonb,
  p_field text DEFAULT 'events',
  p_item integer DEFAULT NULL
)
  RETURNS SETOF pgevents.append_batch_result
  LANGUAGE plpgsql
  VOLATILE
AS $$
DECLARE
  _count bigint;
  _valid boolean;
  _event jsonb;
  _id_texts text[];
  _timed boolean;
  _plain boolean;
  _ids uuid[];
  _occurred timestamptz[];
  _observed timestamptz[];
  _imported bigint;
  _clock timestamptz;
  _prev timestamptz;
  _existing bigint;
  _matching bigint;
  _conflict uuid;
  _latest pgevents.events;
  _xid xid8;
  _failure jsonb;
  _constraint text;
  _fresh boolean := false;
BEGIN
  IF pg_catalog.jsonb_typeof(p_events) IS DISTINCT FROM 'array' THEN
    PERFORM pgevents.raise_invalid('PE102', p_field, 'must be a JSON array of events');
  END IF;

  -- Validation: one set-based pass over the batch (pgevents.is_valid_event
  -- is inlined); only when it finds a problem does pgevents.check_events walk
  -- the batch in order to raise the precise error. No ORDER BY or DISTINCT
  -- here: each would cost a sort on every append.
  -- The write limits (PE112) are settings, and reading them costs as much as
  -- a fifth of an append, so this pass compares the batch with the lowest
  -- values the settings may take (the CHECK on pgevents.settings): 100
  -- events, 65536 bytes of JSON text, 32 levels of nesting. Only a batch
  -- beyond one of them is checked against the settings, by
  -- pgevents.check_write_limits. The batch's JSON text bounds every event's
  -- payload + metadata. An event whose payload or metadata nests deeper than
  -- 32 levels has a container at level 33 (the event is level 0), and that
  -- takes at least 34 nested containers of at least 8 bytes of jsonb each (a
  -- header and its entry in the parent): a smaller event is not walked. (The
  -- elements are measured, not the batch: jsonb_array_elements builds them
  -- uncompressed, while the batch itself may arrive compressed.)
  -- _plain: READ COMMITTED, so the INSERT below may take its fast form. (No
  -- new aggregate and no new statement here: each costs its set-up on every
  -- call, and appends are hot.)
  IF pg_catalog.jsonb_array_length(p_events) = 1 THEN
    -- One event, the common case: the same values, each a simple
    -- expression, which (unlike the statement below) needs no executor
    -- set-up.
    _event := p_events -> 0;
    _count := 1;
    _valid := p_item IS NOT NULL -- a batch item: append_batch has validated it
              OR (pgevents.is_valid_event(_event)
                  AND (pg_catalog.pg_column_size(_event) < 272
                       OR NOT _event @? 'strict $.**{33} ? (@.type() == "array" || @.type() == "object")')
                  AND pg_catalog.octet_length(p_events::text) <= 65536);
    _id_texts := CASE WHEN pg_catalog.jsonb_typeof(_event -> 'id') = 'string' THEN ARRAY[_event ->> 'id'] END;
    _timed := _event ? 'occurred_at' OR _event ? 'observed_at';
    _plain := pg_catalog.current_setting('transaction_isolation') = 'read committed';
  ELSE
    SELECT pg_catalog.count(*),
           pg_catalog.bool_and(pgevents.is_valid_event(a.v)
                               AND (pg_catalog.pg_column_size(a.v) < 272
                                    OR NOT a.v @? 'strict $.**{33} ? (@.type() == "array" || @.type() == "object")'))
             AND pg_catalog.count(*) <= 100 AND pg_catalog.octet_length(p_events::text) <= 65536,
           pg_catalog.array_agg(a.v ->> 'id') FILTER (WHERE pg_catalog.jsonb_typeof(a.v -> 'id') = 'string'),
           pg_catalog.bool_or(a.v ? 'occurred_at' OR a.v ? 'observed_at'),
           pg_catalog.current_setting('transaction_isolation') = 'read committed'
      INTO _count, _valid, _id_texts, _timed, _plain
      FROM pg_catalog.jsonb_array_elements(p_events) AS a(v);
  END IF;
  IF NOT _valid THEN -- over a floor of the limits, or invalid (or both)
    PERFORM pgevents.check_write_limits(p_events, p_field);
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
                                ORDER BY a.ord),
           pg_catalog.min(a.ord) FILTER (WHERE COALESCE(pg_catalog.jsonb_typeof(a.v -> 'observed_at'), 'null') <> 'null')
      INTO _observed, _occurred, _imported
      FROM pg_catalog.jsonb_array_elements(p_events) WITH ORDINALITY AS a(v, ord);
    -- observed_at is the recording time: only imports may set it, when the
    -- owner allows them.
    IF _imported IS NOT NULL
       AND (SELECT s.value FROM pgevents.settings s WHERE s.name = 'allow_observed_at') IS DISTINCT FROM 'true'::jsonb THEN
      PERFORM pgevents.raise_invalid('PE102', pg_catalog.format('%s[%s].observed_at', p_field, _imported - 1),
        'may only be set by imports, and the installation does not allow them (setting allow_observed_at)');
    END IF;
  END IF;

  IF p_condition IS NOT NULL AND p_item IS NULL THEN -- (append_batch has validated its items' conditions)
    PERFORM pgevents.check_condition(p_condition, 'condition');
  END IF;

  -- The stream lock. A stream without a row gets one when this append
  -- writes; a mere condition check on it needs no lock. (A batch item's
  -- lock is already held: pgevents.append_batch takes every lock first.)
  -- _fresh: the transaction has no id yet, so the lock assigns it (see
  -- pgevents.lock_stream) once the stream's previous writer has ended: no
  -- event of the stream can have a younger transaction id, and the ordering
  -- check (2. below) cannot fire. Only for a stream whose row exists (a row
  -- created here is not waited for the same way).
  IF p_item IS NULL THEN
    _fresh := pg_catalog.pg_current_xact_id_if_assigned() IS NULL;
    PERFORM 1 FROM pgevents.streams s WHERE s.category = p_category AND s.stream = p_stream FOR UPDATE;
    IF NOT FOUND THEN
      _fresh := false;
      IF _count > 0 THEN
        PERFORM pgevents.lock_stream(p_category, p_stream, true);
      END IF;
    END IF;
  END IF;
  -- Read the clock only once the lock is held, so observed_at never goes
  -- backwards along a stream's positions.
  _clock := pg_catalog.clock_timestamp();

  -- 1. Idempotent retry: checked first, so a retry whose first attempt
  -- committed succeeds even though its condition no longer holds.
  -- Probe first (pgevents.any_event_stored: an index probe with a cached
  -- plan), while the full comparison below is re-planned on every call (a
  -- custom plan, which knows the array length, always looks cheaper than the
  -- generic one), and new events never need it.
  IF _id_texts IS NOT NULL THEN
    _ids := _id_texts::uuid[]; -- each matched the UUID pattern
  END IF;
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
          SELECT p_item, NULL::text, NULL::text, NULL::text, NULL::text, e.*
            FROM pg_catalog.jsonb_array_elements(p_events) WITH ORDINALITY AS a(v, ord)
            JOIN pgevents.events e ON e.id = (a.v ->> 'id')::uuid
           ORDER BY a.ord;
        RETURN;
      END IF;
      RETURN NEXT pgevents.fail_append(p_item, 'PE107',
        pg_catalog.format('pgevents: event id conflict: %s is already stored in another stream or with other content, or only part of the batch is stored', _conflict),
        pg_catalog.jsonb_build_object('field', p_field, 'id', _conflict,
          'reason', 'an id may be reused only to retry the exact same batch on the same stream')::text,
        'Give new events new ids; retry a batch only with identical events.');
      RETURN;
    END IF;
  END IF;

  -- The common append: no condition, READ COMMITTED, no import, and (see
  -- _fresh) no ordering check to make. Then nothing but the insert needs the
  -- latest event, and the insert reads it itself (one statement, one
  -- executor set-up, instead of two; the statement's snapshot is taken
  -- after the lock, so it sees the previous writer's events). Positions and
  -- observed_at as below.
  IF _fresh AND p_condition IS NULL AND _plain AND _imported IS NULL THEN
    RETURN QUERY
      WITH l AS MATERIALIZED (
        SELECT e.position, e.observed_at FROM pgevents.events e
         WHERE e.category = p_category AND e.stream = p_stream
         ORDER BY e.position DESC LIMIT 1)
      INSERT INTO pgevents.events AS e (id, category, stream, position, name, payload, metadata, occurred_at, observed_at)
      SELECT COALESCE(x.id, pg_catalog.gen_random_uuid()),
             p_category, p_stream, COALESCE(l.position, -1) + x.ord, x.name, COALESCE(x.payload, 'null'::jsonb),
             COALESCE(x.metadata, 'null'::jsonb),
             COALESCE(_occurred[x.ord], GREATEST(_clock, l.observed_at)), GREATEST(_clock, l.observed_at)
        FROM ROWS FROM (pg_catalog.jsonb_to_recordset(p_events) AS (id uuid, name text, payload jsonb, metadata jsonb))
               WITH ORDINALITY AS x(id, name, payload, metadata, ord)
        LEFT JOIN l ON true
      RETURNING p_item, NULL::text, NULL::text, NULL::text, NULL::text, e.*;
    RETURN;
  END IF;

  SELECT * INTO _latest FROM pgevents.events e
   WHERE e.category = p_category AND e.stream = p_stream
   ORDER BY e.position DESC LIMIT 1;

  -- 2. Ordering: the caller's transaction must be younger than the stream's
  -- latest writer, or readers ordering by transaction id would see this
  -- stream out of order.
  _xid := pg_catalog.pg_current_xact_id();
  IF _latest.transaction_id > _xid THEN
    RETURN NEXT pgevents.fail_append(p_item, '40001',
      pg_catalog.format('pgevents: transaction %s is older than the latest writer (%s) of stream (%s, %s)',
        _xid, _latest.transaction_id, p_category, p_stream),
      pg_catalog.jsonb_build_object('category', p_category, 'stream', p_stream)::text,
      'Retry the transaction; appending early in a transaction, or in its own transaction, avoids this.');
    RETURN;
  END IF;

  -- 3. The write condition.
  IF p_condition IS NOT NULL THEN
    _failure := pgevents.evaluate_condition(p_condition, p_category, p_stream, _latest, 'condition');
  END IF;
  IF _failure IS NOT NULL THEN
    RETURN NEXT pgevents.fail_append(p_item, _failure ->> 'code',
      pg_catalog.format('pgevents: write condition not met on stream (%s, %s): %s (latest position: %s)',
        p_category, p_stream, _failure -> 'condition', COALESCE(_latest.position::text, 'none, the stream is empty')),
      (_failure || pg_catalog.jsonb_build_object('category', p_category, 'stream', p_stream,
        'position', _latest.position))::text,
      NULL);
    RETURN;
  END IF;

  IF _count = 0 THEN
    IF p_item IS NOT NULL THEN -- a batch item that wrote nothing: one empty row
      RETURN NEXT ROW(p_item, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)::pgevents.append_batch_result;
    END IF;
    RETURN;
  END IF;

  -- Insert straight from the JSON array (jsonb_to_recordset converts the
  -- fields in one pass; a JSON null payload or metadata comes out as SQL
  -- NULL, hence the COALESCEs). RETURNING yields the rows in the order they
  -- were inserted, which is input (and position) order. observed_at never
  -- goes backwards along the stream: it defaults to the clock, or to the
  -- latest observed_at when that is later (a clock step back, or an import
  -- dated ahead of the clock).
  IF _plain AND _imported IS NULL THEN
    RETURN QUERY
      INSERT INTO pgevents.events AS e (id, category, stream, position, name, payload, metadata, occurred_at, observed_at)
      SELECT COALESCE(x.id, pg_catalog.gen_random_uuid()),
             p_category, p_stream, COALESCE(_latest.position, -1) + x.ord, x.name, COALESCE(x.payload, 'null'::jsonb),
             COALESCE(x.metadata, 'null'::jsonb),
             COALESCE(_occurred[x.ord], GREATEST(_clock, _latest.observed_at)), GREATEST(_clock, _latest.observed_at)
        FROM ROWS FROM (pg_catalog.jsonb_to_recordset(p_events) AS (id uuid, name text, payload jsonb, metadata jsonb))
               WITH ORDINALITY AS x(id, name, payload, metadata, ord)
      RETURNING p_item, NULL::text, NULL::text, NULL::text, NULL::text, e.*;
    RETURN;
  END IF;

  -- 5. A given observed_at (an import) must not be earlier than the one
  -- before it, in the stream or the batch; the others default as above.
  _clock := GREATEST(_clock, _latest.observed_at);
  IF _imported IS NOT NULL THEN
    _prev := _latest.observed_at;
    FOR _i IN 1 .. _count::integer LOOP
      IF _observed[_i] IS NULL THEN
        _observed[_i] := GREATEST(_clock, _prev);
      ELSIF _observed[_i] < _prev THEN
        PERFORM pgevents.raise_invalid('PE102', pg_catalog.format('%s[%s].observed_at', p_field, _i - 1),
          pg_catalog.format('must not be earlier than the observed_at before it in the stream (%s)',
            pg_catalog.to_char(_prev AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')));
      END IF;
      _prev := _observed[_i];
    END LOOP;
  END IF;

  -- Under READ COMMITTED every statement sees what committed before it, so
  -- with the stream locked the positions are free. Under REPEATABLE READ or
  -- SERIALIZABLE the latest event was read from the transaction's snapshot:
  -- an append committed since then makes this INSERT hit
  -- events_stream_position_key (or events_id_key, for a retry whose first
  -- attempt committed since). That is a serialization failure: 40001. The
  -- INSERT is written out again here because the exception block (a
  -- subtransaction) is not worth paying for on the fast path.
  IF pg_catalog.current_setting('transaction_isolation') = 'read committed' THEN
    RETURN QUERY
      INSERT INTO pgevents.events AS e (id, category, stream, position, name, payload, metadata, occurred_at, observed_at)
      SELECT COALESCE(x.id, pg_catalog.gen_random_uuid()),
             p_category, p_stream, COALESCE(_latest.position, -1) + x.ord, x.name, COALESCE(x.payload, 'null'::jsonb),
             COALESCE(x.metadata, 'null'::jsonb),
             COALESCE(_occurred[x.ord], _observed[x.ord], _clock), COALESCE(_observed[x.ord], _clock)
        FROM ROWS FROM (pg_catalog.jsonb_to_recordset(p_events) AS (id uuid, name text, payload jsonb, metadata jsonb))
               WITH ORDINALITY AS x(id, name, payload, metadata, ord)
      RETURNING p_item, NULL::text, NULL::text, NULL::text, NULL::text, e.*;
    RETURN;
  END IF;
  BEGIN
    RETURN QUERY
      INSERT INTO pgevents.events AS e (id, category, stream, position, name, payload, metadata, occurred_at, observed_at)
      SELECT COALESCE(x.id, pg_catalog.gen_random_uuid()),
             p_category, p_stream, COALESCE(_latest.position, -1) + x.ord, x.name, COALESCE(x.payload, 'null'::jsonb),
             COALESCE(x.metadata, 'null'::jsonb),
             COALESCE(_occurred[x.ord], _observed[x.ord], _clock), COALESCE(_observed[x.ord], _clock)
        FROM ROWS FROM (pg_catalog.jsonb_to_recordset(p_events) AS (id uuid, name text, payload jsonb, metadata jsonb))
               WITH ORDINALITY AS x(id, name, payload, metadata, ord)
      RETURNING p_item, NULL::text, NULL::text, NULL::text, NULL::text, e.*;
  EXCEPTION WHEN unique_violation THEN
    GET STACKED DIAGNOSTICS _constraint = CONSTRAINT_NAME;
    IF _constraint NOT IN ('events_stream_position_key', 'events_id_key') THEN
      RAISE;
    END IF;
    RETURN NEXT pgevents.fail_append(p_item, '40001',
      pg_catalog.format('pgevents: stream (%s, %s) was appended to by a transaction that committed after this one''s snapshot',
        p_category, p_stream),
      pg_catalog.jsonb_build_object('category', p_category, 'stream', p_stream)::text,
      'Retry the transaction.');
  END;
END;
$$;

COMMENT ON FUNCTION pgevents.write_stream(text, text, jsonb, jsonb, text, integer) IS
  'Internal core of append, append_streams and append_batch (p_item: the batch item, which gets error rows instead of exceptions for the outcomes decided under the lock): checks the write limits (PE112) and the events, then under the stream''s row lock returns stored events for an idempotent retry, else checks transaction order (40001), the condition (PE001..PE005) and observed_at order, then inserts at contiguous positions.';
