-- pgevents.read_stream
--
-- - Stream is empty: no rows
-- - All events of the stream, in position order, and nothing of other streams
-- - From a position; with a limit (-1 and NULL: all; 0: none); default limit 1000
-- - A stream read is not fenced: it sees this transaction's own events
-- - Rows equal what append returned
-- - Invalid names: PE101; negative or NULL position, limit below -1: PE106
-- - Plan: the (category, stream, position) unique index
BEGIN;
\ir helpers.psql
SELECT plan(24);

-- Runs as pgevents_writer, the least-privileged role that may append; the
-- few owner-only steps (dblink, plan checks) RESET ROLE around themselves.
SET LOCAL ROLE pgevents_writer;

SELECT has_function('pgevents', 'read_stream', ARRAY['text', 'text', 'bigint', 'integer'], 'read_stream(category, stream, from_position, limit) exists');
SELECT function_returns('pgevents', 'read_stream', ARRAY['text', 'text', 'bigint', 'integer'], 'setof pgevents.events', 'read_stream returns setof pgevents.events');
SELECT volatility_is('pgevents', 'read_stream', ARRAY['text', 'text', 'bigint', 'integer'], 'stable', 'read_stream is STABLE');

SELECT is_empty($$SELECT * FROM pgevents.read_stream('readStream', 'stream-1')$$, 'Stream is empty: no rows');

CREATE TEMP TABLE appended AS
  SELECT * FROM pgevents.append('readStream', 'stream-1', pg_temp.new_events(5));
SELECT count(*) FROM pgevents.append('readStream', 'stream-2', pg_temp.new_events(2)) \gset ignored_
SELECT count(*) FROM pgevents.append('otherCategory', 'stream-1', pg_temp.new_events(2)) \gset ignored_
SELECT count(*) FROM pgevents.append('readStream', 'stream-1', '[{"name": "Last", "payload": {"i": 6}}]') \gset ignored_

SELECT results_eq(
  $$SELECT position, payload FROM pgevents.read_stream('readStream', 'stream-1')$$,
  $$SELECT i::bigint - 1, jsonb_build_object('i', i) FROM generate_series(1, 6) AS i$$,
  'Stream has events: all of them in position order, none of other streams or categories');
SELECT results_eq(
  $$SELECT * FROM pgevents.read_stream('readStream', 'stream-1', 0, 5)$$,
  $$SELECT * FROM appended ORDER BY position$$,
  'Rows equal what append returned');
SELECT results_eq(
  $$SELECT position FROM pgevents.read_stream('readStream', 'stream-1', 2)$$,
  $$VALUES (2::bigint), (3), (4), (5)$$,
  'From position 2: positions 2 and after');
SELECT results_eq(
  $$SELECT position FROM pgevents.read_stream('readStream', 'stream-1', 1, 2)$$,
  $$VALUES (1::bigint), (2)$$,
  'From position 1, limit 2: positions 1 and 2');
SELECT is_empty($$SELECT * FROM pgevents.read_stream('readStream', 'stream-1', 6)$$, 'From past the end: no rows');
SELECT is_empty($$SELECT * FROM pgevents.read_stream('readStream', 'stream-1', 0, 0)$$, 'Limit 0: no rows');
SELECT is((SELECT count(*) FROM pgevents.read_stream('readStream', 'stream-1', 0, -1)), 6::bigint, 'Limit -1: all');
SELECT is((SELECT count(*) FROM pgevents.read_stream('readStream', 'stream-1', 0, NULL)), 6::bigint, 'Limit NULL: all');
SELECT ok((SELECT bool_and(transaction_id = pg_current_xact_id()) FROM pgevents.read_stream('readStream', 'stream-1')),
  'Not fenced: this transaction''s own uncommitted events are read');

SELECT count(*) FROM pgevents.append('readStream', 'long', pg_temp.new_events(1001)) \gset ignored_
SELECT is((SELECT count(*) FROM pgevents.read_stream('readStream', 'long')), 1000::bigint, 'Default limit: 1000');
SELECT is((SELECT max(position) FROM pgevents.read_stream('readStream', 'long', 1000)), 1000::bigint, 'Next page from position 1000: the last event');

SELECT throws_ok($$SELECT * FROM pgevents.read_stream(NULL, 'stream-1')$$, 'PE101', NULL, 'Category NULL: PE101');
SELECT throws_ok($$SELECT * FROM pgevents.read_stream('', 'stream-1')$$, 'PE101', NULL, 'Category empty: PE101');
SELECT throws_ok($$SELECT * FROM pgevents.read_stream('readStream', '')$$, 'PE101', NULL, 'Stream empty: PE101');
SELECT throws_ok($$SELECT * FROM pgevents.read_stream('readStream', E'\x01')$$, 'PE101', NULL, 'Stream with a control character: PE101');
SELECT throws_ok($$SELECT * FROM pgevents.read_stream('readStream', 'stream-1', -1)$$, 'PE106', NULL, 'Negative from_position: PE106');
SELECT throws_ok($$SELECT * FROM pgevents.read_stream('readStream', 'stream-1', NULL)$$, 'PE106', NULL, 'NULL from_position: PE106');
SELECT throws_ok($$SELECT * FROM pgevents.read_stream('readStream', 'stream-1', 0, -2)$$, 'PE106', NULL, 'Limit -2: PE106');

-- Plan check: read_stream's query, with the same WHERE/ORDER BY, as the
-- generic plan PL/pgSQL settles on.
RESET ROLE;
SELECT pg_temp.fill_for_plans() \gset ignored_
PREPARE read_stream_query(text, text, bigint, integer) AS
  SELECT * FROM pgevents.events e
   WHERE e.category = $1 AND e.stream = $2 AND e.position >= $3
   ORDER BY e.position
   LIMIT $4;
SET LOCAL plan_cache_mode = force_generic_plan;
SELECT matches(pg_temp.plan_of($$EXECUTE read_stream_query('readStream', 'stream-1', 0, 1000)$$),
  '"Index Name": "events_stream_position_key"', 'Plan: read_stream uses events_stream_position_key');
SELECT doesnt_match(pg_temp.plan_of($$EXECUTE read_stream_query('readStream', 'stream-1', 0, 1000)$$),
  '"Node Type": "Sort"', 'Plan: read_stream needs no sort');

SELECT * FROM finish();
ROLLBACK;
