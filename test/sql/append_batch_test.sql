-- pgevents.append_batch
--
-- - Shape: exists, SETOF pgevents.append_batch_result, VOLATILE, SECURITY
--   DEFINER; callable by pgevents_writer, not by pgevents_reader
-- - One mixed batch, run as a least-privileged LOGIN role that is only a
--   member of pgevents_writer: new streams, two items on one stream (the
--   second sees the first), unmet conditions, invalid events, names, scope,
--   condition, items that are not objects or have unknown keys, an item over
--   a write limit, custom conditions (met and not), an idempotent retry, an
--   id conflict, an empty item, an item that fails only under the lock
--   (observed_at while imports are off), scopes log and category. Each
--   item's row(s) are checked, and nothing of a failed item is written
-- - An item's error is the single call's: same SQLSTATE and DETAIL
-- - The rows are what read_stream returns; one transaction; locks held
-- - Whole-call errors (not an array, over max_batch_items, over
--   max_append_events in all, over max_append_size): raised, nothing written
-- - Transaction id inversion on one item's stream: that item's row is 40001,
--   the others are written (dblink, category "appendBatchTestInversion",
--   deleted at the end)
-- - The set-based path: a mixed batch (fast items and every kind of slow
--   one) gives each item what pgevents.append gives it, in item order,
--   and the certainly-fine items do not call pgevents.write_stream
-- - REPEATABLE READ: the set-based path is not taken; an item whose stream
--   was appended to since the snapshot is 40001 (dblink, category
--   "appendBatchTestRR", deleted at the end)
-- - Lock order: a batch holds its first stream (byte order) while it waits
--   for a later one, whatever the item order (dblink, category
--   "appendBatchTestLocks", deleted at the end)
BEGIN;
\ir helpers.psql
SELECT plan(60);

SELECT has_function('pgevents', 'append_batch', ARRAY['jsonb'], 'append_batch(items) exists');
SELECT function_returns('pgevents', 'append_batch', ARRAY['jsonb'], 'setof pgevents.append_batch_result', 'append_batch returns setof pgevents.append_batch_result');
SELECT volatility_is('pgevents', 'append_batch', ARRAY['jsonb'], 'volatile', 'append_batch is VOLATILE');
SELECT is_definer('pgevents', 'append_batch', ARRAY['jsonb'], 'append_batch is SECURITY DEFINER');
SELECT columns_are('pgevents', 'append_batch_result',
  ARRAY['item', 'error_code', 'error_message', 'error_detail', 'error_hint', 'sequence_number', 'transaction_id', 'id',
        'category', 'stream', 'position', 'name', 'payload', 'metadata', 'occurred_at', 'observed_at'],
  'append_batch_result: item, the error columns, then the columns of pgevents.events');
SELECT results_eq(
  $$SELECT attname::text COLLATE "default" FROM pg_attribute WHERE attrelid = 'pgevents.append_batch_result'::regclass AND attnum > 0 ORDER BY attnum$$,
  $$VALUES ('item'), ('error_code'), ('error_message'), ('error_detail'), ('error_hint'), ('sequence_number'), ('transaction_id'),
           ('id'), ('category'), ('stream'), ('position'), ('name'), ('payload'), ('metadata'), ('occurred_at'), ('observed_at')$$,
  'append_batch_result columns in the contract''s order');
SELECT ok(has_function_privilege('pgevents_writer', 'pgevents.append_batch(jsonb)', 'EXECUTE'), 'pgevents_writer may call append_batch');
SELECT ok(NOT has_function_privilege('pgevents_reader', 'pgevents.append_batch(jsonb)', 'EXECUTE'), 'pgevents_reader may not');

-- Fixtures, as the owner: two custom conditions, a login role that is a
-- member of pgevents_writer only, and events stored before the batch.
CREATE SCHEMA append_batch_fixtures;
CREATE FUNCTION append_batch_fixtures.latest_name_is(p_category text, p_stream text, p_latest pgevents.events, p_condition jsonb)
  RETURNS boolean LANGUAGE sql AS $$ SELECT p_latest.name IS NOT DISTINCT FROM p_condition ->> 'name' $$;
SELECT pgevents.register_condition_type('batch_latest_name_is', 'append_batch_fixtures.latest_name_is(text, text, pgevents.events, jsonb)');
-- A custom condition that fails with an error of its own (division by zero).
CREATE FUNCTION append_batch_fixtures.raises(p_category text, p_stream text, p_latest pgevents.events, p_condition jsonb)
  RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN RETURN 1 / (p_condition ->> 'zero')::int > 0; END $$;
SELECT pgevents.register_condition_type('batch_raises', 'append_batch_fixtures.raises(text, text, pgevents.events, jsonb)');
CREATE ROLE append_batch_test_writer LOGIN IN ROLE pgevents_writer;
SELECT count(*) FROM pgevents.append('batch', 'retry', '[{"id": "0190a6e0-0000-7000-8000-000000000001", "name": "Stored", "payload": 1},
  {"id": "0190a6e0-0000-7000-8000-000000000002", "name": "Stored", "payload": 2}]') \gset ignored_
SELECT count(*) FROM pgevents.append('batch', 'custom', '[{"name": "Opened", "payload": {}}]') \gset ignored_

SET LOCAL ROLE append_batch_test_writer;

