-- pgevents.latest_event
--
-- - Nothing written: no row (stream, category, log)
-- - Stream: the event at the highest position
-- - Category: the last event in read order (transaction_id, sequence_number)
-- - Log (no arguments): the last event in read order
-- - One-shot read, not fenced: sees this transaction's own events
-- - A stream without a category: PE104; invalid names: PE101
-- - Plan: the category's latest event comes from events_category_order_idx
BEGIN;
\ir helpers.psql
SELECT plan(17);

-- Runs as pgevents_writer, the least-privileged role that may append; the
-- few owner-only steps (dblink, plan checks) RESET ROLE around themselves.
SET LOCAL ROLE pgevents_writer;

SELECT has_function('pgevents', 'latest_event', ARRAY['text', 'text'], 'latest_event(category, stream) exists');
SELECT function_returns('pgevents', 'latest_event', ARRAY['text', 'text'], 'setof pgevents.events', 'latest_event returns setof pgevents.events');
SELECT volatility_is('pgevents', 'latest_event', ARRAY['text', 'text'], 'stable', 'latest_event is STABLE');

SELECT is_empty($$SELECT * FROM pgevents.latest_event('latestEvent', 'stream-1')$$, 'Stream is empty: no row');
SELECT is_empty($$SELECT * FROM pgevents.latest_event('latestEvent')$$, 'Category is empty: no row');

SELECT count(*) FROM pgevents.append('latestEvent', 'stream-1', '[{"name": "First", "payload": 1}, {"name": "Second", "payload": 2}]') \gset ignored_
SELECT count(*) FROM pgevents.append('latestEvent', 'stream-2', '[{"name": "Third", "payload": 3}]') \gset ignored_
SELECT count(*) FROM pgevents.append('latestEvent', 'stream-1', '[{"name": "Fourth", "payload": 4}]') \gset ignored_
SELECT count(*) FROM pgevents.append('latestEventOther', 'stream-1', '[{"name": "Fifth", "payload": 5}]') \gset ignored_

SELECT results_eq(
  $$SELECT name, position FROM pgevents.latest_event('latestEvent', 'stream-1')$$,
  $$VALUES ('Fourth', 2::bigint)$$,
  'Stream has events: the one at the highest position');
SELECT results_eq(
  $$SELECT name, position FROM pgevents.latest_event('latestEvent', 'stream-2')$$,
  $$VALUES ('Third', 0::bigint)$$,
  'Another stream of the category: its own latest event');
SELECT results_eq(
  $$SELECT name FROM pgevents.latest_event('latestEvent')$$,
  $$VALUES ('Fourth')$$,
  'Category: the last event in read order');
SELECT results_eq(
  $$SELECT name FROM pgevents.latest_event()$$,
  $$VALUES ('Fifth')$$,
  'Log: the last event in read order');
SELECT results_eq(
  $$SELECT name FROM pgevents.latest_event(NULL, NULL)$$,
  $$VALUES ('Fifth')$$,
  'Category and stream NULL: the log');
SELECT results_eq(
  $$SELECT * FROM pgevents.latest_event('latestEvent', 'stream-1')$$,
  $$SELECT * FROM pgevents.read_stream('latestEvent', 'stream-1', 2)$$,
  'The latest event equals what read_stream returns for it');
SELECT ok((SELECT transaction_id = pg_current_xact_id() FROM pgevents.latest_event()),
  'Not fenced: this transaction''s own uncommitted event is the latest');

SELECT throws_ok($$SELECT * FROM pgevents.latest_event(NULL, 'stream-1')$$, 'PE104', NULL, 'Stream without a category: PE104');
SELECT throws_ok($$SELECT * FROM pgevents.latest_event('')$$, 'PE101', NULL, 'Category empty: PE101');
SELECT throws_ok($$SELECT * FROM pgevents.latest_event('latestEvent', '')$$, 'PE101', NULL, 'Stream empty: PE101');

-- Plan check: the category query, as the generic plan PL/pgSQL settles on.
RESET ROLE;
SELECT pg_temp.fill_for_plans() \gset ignored_
PREPARE latest_in_category(text) AS
  SELECT * FROM pgevents.events e WHERE e.category = $1
   ORDER BY e.transaction_id DESC, e.sequence_number DESC LIMIT 1;
SET LOCAL plan_cache_mode = force_generic_plan;
SELECT matches(pg_temp.plan_of($$EXECUTE latest_in_category('latestEvent')$$),
  '"Index Name": "events_category_order_idx"', 'Plan: the latest event of a category uses events_category_order_idx');
SELECT doesnt_match(pg_temp.plan_of($$EXECUTE latest_in_category('latestEvent')$$),
  '"Node Type": "Sort"', 'Plan: the latest event of a category needs no sort');

SELECT * FROM finish();
ROLLBACK;
