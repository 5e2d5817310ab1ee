-- pgevents.append_batch: runs many independent appends in one call; each item succeeds or fails on its own.
--
-- Parameters:
--   p_items  JSONB array of appends, each an object
--            {"category": text, "stream": text, "events": [...],
--             "condition": {...} | null, "scope": "stream" | "category" | "log"}
--            ("condition" and "scope" optional; "events" exactly as
--            pgevents.append takes them; [] checks the condition only)
-- Returns SETOF pgevents.append_batch_result, ordered by item, then position:
--   - a successful item: one row per stored event (event columns set, error
--     columns NULL); one that wrote nothing (empty events, condition met):
--     exactly one row with every column but item NULL;
--   - a failed item: exactly one row with error_code (SQLSTATE),
--     error_message, error_detail (the JSON DETAIL pgevents.append would
--     raise) and error_hint, event columns NULL; nothing of it is written.
-- Item semantics are those of pgevents.append called for each item in item
-- order in one transaction: two items on one stream see each other (the
-- second's condition sees the first's events), an idempotent retry of an
-- item returns its stored events. An item's errors are append's: PE001..PE005,
-- PE101..PE107, PE112 (the item over a per-call limit of append), 40001
-- (transaction id inversion on its stream: retry the item), 23505 (its ids
-- raced a concurrent append of the same ids: retry the item), and whatever a
-- custom condition raises. Fields in DETAIL are append's ("events[2].name",
-- "condition"), except for an item that is not an object or has an unknown
-- key ("items[i]", "items[i].<key>", PE102).
-- Limits of the whole call (installation settings, PE112, field "items"):
-- at most max_batch_items items, max_append_events events in all and
-- max_append_size bytes of p_items JSON text. Over a limit, p_items not an
-- array (PE102), or any failure that is not an item's (out of memory, a
-- deadlock, a cancelled statement...) raises, and nothing is written.
-- Locks: first the scope locks of every item that passed validation (the
-- log's, then the categories' in byte order), then every such item's stream
-- lock in (category, stream) byte order, all before the first write, so
-- batches never deadlock with each other or with append / append_streams;
-- all held to commit. The transaction gets its id with its first lock, so
-- unless the caller's transaction had one already, no stream's latest writer
-- can be younger and 40001 cannot occur. A new stream's lock row is created
-- for every valid item that has events to write; an item that then fails
-- under the lock (condition, id conflict) may leave that (empty, internal)
-- row behind.
-- VOLATILE: it writes. SECURITY DEFINER: the tables are owner-only.
CREATE OR REPLACE FUNCTION pgevents.append_batch(p_items jsonb)
  RETURNS SETOF pgevents.append_batch_result
  LANGUAGE plpgsql
  VOLATILE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _n integer;
  _count bigint;
  _max_items bigint;
  _max_events bigint;
  _max_size bigint;
  _size bigint;
  _item jsonb;
  _key text;
  _category text[];
  _stream text[];
  _events jsonb[];
  _condition jsonb[];
  _scope text[];
  _failed pgevents.append_batch_result[];
  _bad boolean[];
  _rows pgevents.events[];
  _state text;
  _message text;
  _detail text;
  _hint text;