CREATE TEMP TABLE batch AS
  SELECT * FROM pgevents.append_batch($$[
    {"category": "batch", "stream": "a", "events": [{"name": "Opened", "payload": {"n": 0}}, {"name": "Noted", "payload": {"n": 1}}],
     "condition": {"type": "stream_is_empty"}},
    {"category": "batch", "stream": "a", "events": [{"name": "Closed", "payload": {"n": 2}}],
     "condition": {"type": "position_is", "position": 1}},
    {"category": "batch", "stream": "a", "events": [{"name": "Late", "payload": {}}],
     "condition": {"type": "position_is", "position": 1}},
    {"category": "batch", "stream": "bad-event", "events": [{"name": "Ok", "payload": 1}, {"name": "NoPayload"}]},
    {"category": "batch", "stream": "bad-name", "events": [{"name": "", "payload": 1}]},
    {"category": "batch\u0001", "stream": "bad-category", "events": [{"name": "E", "payload": 1}]},
    {"category": "batch", "stream": "too-deep", "events": [{"name": "E", "payload": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}]},
    {"category": "batch", "stream": "custom", "events": [{"name": "Met", "payload": 1}],
     "condition": {"type": "batch_latest_name_is", "name": "Opened"}},
    {"category": "batch", "stream": "custom", "events": [{"name": "NotMet", "payload": 1}],
     "condition": {"type": "batch_latest_name_is", "name": "Opened"}},
    {"category": "batch", "stream": "a", "events": [], "condition": {"type": "stream_exists"}},
    {"category": "batch", "stream": "retry", "events": [{"id": "0190a6e0-0000-7000-8000-000000000001", "name": "Stored", "payload": 1},
      {"id": "0190a6e0-0000-7000-8000-000000000002", "name": "Stored", "payload": 2}], "condition": {"type": "stream_is_empty"}},
    {"category": "batch", "stream": "conflict", "events": [{"id": "0190a6e0-0000-7000-8000-000000000001", "name": "Other", "payload": 1}]},
    "not an object",
    {"category": "batch", "stream": "bad-condition", "events": [{"name": "E", "payload": 1}], "condition": {"type": "position_is"}},
    {"category": "batch", "stream": "bad-scope", "events": [{"name": "E", "payload": 1}], "scope": "global"},
    {"category": "batch", "stream": "unknown-key", "events": [{"name": "E", "payload": 1}], "expected": 3},
    {"category": "batch", "stream": "imported", "events": [{"name": "E", "payload": 1, "observed_at": "2020-01-01T00:00:00Z"}]},
    {"category": "batchLog", "stream": "b", "events": [{"name": "Logged", "payload": 1}], "scope": "log"},
    {"category": "batchCategory", "stream": "b", "events": [{"name": "Categorised", "payload": 1}], "scope": "category"},
    {"category": "batch", "stream": "unmet-new", "events": [{"name": "E", "payload": 1}], "condition": {"type": "stream_exists"}},
    {"category": "batch", "stream": "empty-new", "events": []}
  ]$$);
RESET ROLE;

SELECT results_eq(
  $$SELECT item, error_code, stream, position, name FROM batch$$,
  $$VALUES (0, NULL, 'a', 0::bigint, 'Opened'), (0, NULL, 'a', 1, 'Noted'),
           (1, NULL, 'a', 2, 'Closed'),
           (2, 'PE001', NULL, NULL, NULL),
           (3, 'PE102', NULL, NULL, NULL),
           (4, 'PE101', NULL, NULL, NULL),
           (5, 'PE101', NULL, NULL, NULL),
           (6, 'PE112', NULL, NULL, NULL),
           (7, NULL, 'custom', 1, 'Met'),
           (8, 'PE004', NULL, NULL, NULL),
           (9, NULL, NULL, NULL, NULL),
           (10, NULL, 'retry', 0, 'Stored'), (10, NULL, 'retry', 1, 'Stored'),
           (11, 'PE107', NULL, NULL, NULL),
           (12, 'PE102', NULL, NULL, NULL),
           (13, 'PE103', NULL, NULL, NULL),
           (14, 'PE105', NULL, NULL, NULL),
           (15, 'PE102', NULL, NULL, NULL),
           (16, 'PE102', NULL, NULL, NULL),
           (17, NULL, 'b', 0, 'Logged'),
           (18, NULL, 'b', 0, 'Categorised'),
           (19, 'PE003', NULL, NULL, NULL),
           (20, NULL, NULL, NULL, NULL)$$,
  'Each item: its stored events in position order, one empty row, or one error row; in item order');
SELECT results_eq(
  $$SELECT item, error_detail::jsonb ->> 'field' FROM batch WHERE error_code LIKE 'PE10%' AND error_code <> 'PE107' ORDER BY item$$,
  $$VALUES (3, 'events[1].payload'), (4, 'events[0].name'), (5, 'category'), (12, 'items[12]'), (13, 'condition.position'),
           (14, 'scope'), (15, 'items[15].expected'), (16, 'events[0].observed_at')$$,
  'Input errors name the field as pgevents.append would (items[i] for the item itself)');
SELECT is((SELECT error_detail::jsonb ->> 'setting' FROM batch WHERE item = 6), 'max_event_depth', 'Over a write limit: PE112 naming the setting');
SELECT is((SELECT error_detail::jsonb FROM batch WHERE item = 2),
  '{"code": "PE001", "category": "batch", "stream": "a", "position": 2, "condition": {"type": "position_is", "position": 1}}'::jsonb,
  'Unmet condition: the DETAIL names the stream and its latest position, which includes item 1''s event');
