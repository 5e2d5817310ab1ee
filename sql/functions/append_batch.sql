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
-- (transaction id inversion on its stream: retry the item), and whatever a
-- custom condition raises. Fields in DETAIL are append's ("events[2].name",
-- "condition"), except for an item that is not an object or has an unknown
-- key ("items[i]", "items[i].<key>", PE102).
-- Limits of the whole call (installation settings, PE112, field "items"):
-- at most max_batch_items items, max_append_events events and
-- max_append_size bytes of events JSON text (the sum of the items' events
-- arrays) in all. Over a limit, p_items not an array (PE102), or any
-- failure that is not an item's (out of memory, a deadlock, a cancelled
-- statement: SQLSTATE classes 08, 25, 40 but 40001, 53, 54, 55, 57, 58, F0,
-- XX) raises, and nothing is written; so does a 23505 on events_id_key (a
-- concurrent transaction inserting the same event id: retry the call) for
-- an item that runs without a subtransaction.
-- How items stay independent: one statement reads every item and marks the
-- simple ones (valid on their face, no timestamps, within the floors of
-- the write limits, no condition or a built-in leaf one); the others are
-- validated with append's own checks, each in a subtransaction, before any
-- lock. Under the locks, each item runs pgevents.write_stream (append's
-- core), which returns an unmet condition, an id conflict or a transaction
-- id inversion as the item's error row instead of raising, so a valid item
-- needs no subtransaction; only one with a custom condition (which may
-- raise anything) or an observed_at (imports: checked under the lock) runs
-- in one.
-- The set-based path (the common items, without a call of write_stream
-- each): once every lock is held, one statement picks the items that are
-- certainly fine: simple, with events, on a stream no other item names,
-- with no id that is stored or in another item (looked for only when an
-- item carries ids: a probe of events_id_key per id), under READ
-- COMMITTED (REPEATABLE READ would read the latest event from its
-- snapshot), whose stream's latest event (an index probe per stream, in
-- the same statement) is not from a younger transaction
-- and certainly meets the condition (none; stream_is_empty: no latest;
-- stream_exists: a latest; position_is N: latest position N, null: none).
-- Each run of consecutive such items is written by one INSERT with
-- write_stream's values (positions latest + 1..., occurred_at = observed_at
-- = the clock, or the stream's latest observed_at when later), in item
-- order. This is only a filter, never a second set of rules: it makes no
-- error row, and every item it does not pick (unmet condition, inversion,
-- stored or shared ids, a stream named twice, not simple, REPEATABLE READ
-- or SERIALIZABLE) goes through write_stream exactly as before, which
-- decides and words every outcome. Items are still written in item order
-- (sequence numbers follow the items). Measured (bench/cpu/
-- instructions.sh -alt with the previous version,
-- bench/pgbench/append_batch_16*.sql): 25-27% fewer backend instructions
-- per call than a write_stream call per item, for 16 one-event items.
-- Locks: first the scope locks of every valid item (the log's, then the
-- categories' in byte order), then every valid item's stream lock in
-- (category, stream) byte order (the existing rows in one statement, then
-- the new streams' rows), all before the first write, so batches do not
-- deadlock with each other or with append / append_streams; all held to
-- commit. The transaction gets its id with its first lock (a row lock
-- needs one): an item is 40001 only when its stream's latest writer is
-- younger, i.e. the caller's transaction had an id before the call, or a
-- younger transaction appended to the stream in the moment between this
-- call's first lock and the stream's. A new stream's lock row is created for
-- every valid item that has events to write; an item that then fails under
-- the lock (condition, id conflict) may leave that (empty, internal) row.
-- VOLATILE: it writes. SECURITY DEFINER: the tables are owner-only.
CREATE OR REPLACE FUNCTION pgevents.append_batch(p_items jsonb)
  RETURNS SETOF pgevents.append_batch_result
  LANGUAGE plpgsql
  VOLATILE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
  -- Generic plans, here and in what it calls: a custom plan (the default
  -- for the first calls, and for good when it looks cheaper) is made anew
  -- on every call, which for the item pass alone costs more than all of a
  -- small batch's writes. A generic plan is kept for the session, so it must
  -- not be one made for tables that were tiny then (a sequential scan of
  -- the log or the stream locks on every later call): no sequential scans
  -- (test/sql/cached_plans_test.sql).
  SET plan_cache_mode = force_generic_plan
  SET enable_seqscan = off
AS $$
DECLARE
  _n integer;
  _count bigint;
  _size bigint;
  _max_items bigint;
  _max_events bigint;
  _max_size bigint;
  _category text[];
  _stream text[];
  _events jsonb[];
  _condition jsonb[];
  _scope text[];
  _simple boolean[];
  _bad boolean[];
  _isolate boolean[];
  _errors pgevents.append_batch_result[];
  _locked text[];
  _rows pgevents.append_batch_result[];
  _item jsonb;
  _key text;
  _state text;
  _message text;
  _detail text;
  _hint text;
  _k integer;
  _j integer;
  _fast boolean[];
  _base bigint[];
  _floor timestamptz[];
  _map jsonb;
  _xid xid8;
  _clock timestamptz;
  _has_ids boolean;
  _has_repeats boolean;
  _demoted integer[];
  _nbad integer := 0;
BEGIN
  IF pg_catalog.jsonb_typeof(p_items) IS DISTINCT FROM 'array' THEN
    PERFORM pgevents.raise_invalid('PE102', 'items', 'must be a JSON array of {"category", "stream", "events", "condition", "scope"} objects');
  END IF;
  -- The limits of the whole call are settings; within the lowest values
  -- they may take (100 items, 100 events, 65536 bytes) they are not read.
  -- The item count first, before any item is read.
  _n := pg_catalog.jsonb_array_length(p_items);
  IF _n > 100 THEN
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
  END IF;

  -- 1. One pass over the items: their fields (arrays indexed 1..n, item
  -- k - 1), the call's totals, and whether each is simple: valid on its
  -- face (names, scope, events as pgevents.is_valid_event sees them, within
  -- the floors of the write limits, no duplicate ids, no timestamps to
  -- parse) with no condition or a built-in leaf condition, so that nothing
  -- in pgevents.write_stream can raise for it. A simple item needs no
  -- subtransaction; every other item is validated, and written, in one.
  -- (The test is conservative: an item it calls simple passes every check
  -- of append; one it does not may still be valid.)
  SELECT COALESCE(pg_catalog.sum(x.events), 0)::bigint,
         COALESCE(pg_catalog.sum(x.bytes), 0)::bigint,
         pg_catalog.array_agg(i.v ->> 'category' ORDER BY i.ord),
         pg_catalog.array_agg(i.v ->> 'stream' ORDER BY i.ord),
         pg_catalog.array_agg(i.v -> 'events' ORDER BY i.ord),
         pg_catalog.array_agg(CASE WHEN pg_catalog.jsonb_typeof(i.v -> 'condition') <> 'null' THEN i.v -> 'condition' END ORDER BY i.ord),
         pg_catalog.array_agg(COALESCE(i.v ->> 'scope', 'stream') ORDER BY i.ord),
         pg_catalog.array_agg(COALESCE(x.simple, false) ORDER BY i.ord),
         COALESCE(pg_catalog.sum(x.ids), 0) > 0,
         pg_catalog.count(DISTINCT (i.v ->> 'category') || E'\n' || (i.v ->> 'stream'))
           < pg_catalog.count((i.v ->> 'category') || E'\n' || (i.v ->> 'stream'))
    INTO _count, _size, _category, _stream, _events, _condition, _scope, _simple, _has_ids, _has_repeats
    FROM pg_catalog.jsonb_array_elements(p_items) WITH ORDINALITY AS i(v, ord)
    LEFT JOIN LATERAL (
      SELECT ev.events, ev.bytes, ev.ids,
             pg_catalog.jsonb_typeof(i.v -> 'category') = 'string'
               AND pg_catalog.length(i.v ->> 'category') BETWEEN 1 AND 255 AND (i.v ->> 'category') !~ '[[:cntrl:]]'
               AND pg_catalog.jsonb_typeof(i.v -> 'stream') = 'string'
               AND pg_catalog.length(i.v ->> 'stream') BETWEEN 1 AND 255 AND (i.v ->> 'stream') !~ '[[:cntrl:]]'
               AND CASE WHEN pg_catalog.jsonb_typeof(i.v) = 'object' -- (the operator raises for a scalar)
                        THEN (i.v OPERATOR(pg_catalog.-) '{category,stream,events,condition,scope}'::text[]) = '{}'::jsonb
                        ELSE false END
               AND COALESCE(i.v ->> 'scope', 'stream') IN ('stream', 'category', 'log')
               AND ev.ok AND ev.events <= 100 AND ev.bytes <= 65536
               AND CASE COALESCE(pg_catalog.jsonb_typeof(i.v -> 'condition'), 'null')
                     WHEN 'null' THEN true
                     WHEN 'object' THEN pg_catalog.pg_column_size(i.v -> 'condition') < 4096
                       AND ((i.v -> 'condition' ->> 'type') IN ('none', 'stream_is_empty', 'stream_exists')
                            OR ((i.v -> 'condition' ->> 'type') = 'position_is'
                                AND (pg_catalog.jsonb_typeof(i.v -> 'condition' -> 'position') = 'null'
                                     OR (pg_catalog.jsonb_typeof(i.v -> 'condition' -> 'position') = 'number'
                                         AND (i.v -> 'condition' -> 'position')::text ~ '^[0-9]{1,18}$'))))
                     ELSE false
                   END AS simple
        FROM (SELECT pg_catalog.count(*) AS events, pg_catalog.count(e.v ->> 'id') AS ids,
                     pg_catalog.octet_length((i.v -> 'events')::text)::bigint AS bytes,
                     COALESCE(pg_catalog.bool_and(pgevents.is_valid_event(e.v)
                                                  AND NOT (e.v ? 'occurred_at' OR e.v ? 'observed_at')
                                                  AND (pg_catalog.pg_column_size(e.v) < 272
                                                       OR NOT e.v @? 'strict $.**{33} ? (@.type() == "array" || @.type() == "object")')), true)
                       AND pg_catalog.count(e.v ->> 'id') = pg_catalog.count(DISTINCT pg_catalog.lower(e.v ->> 'id')) AS ok
                FROM pg_catalog.jsonb_array_elements(CASE WHEN pg_catalog.jsonb_typeof(i.v -> 'events') = 'array'
                                                          THEN i.v -> 'events' ELSE '[]'::jsonb END) AS e(v)) AS ev
       WHERE pg_catalog.jsonb_typeof(i.v) = 'object' AND pg_catalog.jsonb_typeof(i.v -> 'events') = 'array'
    ) AS x ON true;

  -- The call's events and bytes in all.
  IF _count > 100 OR _size > 65536 THEN
    IF _max_events IS NULL THEN
      SELECT COALESCE(pg_catalog.max(s.value::text) FILTER (WHERE s.name = 'max_append_events'), '10000')::bigint,
             COALESCE(pg_catalog.max(s.value::text) FILTER (WHERE s.name = 'max_append_size'), '16777216')::bigint
        INTO _max_events, _max_size
        FROM pgevents.settings s
       WHERE s.name IN ('max_append_events', 'max_append_size');
    END IF;
    IF _count > _max_events THEN
      PERFORM pgevents.raise_limit('items', pg_catalog.format('must hold at most %s events in all (got %s)', _max_events, _count),
        'max_append_events', _max_events);
    END IF;
    IF _size > _max_size THEN
      PERFORM pgevents.raise_limit('items', pg_catalog.format('must hold at most %s bytes of events JSON in all (got %s)', _max_size, _size),
        'max_append_size', _max_size);
    END IF;
  END IF;

  -- 2. Validate every item that is not simple before any lock, each in its
  -- own subtransaction, with append's own checks (each raises its precise
  -- error, which becomes the item's row).
  FOR _k IN 1 .. CASE WHEN false = ANY (_simple) THEN _n ELSE 0 END LOOP -- (none when every item is simple)
    CONTINUE WHEN _simple[_k];
    _item := p_items -> (_k - 1);
    BEGIN
      IF pg_catalog.jsonb_typeof(_item) IS DISTINCT FROM 'object' THEN
        PERFORM pgevents.raise_invalid('PE102', pg_catalog.format('items[%s]', _k - 1),
          'must be an object {"category", "stream", "events", "condition", "scope"}');
      END IF;
      _key := pgevents.unknown_key(_item, '{category,stream,events,condition,scope}');
      IF _key IS NOT NULL THEN
        PERFORM pgevents.raise_invalid('PE102', pg_catalog.format('items[%s].%s', _k - 1, _key),
          'is not a field of an item (category, stream, events, condition, scope)');
      END IF;
      IF pg_catalog.jsonb_typeof(_item -> 'category') IS DISTINCT FROM 'string' THEN
        PERFORM pgevents.raise_invalid('PE101', 'category', 'is required and must be a string');
      END IF;
      IF pg_catalog.jsonb_typeof(_item -> 'stream') IS DISTINCT FROM 'string' THEN
        PERFORM pgevents.raise_invalid('PE101', 'stream', 'is required and must be a string');
      END IF;
      PERFORM pgevents.check_name('category', _category[_k]);
      PERFORM pgevents.check_name('stream', _stream[_k]);
      IF _scope[_k] NOT IN ('stream', 'category', 'log') THEN
        PERFORM pgevents.lock_scope(_scope[_k], _category[_k]); -- raises PE105, locks nothing
      END IF;
      IF pg_catalog.jsonb_typeof(_events[_k]) IS DISTINCT FROM 'array' THEN
        PERFORM pgevents.check_events(_events[_k], 'events'); -- raises PE102
      END IF;
      PERFORM pgevents.check_write_limits(_events[_k], 'events');
      PERFORM pgevents.check_events(_events[_k], 'events');
      PERFORM pgevents.check_condition(_condition[_k], 'condition');
      -- Valid. What pgevents.write_stream can still raise for it: a custom
      -- condition (anything), an observed_at (imports: the setting
      -- allow_observed_at, the order of observed_at). Only such an item is
      -- written in a subtransaction. (Conservative: any object in the
      -- condition whose "type" is not built in counts as custom.)
      _isolate[_k] := COALESCE(_condition[_k] @? 'lax $.** ? (@."type" != "none" && @."type" != "position_is"
                                   && @."type" != "stream_is_empty" && @."type" != "stream_exists"
                                   && @."type" != "and" && @."type" != "or")', false)
                      OR _events[_k] @? 'lax $[*] ? (exists(@.observed_at))';
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS _state = RETURNED_SQLSTATE, _message = MESSAGE_TEXT,
        _detail = PG_EXCEPTION_DETAIL, _hint = PG_EXCEPTION_HINT;
      IF pg_catalog.left(_state, 2) IN ('08', '25', '40', '53', '54', '55', '57', '58', 'F0', 'XX') THEN
        RAISE; -- not the item's fault: the whole call fails
      END IF;
      _bad[_k] := true;
      _nbad := _nbad + 1;
      _errors[_k] := ROW(_k - 1, _state, _message, NULLIF(_detail, ''), NULLIF(_hint, ''),
                         NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)::pgevents.append_batch_result;
    END;
  END LOOP;

  -- 3. Every lock of the valid items, before the first write: the scopes
  -- (the log, then categories in byte order), then the streams in
  -- (category, stream) byte order: the rows that exist in one statement,
  -- then a new row for each stream without one that has events to write.
  IF 'log' = ANY (_scope) THEN
    PERFORM pgevents.lock_scope('log', NULL)
      FROM pg_catalog.generate_series(1, _n) AS g(k)
     WHERE _scope[g.k] = 'log' AND _bad[g.k] IS NULL
     LIMIT 1;
  END IF;
  IF 'category' = ANY (_scope) THEN
    PERFORM pgevents.lock_scope('category', c.category)
       FROM (SELECT DISTINCT _category[g.k] COLLATE "C" AS category
               FROM pg_catalog.generate_series(1, _n) AS g(k)
              WHERE _scope[g.k] = 'category' AND _bad[g.k] IS NULL
              ORDER BY 1) AS c;
  END IF;
  SELECT pg_catalog.array_agg(l.category || E'\n' || l.stream) INTO _locked
    FROM (SELECT s.category, s.stream
            FROM pgevents.streams s
            JOIN (SELECT DISTINCT _category[g.k] COLLATE "C" AS category, _stream[g.k] COLLATE "C" AS stream
                    FROM pg_catalog.generate_series(1, _n) AS g(k)
                   WHERE _bad[g.k] IS NULL) AS t
              ON s.category = t.category AND s.stream = t.stream
           ORDER BY s.category, s.stream
             FOR UPDATE OF s) AS l;
  -- (Not needed when every valid item's stream has a row: no stream is
  -- named twice, and as many rows were locked as there are valid items.)
  IF _has_repeats OR COALESCE(pg_catalog.cardinality(_locked), 0) < _n - _nbad THEN
    PERFORM pgevents.lock_stream(t.category, t.stream, true)
       FROM (SELECT DISTINCT _category[g.k] COLLATE "C" AS category, _stream[g.k] COLLATE "C" AS stream
               FROM pg_catalog.generate_series(1, _n) AS g(k)
              WHERE CASE WHEN _bad[g.k] IS NULL THEN pg_catalog.jsonb_array_length(_events[g.k]) > 0 ELSE false END
                AND NOT (_category[g.k] || E'\n' || _stream[g.k]) = ANY (COALESCE(_locked, '{}'))
              ORDER BY 1, 2) AS t;
  END IF;

  -- 4. The set-based path: which simple items are certainly fine, decided
  -- for all of them in one statement now that every lock is held. An item
  -- is fast when it is simple, has events, its stream appears in no other
  -- item, none of its ids is stored or in another item (the probe: the
  -- events_id_key index), the transaction is READ COMMITTED, its stream's
  -- latest writer is not younger (40001) and its condition is certainly
  -- met against that latest event. This is only a filter: every other
  -- item goes through pgevents.write_stream below, which decides (and
  -- words) every failure; nothing here makes an error row.
  IF true = ANY (_simple) AND pg_catalog.current_setting('transaction_isolation') = 'read committed' THEN
    -- (Every simple item with events took a row lock, which assigned the
    -- transaction id; without one, no item is fast.)
    _xid := pg_catalog.pg_current_xact_id_if_assigned();
    -- The items that may not be fast whatever their stream holds: those on
    -- a stream another item names, and those with an id that is stored or
    -- in another item (one probe of events_id_key per id). Only looked for
    -- when the item pass saw a stream named twice, or ids.
    IF _has_ids OR _has_repeats THEN
      WITH ids AS (
        SELECT g.k, (ev.v ->> 'id')::uuid AS id -- valid items only: the canonical form, checked
          FROM pg_catalog.generate_series(1, _n) AS g(k)
         CROSS JOIN LATERAL pg_catalog.jsonb_array_elements(CASE WHEN _bad[g.k] IS NULL AND _has_ids THEN _events[g.k] END) AS ev(v)
         WHERE pg_catalog.jsonb_typeof(ev.v -> 'id') = 'string'
      )
      SELECT pg_catalog.array_agg(d.k) INTO _demoted
        FROM (SELECT r.k
                FROM (SELECT pg_catalog.array_agg(g.k) AS ks
                        FROM pg_catalog.generate_series(1, _n) AS g(k)
                       WHERE _has_repeats
                       GROUP BY _category[g.k], _stream[g.k]
                      HAVING pg_catalog.count(*) > 1) AS t
               CROSS JOIN LATERAL pg_catalog.unnest(t.ks) AS r(k)
              UNION ALL
              SELECT r.k
                FROM (SELECT pg_catalog.array_agg(i.k) AS ks FROM ids i GROUP BY i.id HAVING pg_catalog.count(*) > 1) AS t
               CROSS JOIN LATERAL pg_catalog.unnest(t.ks) AS r(k)
              UNION ALL
              SELECT i.k -- (LIMIT: a probe of events_id_key per id, never a scan)
                FROM ids i CROSS JOIN LATERAL (SELECT 1 FROM pgevents.events e WHERE e.id = i.id LIMIT 1) AS stored) AS d;
    END IF;
    SELECT pg_catalog.array_agg(COALESCE(f.fast, false) ORDER BY g.k),
           pg_catalog.array_agg(f.position ORDER BY g.k),
           pg_catalog.array_agg(f.observed_at ORDER BY g.k),
           pg_catalog.jsonb_object_agg(_category[g.k] || E'\n' || _stream[g.k], g.k - 1) FILTER (WHERE f.fast)
      INTO _fast, _base, _floor, _map
      FROM pg_catalog.generate_series(1, _n) AS g(k)
      LEFT JOIN LATERAL (
        SELECT _xid IS NOT NULL AND (l.transaction_id IS NULL OR l.transaction_id <= _xid)
               AND CASE COALESCE(_condition[g.k] ->> 'type', 'none')
                     WHEN 'none' THEN true
                     WHEN 'stream_is_empty' THEN l.position IS NULL
                     WHEN 'stream_exists' THEN l.position IS NOT NULL
                     WHEN 'position_is' THEN
                       CASE WHEN pg_catalog.jsonb_typeof(_condition[g.k] -> 'position') = 'number'
                            THEN l.position IS NOT DISTINCT FROM (_condition[g.k] ->> 'position')::bigint
                            ELSE l.position IS NULL END
                     ELSE false
                   END AS fast,
               l.position, l.observed_at
          FROM (SELECT 1) AS one
          LEFT JOIN LATERAL (
            SELECT e.position, e.observed_at, e.transaction_id
              FROM pgevents.events e
             WHERE e.category = _category[g.k] AND e.stream = _stream[g.k]
             ORDER BY e.position DESC
             LIMIT 1) AS l ON true
         WHERE _simple[g.k] AND pg_catalog.jsonb_array_length(_events[g.k]) > 0
           AND (_demoted IS NULL OR g.k <> ALL (_demoted))
      ) AS f ON true;
  END IF;

  -- 5. Each item in order. A run of consecutive fast items is one INSERT
  -- (what pgevents.write_stream inserts for each: positions latest + 1...,
  -- observed_at and occurred_at the clock or the stream's latest
  -- observed_at when later), in item order, so sequence numbers follow the
  -- items. Any other item: append's write (pgevents.write_stream, which
  -- returns the outcomes decided under the lock as the item's error row). A
  -- valid item runs as it is, unless it has a custom condition or an
  -- observed_at: that one runs in a subtransaction, so that whatever it
  -- raises is its own row.
  _k := 1;
  WHILE _k <= _n LOOP
    IF _fast[_k] THEN
      _j := _k;
      WHILE _j < _n AND _fast[_j + 1] LOOP
        _j := _j + 1;
      END LOOP;
      _clock := pg_catalog.clock_timestamp();
      RETURN QUERY
        INSERT INTO pgevents.events AS e (id, category, stream, position, name, payload, metadata, occurred_at, observed_at)
        SELECT COALESCE(x.id, pg_catalog.gen_random_uuid()),
               _category[g.k], _stream[g.k], COALESCE(_base[g.k], -1) + x.ord, x.name, COALESCE(x.payload, 'null'::jsonb),
               COALESCE(x.metadata, 'null'::jsonb),
               GREATEST(_clock, _floor[g.k]), GREATEST(_clock, _floor[g.k])
          FROM pg_catalog.generate_series(_k, _j) AS g(k)
         CROSS JOIN LATERAL ROWS FROM (pg_catalog.jsonb_to_recordset(_events[g.k]) AS (id uuid, name text, payload jsonb, metadata jsonb))
                 WITH ORDINALITY AS x(id, name, payload, metadata, ord)
         ORDER BY g.k, x.ord
        RETURNING (_map ->> (e.category || E'\n' || e.stream))::integer, NULL::text, NULL::text, NULL::text, NULL::text, e.*;
      _k := _j + 1;
      CONTINUE;
    END IF;
    IF _bad[_k] THEN
      RETURN NEXT _errors[_k];
    ELSIF _simple[_k] OR NOT _isolate[_k] THEN
      RETURN QUERY SELECT * FROM pgevents.write_stream(_category[_k], _stream[_k], _events[_k], _condition[_k], 'events', _k - 1);
    ELSE
      BEGIN
        SELECT pg_catalog.array_agg(w) INTO _rows
          FROM pgevents.write_stream(_category[_k], _stream[_k], _events[_k], _condition[_k], 'events', _k - 1) AS w;
        RETURN QUERY SELECT * FROM pg_catalog.unnest(_rows);
      EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS _state = RETURNED_SQLSTATE, _message = MESSAGE_TEXT,
          _detail = PG_EXCEPTION_DETAIL, _hint = PG_EXCEPTION_HINT;
        IF pg_catalog.left(_state, 2) IN ('08', '25', '53', '54', '55', '57', '58', 'F0', 'XX')
           OR (pg_catalog.left(_state, 2) = '40' AND _state <> '40001') THEN
          RAISE; -- not the item's fault: the whole call fails
        END IF;
        RETURN NEXT ROW(_k - 1, _state, _message, NULLIF(_detail, ''), NULLIF(_hint, ''),
                        NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)::pgevents.append_batch_result;
      END;
    END IF;
    _k := _k + 1;
  END LOOP;
END;
$$;

COMMENT ON FUNCTION pgevents.append_batch(jsonb) IS
  'Runs independent appends {category, stream, events, condition, scope} in one call and transaction; returns per item its stored events, one empty row, or its error (SQLSTATE, message, JSON detail, hint), a failed item writing nothing. Locks: scope locks, then stream locks in (category, stream) byte order, before the first write. Items that are certainly fine (simple, stream named once, no stored ids, condition certainly met, READ COMMITTED) are written by one set-based INSERT per run; every other item goes through pgevents.write_stream, which makes every error row. Whole-call errors: PE102 not an array, PE112 over max_batch_items / max_append_events / max_append_size (events JSON in all).';