BEGIN
  IF pg_catalog.jsonb_typeof(p_items) IS DISTINCT FROM 'array' THEN
    PERFORM pgevents.raise_invalid('PE102', 'items', 'must be a JSON array of {"category", "stream", "events", "condition", "scope"} objects');
  END IF;
  -- The limits of the whole call, before anything else.
  _n := pg_catalog.jsonb_array_length(p_items);
  SELECT COALESCE(pg_catalog.max(s.value::text) FILTER (WHERE s.name = 'max_batch_items'), '1000')::bigint,
         COALESCE(pg_catalog.max(s.value::text) FILTER (WHERE s.name = 'max_append_events'), '10000')::bigint,
         COALESCE(pg_catalog.max(s.value::text) FILTER (WHERE s.name = 'max_append_size'), '16777216')::bigint
    INTO _max_items, _max_events, _max_size
    FROM pgevents.settings s
   WHERE s.name IN ('max_batch_items', 'max_append_events', 'max_append_size');
  IF _n > _max_items THEN
    PERFORM pgevents.raise_limit('items', pg_catalog.format('must hold at most %s items (got %s)', _max_items, _n),
      'max_batch_items', _max_items);
  END IF;
  SELECT COALESCE(pg_catalog.sum(pg_catalog.jsonb_array_length(a.v -> 'events'))
           FILTER (WHERE pg_catalog.jsonb_typeof(a.v -> 'events') = 'array'), 0)
    INTO _count
    FROM pg_catalog.jsonb_array_elements(p_items) AS a(v)
   WHERE pg_catalog.jsonb_typeof(a.v) = 'object';
  IF _count > _max_events THEN
    PERFORM pgevents.raise_limit('items', pg_catalog.format('must hold at most %s events in all (got %s)', _max_events, _count),
      'max_append_events', _max_events);
  END IF;
  _size := pg_catalog.octet_length(p_items::text)::bigint;
  IF _size > _max_size THEN
    PERFORM pgevents.raise_limit('items', pg_catalog.format('must be at most %s bytes of JSON (got %s)', _max_size, _size),
      'max_append_size', _max_size);
  END IF;

  -- 1. Validate every item before any lock (append's checks, each raising
  -- its precise error), each in its own subtransaction.
  FOR _i IN 0 .. _n - 1 LOOP
    _item := p_items -> _i;
    BEGIN
      IF pg_catalog.jsonb_typeof(_item) IS DISTINCT FROM 'object' THEN
        PERFORM pgevents.raise_invalid('PE102', pg_catalog.format('items[%s]', _i),
          'must be an object {"category", "stream", "events", "condition", "scope"}');
      END IF;
      _key := pgevents.unknown_key(_item, '{category,stream,events,condition,scope}');
      IF _key IS NOT NULL THEN
        PERFORM pgevents.raise_invalid('PE102', pg_catalog.format('items[%s].%s', _i, _key),
          'is not a field of an item (category, stream, events, condition, scope)');
      END IF;
      IF pg_catalog.jsonb_typeof(_item -> 'category') IS DISTINCT FROM 'string' THEN
        PERFORM pgevents.raise_invalid('PE101', 'category', 'is required and must be a string');
      END IF;
      IF pg_catalog.jsonb_typeof(_item -> 'stream') IS DISTINCT FROM 'string' THEN
        PERFORM pgevents.raise_invalid('PE101', 'stream', 'is required and must be a string');
      END IF;
      _category[_i] := _item ->> 'category';
      _stream[_i] := _item ->> 'stream';
      _events[_i] := _item -> 'events';
      _condition[_i] := CASE WHEN pg_catalog.jsonb_typeof(_item -> 'condition') <> 'null' THEN _item -> 'condition' END;
      _scope[_i] := COALESCE(_item ->> 'scope', 'stream');
      PERFORM pgevents.check_name('category', _category[_i]);
      PERFORM pgevents.check_name('stream', _stream[_i]);
      IF _scope[_i] NOT IN ('stream', 'category', 'log') THEN
        PERFORM pgevents.lock_scope(_scope[_i], _category[_i]); -- raises PE105, locks nothing
      END IF;
      IF pg_catalog.jsonb_typeof(_events[_i]) IS DISTINCT FROM 'array' THEN
        PERFORM pgevents.check_events(_events[_i], 'events'); -- raises PE102
      END IF;
      PERFORM pgevents.check_write_limits(_events[_i], 'events');
      PERFORM pgevents.check_events(_events[_i], 'events');
      PERFORM pgevents.check_condition(_condition[_i], 'condition');
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS _state = RETURNED_SQLSTATE, _message = MESSAGE_TEXT,
        _detail = PG_EXCEPTION_DETAIL, _hint = PG_EXCEPTION_HINT;
      IF pg_catalog.left(_state, 2) IN ('08', '25', '40', '53', '54', '55', '57', '58', 'F0', 'XX') THEN
        RAISE; -- not the item's fault: the whole call fails
      END IF;
      _failed[_i] := ROW(_i, _state, _message, NULLIF(_detail, ''), NULLIF(_hint, ''),
                         NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)::pgevents.append_batch_result;
      _bad[_i] := true;
    END;
  END LOOP;

  -- 2. Every lock, before the first write: the scopes (log, then categories
  -- in byte order), then the streams in (category, stream) byte order: the
  -- existing rows in one statement, then new rows for the items that have
  -- events to write.
  IF EXISTS (SELECT 1 FROM pg_catalog.generate_series(0, _n - 1) AS g(i)
              WHERE _scope[g.i] = 'log' AND _bad[g.i] IS NULL) THEN
    PERFORM pgevents.lock_scope('log', NULL);
  END IF;
  PERFORM pgevents.lock_scope('category', c.category)
     FROM (SELECT DISTINCT _category[g.i] COLLATE "C" AS category
             FROM pg_catalog.generate_series(0, _n - 1) AS g(i)
            WHERE _scope[g.i] = 'category' AND _bad[g.i] IS NULL
            ORDER BY 1) AS c;
  PERFORM 1 FROM pgevents.streams s
   WHERE (s.category, s.stream) IN (SELECT _category[g.i], _stream[g.i]
                                      FROM pg_catalog.generate_series(0, _n - 1) AS g(i)
                                     WHERE _bad[g.i] IS NULL)
   ORDER BY s.category COLLATE "C", s.stream COLLATE "C"
     FOR UPDATE OF s;
  PERFORM pgevents.lock_stream(t.category, t.stream, true)
     FROM (SELECT DISTINCT _category[g.i] COLLATE "C" AS category, _stream[g.i] COLLATE "C" AS stream
             FROM pg_catalog.generate_series(0, _n - 1) AS g(i)
            WHERE _bad[g.i] IS NULL AND pg_catalog.jsonb_array_length(_events[g.i]) > 0
            ORDER BY 1, 2) AS t;

  -- 3. Each item in order, in its own subtransaction: append's write.
  FOR _i IN 0 .. _n - 1 LOOP
    IF _bad[_i] THEN
      RETURN NEXT _failed[_i];
      CONTINUE;
    END IF;
    BEGIN
      SELECT pg_catalog.array_agg(w) INTO _rows
        FROM pgevents.write_stream(_category[_i], _stream[_i], _events[_i], _condition[_i], 'events') AS w;
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS _state = RETURNED_SQLSTATE, _message = MESSAGE_TEXT,
        _detail = PG_EXCEPTION_DETAIL, _hint = PG_EXCEPTION_HINT;
      IF pg_catalog.left(_state, 2) IN ('08', '25', '53', '54', '55', '57', '58', 'F0', 'XX')
         OR (pg_catalog.left(_state, 2) = '40' AND _state <> '40001') THEN
        RAISE; -- not the item's fault: the whole call fails
      END IF;
      RETURN NEXT ROW(_i, _state, _message, NULLIF(_detail, ''), NULLIF(_hint, ''),
                      NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)::pgevents.append_batch_result;
      CONTINUE;
    END;
    IF _rows IS NULL THEN
      RETURN NEXT ROW(_i, NULL, NULL, NULL, NULL,
                      NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)::pgevents.append_batch_result;
    ELSE
      RETURN QUERY SELECT _i, NULL::text, NULL::text, NULL::text, NULL::text,
                          r.sequence_number, r.transaction_id, r.id, r.category, r.stream, r.position, r.name,
                          r.payload, r.metadata, r.occurred_at, r.observed_at
                     FROM pg_catalog.unnest(_rows) WITH ORDINALITY AS r(sequence_number, transaction_id, id, category, stream,
                            position, name, payload, metadata, occurred_at, observed_at, ord)
                    ORDER BY r.ord;
    END IF;
  END LOOP;
END;
$$;

COMMENT ON FUNCTION pgevents.append_batch(jsonb) IS
  'Runs independent appends {category, stream, events, condition, scope} in one call and transaction; returns per item its stored events, one empty row, or its error (SQLSTATE, message, JSON detail, hint), a failed item writing nothing. Locks: scope locks, then stream locks in (category, stream) byte order, before the first write. Whole-call errors: PE102 not an array, PE112 over max_batch_items / max_append_events / max_append_size.';