SELECT ok((SELECT bool_and(error_message IS NOT NULL AND error_detail IS NOT NULL AND sequence_number IS NULL AND id IS NULL
                           AND category IS NULL AND payload IS NULL AND transaction_id IS NULL)
             FROM batch WHERE error_code IS NOT NULL),
  'An error row has message and detail, and no event columns');
SELECT ok((SELECT bool_and(error_message IS NULL AND error_detail IS NULL AND error_hint IS NULL) FROM batch WHERE error_code IS NULL),
  'A success row has no error columns');
SELECT ok((SELECT num_nulls(VARIADIC ARRAY[error_code, error_message, error_detail, error_hint, category, stream, name,
                                   sequence_number::text, transaction_id::text, id::text, position::text, payload::text,
                                   metadata::text, occurred_at::text, observed_at::text]) = 15
             FROM batch WHERE item = 9),
  'An item that wrote nothing: one row, every column but item NULL');
SELECT is((SELECT error_hint FROM batch WHERE item = 11), 'Give new events new ids; retry a batch only with identical events.',
  'The hint is passed on (PE107)');

-- Nothing of a failed item is written.
SELECT results_eq(
  $$SELECT s.stream, pgevents.stream_position('batch', s.stream)
      FROM unnest(ARRAY['bad-event', 'bad-name', 'too-deep', 'conflict', 'bad-condition', 'bad-scope', 'unknown-key', 'imported', 'unmet-new', 'empty-new']) AS s(stream)$$,
  $$SELECT s.stream, NULL::bigint
      FROM unnest(ARRAY['bad-event', 'bad-name', 'too-deep', 'conflict', 'bad-condition', 'bad-scope', 'unknown-key', 'imported', 'unmet-new', 'empty-new']) AS s(stream)$$,
  'Failed items wrote nothing to their streams');
SELECT is((SELECT count(*) FROM pgevents.events WHERE stream = 'bad-category'), 0::bigint, 'Invalid category: nothing written');
SELECT results_eq($$SELECT name FROM pgevents.read_stream('batch', 'a', 0)$$, $$VALUES ('Opened'), ('Noted'), ('Closed')$$,
  'Stream a holds items 0 and 1, not item 2');
SELECT results_eq($$SELECT name FROM pgevents.read_stream('batch', 'custom', 0)$$, $$VALUES ('Opened'), ('Met')$$,
  'Custom conditions: the met one wrote, the unmet one did not');
SELECT is((SELECT count(*) FROM pgevents.events WHERE category = 'batch' AND stream = 'retry'), 2::bigint,
  'The idempotent retry wrote nothing new');
SELECT results_eq($$SELECT id FROM batch WHERE item = 10$$,
  $$VALUES ('0190a6e0-0000-7000-8000-000000000001'::uuid), ('0190a6e0-0000-7000-8000-000000000002'::uuid)$$,
  'The idempotent retry returns the stored events (its condition is not checked again)');
SELECT results_eq(
  $$SELECT sequence_number, transaction_id, id, category, stream, position, name, payload, metadata, occurred_at, observed_at
      FROM batch WHERE item IN (0, 1) ORDER BY item, position$$,
  $$SELECT * FROM pgevents.read_stream('batch', 'a', 0)$$,
  'What append_batch returns is what read_stream returns');
SELECT is((SELECT count(DISTINCT transaction_id) FROM batch WHERE item <> 10 AND transaction_id IS NOT NULL), 1::bigint,
  'One transaction for every item');
SELECT ok(pg_temp.holds_scope_lock('stream', 'batch', 'a') AND pg_temp.holds_scope_lock('stream', 'batch', 'custom')
          AND pg_temp.holds_scope_lock('stream', 'batchLog', 'b') AND pg_temp.holds_scope_lock('log', NULL, NULL)
          AND pg_temp.holds_scope_lock('category', 'batchCategory', NULL),
  'Stream locks and the chosen scope locks are held until commit');

-- An item's error is the single call's.
SET LOCAL ROLE append_batch_test_writer;
SELECT is(
  (SELECT jsonb_build_object('sqlstate', error_code, 'message', error_message, 'detail', error_detail::jsonb)
     FROM pgevents.append_batch('[{"category": "batch", "stream": "a", "events": [{"name": "X", "payload": 1}], "condition": {"type": "position_is", "position": 0}}]')),
  pg_temp.error_of($$SELECT * FROM pgevents.append('batch', 'a', '[{"name": "X", "payload": 1}]', '{"type": "position_is", "position": 0}')$$),
  'Unmet condition: same SQLSTATE, message and DETAIL as pgevents.append');
SELECT is(
  (SELECT jsonb_build_object('sqlstate', error_code, 'message', error_message, 'detail', error_detail::jsonb)
     FROM pgevents.append_batch('[{"category": "batch", "stream": "a", "events": [{"name": "X", "payload": 1, "id": "nope"}]}]')),
  pg_temp.error_of($$SELECT * FROM pgevents.append('batch', 'a', '[{"name": "X", "payload": 1, "id": "nope"}]')$$),
  'Invalid event: same SQLSTATE, message and DETAIL as pgevents.append');
SELECT is(
  (SELECT jsonb_build_object('sqlstate', error_code, 'message', error_message, 'detail', error_detail::jsonb)
     FROM pgevents.append_batch('[{"category": "batch", "stream": "a", "events": [{"name": "X", "payload": 1}], "scope": "global"}]')),
  pg_temp.error_of($$SELECT * FROM pgevents.append('batch', 'a', '[{"name": "X", "payload": 1}]', NULL, 'global')$$),
  'Invalid scope: same SQLSTATE, message and DETAIL as pgevents.append');
SELECT is(pgevents.stream_position('batch', 'a'), 2::bigint, 'Failed single items wrote nothing');

-- Edge cases of the call.
SELECT is((SELECT count(*) FROM pgevents.append_batch('[]')), 0::bigint, 'An empty batch returns nothing');
SELECT results_eq(
  $$SELECT item, error_code, position FROM pgevents.append_batch('[
      {"category": "batch", "stream": "twice", "events": [{"name": "One", "payload": 1}]},
      {"category": "batch", "stream": "twice", "events": [{"name": "Two", "payload": 2}], "condition": {"type": "position_is", "position": 0}},
      {"category": "batch", "stream": "twice", "events": [{"name": "One", "payload": 1}], "condition": {"type": "stream_is_empty"}}]')$$,
  $$VALUES (0, NULL, 0::bigint), (1, NULL, 1::bigint), (2, 'PE002', NULL)$$,
  'Three items on one stream: each sees the ones before it');
SELECT results_eq(
  $$SELECT item, error_code FROM pgevents.append_batch('[{"category": "batch", "stream": "nulls", "events": [{"name": "E", "payload": 1}], "condition": null, "scope": null}]')$$,
  $$VALUES (0, NULL::text)$$,
  'condition and scope null: none and stream');
SELECT results_eq(
  $$SELECT item, error_code FROM pgevents.append_batch('[{"category": "batch", "stream": "no-events"}, {"category": 7, "stream": "x", "events": []}]')$$,
  $$VALUES (0, 'PE102'), (1, 'PE101')$$,
  'events missing: PE102 (as append with NULL events); a category that is not a string: PE101');

SELECT results_eq(
  $$SELECT item, error_code, error_detail::jsonb ->> 'field', position, occurred_at = '2020-01-02T03:04:05Z' FROM pgevents.append_batch('[
      {"category": "batch", "stream": "timed", "events": [{"name": "E", "payload": 1, "occurred_at": "2020-01-02T03:04:05Z"}],
       "condition": {"type": "and", "conditions": [{"type": "stream_is_empty"}, {"type": "or", "conditions": [{"type": "none"}]}]}},
      {"category": "batch", "stream": "timed", "events": [{"name": "E", "payload": 1, "occurred_at": "2020-13-45T03:04:05Z"}]},
      {"category": "batch", "stream": "timed", "events": [{"name": "E", "payload": 1}], "condition": {"type": "or", "conditions": []}},
      {"category": "batch", "stream": "timed", "events": [{"name": "E", "payload": 1, "id": "0190a6e0-0000-7000-8000-00000000000a"},
                                                          {"name": "E", "payload": 2, "id": "0190A6E0-0000-7000-8000-00000000000A"}]},
      {"category": "batch", "stream": "timed", "events": [{"name": "F", "payload": 1, "id": null}], "condition": {"type": "position_is", "position": 0}}]')$$,
  $$VALUES (0, NULL, NULL, 0::bigint, true), (1, 'PE102', 'events[0].occurred_at', NULL, NULL),
           (2, 'PE005', NULL, NULL, NULL), (3, 'PE102', 'events[1].id', NULL, NULL), (4, NULL, NULL, 1::bigint, false)$$,
  'Items beyond the simple form (timestamps, and/or conditions, ids): same checks, each item on its own');

SELECT results_eq(
  $$SELECT item, error_code, position FROM pgevents.append_batch('[
      {"category": "batch", "stream": "raising", "events": [{"name": "E", "payload": 1}]},
      {"category": "batch", "stream": "raising", "events": [{"name": "F", "payload": 1}],
       "condition": {"type": "and", "conditions": [{"type": "stream_exists"}, {"type": "batch_raises", "zero": 0}]}},
      {"category": "batch", "stream": "raising", "events": [{"name": "G", "payload": 1}], "condition": {"type": "position_is", "position": 0}}]')$$,
  $$VALUES (0, NULL, 0::bigint), (1, '22012', NULL), (2, NULL, 1::bigint)$$,
  'A custom condition that raises: its item''s row carries the error, the items around it are written');
RESET ROLE;
UPDATE pgevents.settings SET value = 'true' WHERE name = 'allow_observed_at';
SET LOCAL ROLE append_batch_test_writer;
SELECT results_eq(
  $$SELECT item, error_code, error_detail::jsonb ->> 'field', position FROM pgevents.append_batch('[
      {"category": "batch", "stream": "import", "events": [{"name": "E", "payload": 1, "observed_at": "2021-01-01T00:00:00Z"}]},
      {"category": "batch", "stream": "import", "events": [{"name": "F", "payload": 1, "observed_at": "2020-01-01T00:00:00Z"}]},
      {"category": "batch", "stream": "import", "events": [{"name": "G", "payload": 1, "observed_at": "2022-01-01T00:00:00Z"}]}]')$$,
  $$VALUES (0, NULL, NULL, 0::bigint), (1, 'PE102', 'events[0].observed_at', NULL), (2, NULL, NULL, 1::bigint)$$,
  'Imports: an observed_at earlier than the stream''s fails its item alone (under the lock)');
RESET ROLE;
UPDATE pgevents.settings SET value = 'false' WHERE name = 'allow_observed_at';
SET LOCAL ROLE append_batch_test_writer;

-- Whole-call errors: raised, nothing written.
SELECT throws_ok($$SELECT * FROM pgevents.append_batch('{"category": "batch"}')$$, 'PE102', NULL, 'Not an array: PE102');
SELECT throws_ok($$SELECT * FROM pgevents.append_batch(NULL)$$, 'PE102', NULL, 'NULL: PE102');
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.append_batch('{}')$$) #>> '{detail,field}', 'items', 'Not an array: field items');
RESET ROLE;
SELECT throws_ok($$UPDATE pgevents.settings SET value = '99' WHERE name = 'max_batch_items'$$, '23514', NULL,
  'max_batch_items may not be set below 100 (the floor append_batch relies on)');
UPDATE pgevents.settings SET value = '100' WHERE name = 'max_batch_items';
UPDATE pgevents.settings SET value = '100' WHERE name = 'max_append_events';
UPDATE pgevents.settings SET value = '65536' WHERE name = 'max_append_size';
SET LOCAL ROLE append_batch_test_writer;
SELECT is(
  pg_temp.error_of(pg_catalog.format($$SELECT * FROM pgevents.append_batch(%L)$$,
    (SELECT jsonb_agg(jsonb_build_object('category', 'batch', 'stream', 'limit', 'events', CASE WHEN i = 101 THEN '[{"name": "E", "payload": 1}]'::jsonb ELSE '[]'::jsonb END))
       FROM generate_series(1, 101) AS i))) - 'message',
  '{"sqlstate": "PE112", "detail": {"field": "items", "reason": "must hold at most 100 items (got 101)", "limit": 100, "setting": "max_batch_items"}}'::jsonb,
  'Over max_batch_items: PE112 for the call');
SELECT is(
  pg_temp.error_of(pg_catalog.format($$SELECT * FROM pgevents.append_batch('[{"category": "batch", "stream": "limit", "events": %s},
    {"category": "batch", "stream": "limit2", "events": %s}]')$$,
    (SELECT jsonb_agg(jsonb_build_object('name', 'E', 'payload', i)) FROM generate_series(1, 60) AS i),
    (SELECT jsonb_agg(jsonb_build_object('name', 'E', 'payload', i)) FROM generate_series(1, 60) AS i))) #>> '{detail,setting}',
  'max_append_events', 'Over max_append_events in all (each item within it): PE112 for the call');
SELECT is(
  pg_temp.error_of(pg_catalog.format($$SELECT * FROM pgevents.append_batch('[{"category": "batch", "stream": "limit", "events": [{"name": "E", "payload": %s}]},
    {"category": "batch", "stream": "limit2", "events": [{"name": "E", "payload": %s}]}]')$$,
    to_jsonb(repeat('x', 40000)), to_jsonb(repeat('x', 40000)))) #>> '{detail,setting}',
  'max_append_size', 'Over max_append_size in all (each item within it): PE112 for the call');
SELECT results_eq(
  $$SELECT pgevents.stream_position('batch', 'limit'), pgevents.stream_position('batch', 'limit2')$$,
  $$VALUES (NULL::bigint, NULL::bigint)$$,
  'Over a limit of the call: nothing written');

-- The set-based path: a mixed batch where some items are written by the
-- one INSERT (simple, on a stream no other item names, no stored or shared
-- ids, condition met) and the others go through pgevents.write_stream
-- (unmet conditions, a stored-id retry, a stream named twice, a custom
-- condition, bad input, ids shared by two items, an and-condition, an
-- empty item). Each item's rows are what pgevents.append gives, called
-- for each item in order (run first, in a savepoint that is rolled back).
RESET ROLE;
UPDATE pgevents.settings SET value = '1000' WHERE name = 'max_batch_items';
SELECT count(*) FROM pgevents.append('batchMixed', 'existing', '[{"name": "A", "payload": 1}, {"name": "B", "payload": 2}]') \gset ignored_
SELECT count(*) FROM pgevents.append('batchMixed', 'existing2', '[{"name": "A", "payload": 1}]') \gset ignored_
SELECT count(*) FROM pgevents.append('batchMixed', 'existing3', '[{"name": "A", "payload": 1}]') \gset ignored_
SELECT count(*) FROM pgevents.append('batchMixed', 'retry', '[{"id": "0190a6e0-0000-7000-8000-0000000000b1", "name": "R", "payload": 1}]') \gset ignored_
-- Each item through pgevents.append, in order, each in a subtransaction:
-- the rows append_batch should return (without the generated columns).
CREATE FUNCTION pg_temp.one_by_one(p_items jsonb)
  RETURNS TABLE (item int, error_code text, error_message text, error_detail text, error_hint text,
                 category text, stream text, "position" bigint, name text, payload jsonb, metadata jsonb)
  LANGUAGE plpgsql AS $$
DECLARE
  _item jsonb;
  _k int;
  _rows pgevents.events[];
  _state text;
  _message text;
  _detail text;
  _hint text;
BEGIN
  FOR _item, _k IN SELECT i.v, i.ord - 1 FROM jsonb_array_elements(p_items) WITH ORDINALITY AS i(v, ord) ORDER BY i.ord LOOP
    BEGIN
      SELECT array_agg(e ORDER BY e.position) INTO _rows
        FROM pgevents.append(_item ->> 'category', _item ->> 'stream', _item -> 'events',
               CASE WHEN jsonb_typeof(_item -> 'condition') = 'object' THEN _item -> 'condition' END,
               COALESCE(_item ->> 'scope', 'stream')) AS e;
      IF _rows IS NULL THEN
        RETURN QUERY SELECT _k, NULL::text, NULL::text, NULL::text, NULL::text, NULL::text, NULL::text, NULL::bigint, NULL::text, NULL::jsonb, NULL::jsonb;
      ELSE
        RETURN QUERY SELECT _k, NULL::text, NULL::text, NULL::text, NULL::text, r.category, r.stream, r.position, r.name, r.payload, r.metadata
                       FROM unnest(_rows) AS r ORDER BY r.position;
      END IF;
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS _state = RETURNED_SQLSTATE, _message = MESSAGE_TEXT, _detail = PG_EXCEPTION_DETAIL, _hint = PG_EXCEPTION_HINT;
      RETURN QUERY SELECT _k, _state, _message, NULLIF(_detail, ''), NULLIF(_hint, ''), NULL::text, NULL::text, NULL::bigint, NULL::text, NULL::jsonb, NULL::jsonb;
    END;
  END LOOP;
END;
$$;
SET LOCAL track_functions = 'all'; -- counts pgevents.write_stream's calls (pg_stat_xact_user_functions)
SELECT $$[{"category": "batchMixed", "stream": "n1", "events": [{"name": "E", "payload": 0}, {"name": "F", "payload": 0.5}]},
  {"category": "batchMixed", "stream": "existing", "events": [{"name": "E", "payload": 1}], "condition": {"type": "position_is", "position": 1}},
  {"category": "batchMixed", "stream": "u1", "events": [{"name": "E", "payload": 2}], "condition": {"type": "stream_exists"}},
  {"category": "batchMixed", "stream": "n2", "events": [{"name": "E", "payload": 3, "metadata": {"m": 3}}], "condition": {"type": "stream_is_empty"}},
  {"category": "batchMixed", "stream": "retry", "events": [{"id": "0190a6e0-0000-7000-8000-0000000000b1", "name": "R", "payload": 1}], "condition": {"type": "position_is", "position": 0}},
  {"category": "batchMixed", "stream": "rep", "events": [{"name": "E", "payload": 5}]},
  {"category": "batchMixed", "stream": "rep", "events": [{"name": "E", "payload": 6}], "condition": {"type": "position_is", "position": 0}},
  {"category": "batchMixed", "stream": "cust", "events": [{"name": "E", "payload": 7}], "condition": {"type": "batch_latest_name_is"}},
  {"category": "batchMixed", "stream": "bad", "events": [{"name": "E"}]},
  {"category": "batchMixed", "stream": "n3", "events": [{"name": "E", "payload": 9}], "condition": {"type": "position_is", "position": null}},
  {"category": "batchMixed", "stream": "s1", "events": [{"id": "0190a6e0-0000-7000-8000-0000000000c1", "name": "E", "payload": 10}]},
  {"category": "batchMixed", "stream": "s2", "events": [{"id": "0190a6e0-0000-7000-8000-0000000000c1", "name": "E", "payload": 10}]},
  {"category": "batchMixed", "stream": "existing2", "events": [{"name": "E", "payload": 12}], "condition": {"type": "position_is", "position": 5}},
  {"category": "batchMixed", "stream": "n4", "events": [{"id": "0190a6e0-0000-7000-8000-0000000000c2", "name": "E", "payload": 13}], "condition": {"type": "none"}},
  {"category": "batchMixed", "stream": "n5", "events": [{"name": "E", "payload": 14}], "condition": {"type": "and", "conditions": [{"type": "stream_is_empty"}]}},
  {"category": "batchMixed", "stream": "n6", "events": [], "condition": {"type": "stream_is_empty"}},
  {"category": "batchMixed", "stream": "existing3", "events": [{"name": "E", "payload": 16}], "condition": {"type": "stream_exists"}},
  {"category": "batchMixed", "stream": "n7", "events": [{"name": "E", "payload": 17}], "condition": {"type": "stream_exists"}}]$$ AS mixed \gset
SAVEPOINT one_by_one;
SET LOCAL ROLE append_batch_test_writer;
SELECT jsonb_agg(to_jsonb(o) ORDER BY o.item, o.position) AS expected FROM pg_temp.one_by_one(:'mixed') AS o \gset
RESET ROLE;
ROLLBACK TO SAVEPOINT one_by_one;
SELECT calls AS write_stream_calls FROM pg_stat_xact_user_functions WHERE schemaname = 'pgevents' AND funcname = 'write_stream' \gset
SET LOCAL ROLE append_batch_test_writer;
CREATE TEMP TABLE mixed AS SELECT * FROM pgevents.append_batch(:'mixed');
RESET ROLE;
SELECT is(
  (SELECT calls FROM pg_stat_xact_user_functions WHERE schemaname = 'pgevents' AND funcname = 'write_stream') - :write_stream_calls,
  11::bigint,
  'Mixed batch: the 6 certainly-fine items take the set-based path, the 11 others (but the invalid one) pgevents.write_stream');
SELECT results_eq(
  $$SELECT to_jsonb(m) FROM (SELECT item, error_code, error_message, error_detail, error_hint, category, stream, position, name, payload, metadata
                               FROM mixed ORDER BY item, position) AS m$$,
  format('SELECT e FROM jsonb_array_elements(%L::jsonb) AS e', :'expected'),
  'Mixed batch: each item''s rows (errors with message, DETAIL and hint) are what pgevents.append gives for it, in item order');
SELECT results_eq(
  $$SELECT item, error_code, stream, position FROM mixed ORDER BY item, position$$,
  $$VALUES (0, NULL, 'n1', 0::bigint), (0, NULL, 'n1', 1), (1, NULL, 'existing', 2), (2, 'PE003', NULL, NULL), (3, NULL, 'n2', 0),
           (4, NULL, 'retry', 0), (5, NULL, 'rep', 0), (6, NULL, 'rep', 1), (7, NULL, 'cust', 0), (8, 'PE102', NULL, NULL),
           (9, NULL, 'n3', 0), (10, NULL, 's1', 0), (11, 'PE107', NULL, NULL), (12, 'PE001', NULL, NULL), (13, NULL, 'n4', 0),
           (14, NULL, 'n5', 0), (15, NULL, NULL, NULL), (16, NULL, 'existing3', 1), (17, 'PE003', NULL, NULL)$$,
  'Mixed batch: the outcomes');
SELECT ok((SELECT bool_and(s > p) FROM (SELECT sequence_number AS s, lag(sequence_number) OVER (ORDER BY item, position) AS p
                                          FROM mixed WHERE sequence_number IS NOT NULL AND item <> 4) AS x),
  'Mixed batch: sequence numbers follow item order, fast and slow items alike');
SELECT is((SELECT id FROM mixed WHERE item = 13), '0190a6e0-0000-7000-8000-0000000000c2'::uuid, 'A fast item keeps its given id');
SELECT ok((SELECT bool_and(observed_at = occurred_at AND observed_at >= (SELECT max(observed_at) FROM pgevents.events WHERE category = 'batchMixed' AND stream = 'existing' AND position < 2))
             FROM mixed WHERE item = 1),
  'A fast item: occurred_at = observed_at, not before the stream''s latest');
SELECT results_eq(
  $$SELECT stream, count(*), max(position) FROM pgevents.events WHERE category = 'batchMixed' GROUP BY stream ORDER BY stream COLLATE "C"$$,
  $$VALUES ('cust', 1::bigint, 0::bigint), ('existing', 3, 2), ('existing2', 1, 0), ('existing3', 2, 1), ('n1', 2, 1), ('n2', 1, 0),
           ('n3', 1, 0), ('n4', 1, 0), ('n5', 1, 0), ('rep', 2, 1), ('retry', 1, 0), ('s1', 1, 0)$$,
  'Mixed batch: positions gapless; nothing of the failed items (u1, bad, s2, existing2, n6, n7) written');
SELECT results_eq(
  $$SELECT item, sequence_number, transaction_id, id, category, stream, position, name, payload, metadata, occurred_at, observed_at
      FROM mixed WHERE item IN (0, 3) ORDER BY item, position$$,
  $$SELECT 0, * FROM pgevents.read_stream('batchMixed', 'n1', 0) UNION ALL SELECT 3, * FROM pgevents.read_stream('batchMixed', 'n2', 0)$$,
  'Fast items return what read_stream returns');
SET LOCAL ROLE append_batch_test_writer;

-- Transaction id inversion on one item's stream: that item fails with
-- 40001, the others are written. This transaction already has an id; a
-- second session appends to the stream and commits with a younger one.
RESET ROLE; -- dblink needs a superuser (trust authentication)
UPDATE pgevents.settings SET value = '1000' WHERE name = 'max_batch_items';
SELECT is(
  (SELECT n FROM dblink(pg_temp.dsn(),
     $$SELECT count(*) FROM pgevents.append('appendBatchTestInversion', 'inversion-1', '[{"name": "Newer", "payload": 1}]')$$) AS t(n bigint)),
  1::bigint, 'Inversion setup: a younger transaction appends to the stream and commits');
SET LOCAL ROLE append_batch_test_writer;
CREATE TEMP TABLE inverted AS
  SELECT * FROM pgevents.append_batch('[
    {"category": "appendBatchTestInversion", "stream": "inversion-0", "events": [{"name": "Older", "payload": 0}]},
    {"category": "appendBatchTestInversion", "stream": "inversion-1", "events": [{"name": "Older", "payload": 1}]},
    {"category": "appendBatchTestInversion", "stream": "inversion-2", "events": [{"name": "Older", "payload": 2}]}]');
SELECT results_eq($$SELECT item, error_code, position FROM inverted$$,
  $$VALUES (0, NULL, 0::bigint), (1, '40001', NULL), (2, NULL, 0::bigint)$$,
  'The inverted item''s row is 40001 (retry it); the other items are written');
SELECT is((SELECT error_detail::jsonb FROM inverted WHERE item = 1),
  '{"category": "appendBatchTestInversion", "stream": "inversion-1"}'::jsonb, '40001 DETAIL names the stream');
SELECT results_eq($$SELECT name FROM pgevents.read_stream('appendBatchTestInversion', 'inversion-1', 0)$$, $$VALUES ('Newer')$$,
  'Nothing of the inverted item is written');

-- Lock order: a batch takes its stream locks in (category, stream) byte
-- order before writing, whatever the item order. Session A holds stream y;
-- session B sends a batch with items on y, then x: B must be holding x
-- while it waits for y (item order would wait for y holding nothing, and
-- two such batches in opposite orders could deadlock). Committed setup in
-- category "appendBatchTestLocks", deleted at the end.
RESET ROLE;
CREATE FUNCTION pg_temp.await_lock_wait(p_application text) RETURNS boolean
  LANGUAGE plpgsql AS $$
BEGIN
  FOR _i IN 1 .. 3000 LOOP -- until the session waits for a lock (not a time limit on the result)
    PERFORM pg_catalog.pg_stat_clear_snapshot();
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_stat_activity a
                WHERE a.application_name = p_application AND a.wait_event_type = 'Lock') THEN
      RETURN true;
    END IF;
    PERFORM pg_catalog.pg_sleep(0.01);
  END LOOP;
  RETURN false;
END;
$$;
CREATE FUNCTION pg_temp.locked_elsewhere(p_stream text) RETURNS text
  LANGUAGE sql AS $$
  SELECT pg_temp.error_of(pg_catalog.format('SELECT * FROM dblink(%L, %L) AS t(x int)', pg_temp.dsn(),
    pg_catalog.format('SELECT 1 FROM pgevents.streams WHERE category = %L AND stream = %L FOR UPDATE NOWAIT',
      'appendBatchTestLocks', p_stream))) ->> 'sqlstate';
$$;
SELECT n FROM dblink(pg_temp.dsn(), $$SELECT count(*) FROM pgevents.append_batch('[
  {"category": "appendBatchTestLocks", "stream": "x", "events": [{"name": "Setup", "payload": 0}]},
  {"category": "appendBatchTestLocks", "stream": "y", "events": [{"name": "Setup", "payload": 0}]}]')$$) AS t(n bigint) \gset ignored_
SELECT dblink_connect('lock_a', pg_temp.dsn()) \gset ignored_
SELECT dblink_exec('lock_a', 'BEGIN') \gset ignored_
SELECT n FROM dblink('lock_a', $$SELECT count(*) FROM pgevents.append('appendBatchTestLocks', 'y', '[{"name": "A", "payload": 1}]')$$) AS t(n bigint) \gset ignored_
SELECT dblink_connect('lock_b', pg_temp.dsn() || ' application_name=append_batch_test_b') \gset ignored_
SELECT dblink_send_query('lock_b', $$SELECT item, error_code, stream, position FROM pgevents.append_batch('[
  {"category": "appendBatchTestLocks", "stream": "y", "events": [{"name": "B", "payload": 1}]},
  {"category": "appendBatchTestLocks", "stream": "x", "events": [{"name": "B", "payload": 2}]}]')$$) \gset ignored_
SELECT ok(pg_temp.await_lock_wait('append_batch_test_b'), 'Lock order: session B''s batch waits for stream y, which session A holds');
SELECT is(pg_temp.locked_elsewhere('x'), '55P03', 'Lock order: while it waits for y, B already holds x (byte order, not item order)');
SELECT dblink_exec('lock_a', 'ROLLBACK') \gset ignored_
SELECT results_eq(
  $$SELECT * FROM dblink_get_result('lock_b') AS t(item int, error_code text, stream text, position bigint)$$,
  $$VALUES (0, NULL::text, 'y', 1::bigint), (1, NULL, 'x', 1::bigint)$$,
  'Once A is gone, B''s items are written in item order');
SELECT dblink_disconnect('lock_a') \gset ignored_
SELECT dblink_disconnect('lock_b') \gset ignored_

-- REPEATABLE READ: the latest event is read from the transaction's
-- snapshot, so the set-based path is not taken; an item whose stream was
-- appended to since then fails alone with 40001 (pgevents.write_stream
-- turns the unique violation into the item's row), the others are written.
-- (Taken, the one INSERT would fail the whole call with 23505.) Committed
-- setup in category "appendBatchTestRR", deleted at the end.
SELECT n FROM dblink(pg_temp.dsn(), $$SELECT count(*) FROM pgevents.append('appendBatchTestRR', 'rr-1', '[{"name": "Setup", "payload": 0}]')$$) AS t(n bigint) \gset ignored_
SELECT dblink_connect('rr', pg_temp.dsn()) \gset ignored_
SELECT dblink_exec('rr', 'BEGIN ISOLATION LEVEL REPEATABLE READ') \gset ignored_
SELECT n FROM dblink('rr', 'SELECT count(*) FROM pgevents.events') AS t(n bigint) \gset ignored_
SELECT n FROM dblink(pg_temp.dsn(), $$SELECT count(*) FROM pgevents.append('appendBatchTestRR', 'rr-1', '[{"name": "Concurrent", "payload": 1}]')$$) AS t(n bigint) \gset ignored_
SELECT results_eq(
  $$SELECT * FROM dblink('rr', $q$SELECT item, error_code, position FROM pgevents.append_batch('[
      {"category": "appendBatchTestRR", "stream": "rr-0", "events": [{"name": "E", "payload": 0}]},
      {"category": "appendBatchTestRR", "stream": "rr-1", "events": [{"name": "E", "payload": 1}]}]')$q$) AS t(item int, error_code text, position bigint)$$,
  $$VALUES (0, NULL::text, 0::bigint), (1, '40001', NULL)$$,
  'REPEATABLE READ: the item on a stream appended to since the snapshot is 40001, the other is written');
SELECT dblink_exec('rr', 'ROLLBACK') \gset ignored_
SELECT dblink_disconnect('rr') \gset ignored_

SELECT * FROM finish();
ROLLBACK;

-- Clean up what the second session committed. The immutability trigger does
-- not fire under session_replication_role = replica (superuser only).
SET session_replication_role = replica;
DELETE FROM pgevents.events WHERE category = 'appendBatchTestInversion';
RESET session_replication_role;
DELETE FROM pgevents.streams WHERE category = 'appendBatchTestInversion';
SET session_replication_role = replica;
DELETE FROM pgevents.events WHERE category = 'appendBatchTestLocks';
RESET session_replication_role;
DELETE FROM pgevents.streams WHERE category = 'appendBatchTestLocks';
SET session_replication_role = replica;
DELETE FROM pgevents.events WHERE category = 'appendBatchTestRR';
RESET session_replication_role;
DELETE FROM pgevents.streams WHERE category = 'appendBatchTestRR';
