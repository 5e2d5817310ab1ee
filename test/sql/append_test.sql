-- pgevents.append
--
-- - Stream is new: events get positions 0, 1, 2 in input order
-- - Stream has events: the next ones continue at latest + 1
-- - Sequence numbers increase in input order; transaction_id is the writer's
-- - What append returns is what a later read returns
-- - observed_at defaults to the server clock, occurred_at to observed_at; both can be given
-- - Metadata absent is JSON null, {} stays {}; payload may be any JSON value
-- - Ids are generated when absent and kept when given
-- - Empty list: writes and returns nothing, but still checks the condition
-- - Scopes: stream, category and log take their row locks, held to commit
-- - Idempotent retry by id (same stream, same content) returns the stored events,
--   even when the condition no longer holds; other content or stream is PE107
-- - Invalid names (PE101), events (PE102), scope (PE105) write nothing
-- - Transaction id inversion (another transaction with a higher id wrote the
--   stream first) is 40001; it needs a second session: dblink, committed to
--   the category "appendTestInversion", deleted at the end of this file
-- (Conditions: evaluate_condition_test.sql and register_condition_type_test.sql.)
BEGIN;
\ir helpers.psql
SELECT plan(93);

-- Runs as pgevents_writer, the least-privileged role that may append; the
-- few owner-only steps (dblink, plan checks) RESET ROLE around themselves.
SET LOCAL ROLE pgevents_writer;

SELECT has_function('pgevents', 'append', ARRAY['text', 'text', 'jsonb', 'jsonb', 'text'], 'append(category, stream, events, condition, scope) exists');
SELECT function_returns('pgevents', 'append', ARRAY['text', 'text', 'jsonb', 'jsonb', 'text'], 'setof pgevents.events', 'append returns setof pgevents.events');
SELECT volatility_is('pgevents', 'append', ARRAY['text', 'text', 'jsonb', 'jsonb', 'text'], 'volatile', 'append is VOLATILE');
SELECT is_definer('pgevents', 'append', ARRAY['text', 'text', 'jsonb', 'jsonb', 'text'], 'append is SECURITY DEFINER');

-- Stream is new
CREATE TEMP TABLE first_append AS
  SELECT * FROM pgevents.append('account', 'account-1', '[
    {"name": "Opened", "payload": {"owner": "ada"}},
    {"name": "Deposited", "payload": {"amount": 10}},
    {"name": "Withdrawn", "payload": {"amount": 3}}
  ]');

SELECT results_eq(
  $$SELECT name, position FROM first_append$$,
  $$VALUES ('Opened', 0::bigint), ('Deposited', 1), ('Withdrawn', 2)$$,
  'Stream is new: positions start at 0, contiguous, returned in input order');
SELECT results_eq(
  $$SELECT category, stream, payload FROM first_append$$,
  $$VALUES ('account', 'account-1', '{"owner": "ada"}'::jsonb), ('account', 'account-1', '{"amount": 10}'), ('account', 'account-1', '{"amount": 3}')$$,
  'Stream is new: category, stream and payload are stored as given');
SELECT ok(
  (SELECT bool_and(sequence_number > prev) FROM (
     SELECT sequence_number, lag(sequence_number) OVER (ORDER BY position) AS prev FROM first_append) s
   WHERE prev IS NOT NULL),
  'Sequence numbers increase in input order');
SELECT is((SELECT count(DISTINCT transaction_id) FROM first_append), 1::bigint, 'One append: one transaction id');
SELECT is((SELECT transaction_id FROM first_append LIMIT 1), pg_current_xact_id(), 'transaction_id is the writing transaction (pg_current_xact_id())');
SELECT results_eq(
  $$SELECT * FROM first_append ORDER BY position$$,
  $$SELECT * FROM pgevents.read_stream('account', 'account-1')$$,
  'What append returns is what read_stream returns');

-- Stream has events
SELECT results_eq(
  $$SELECT name, position FROM pgevents.append('account', 'account-1', '[{"name": "Deposited", "payload": {"amount": 5}}, {"name": "Closed", "payload": null}]')$$,
  $$VALUES ('Deposited', 3::bigint), ('Closed', 4)$$,
  'Stream has events: positions continue at latest + 1');
SELECT ok(
  (SELECT min(sequence_number) FROM pgevents.read_stream('account', 'account-1', 3)) > (SELECT max(sequence_number) FROM first_append),
  'Stream has events: later appends get higher sequence numbers');
SELECT is((SELECT payload FROM pgevents.read_stream('account', 'account-1', 4)), 'null'::jsonb, 'Payload may be JSON null');
SELECT results_eq(
  $$SELECT position FROM pgevents.append('account', 'account-2', '[{"name": "Opened", "payload": 1}]')$$,
  $$VALUES (0::bigint)$$,
  'Another stream of the same category has its own positions');
SELECT results_eq(
  $$SELECT position FROM pgevents.append('savings', 'account-1', '[{"name": "Opened", "payload": "x"}]')$$,
  $$VALUES (0::bigint)$$,
  'The same stream name in another category is another stream');

-- Timestamps. observed_at may be given only when the installation allows
-- imports (observed_at_test.sql), and never earlier than the one before it:
-- the imported events come first.
RESET ROLE;
UPDATE pgevents.settings SET value = 'true' WHERE name = 'allow_observed_at';
SET LOCAL ROLE pgevents_writer;
CREATE TEMP TABLE clock AS SELECT clock_timestamp() AS before;
CREATE TEMP TABLE timed AS
  SELECT * FROM pgevents.append('timed', 'timed-1', '[
    {"name": "Both", "payload": 5, "occurred_at": "2018-01-01T00:00:00Z", "observed_at": "2019-01-01T00:00:00-05:00"},
    {"name": "Imported", "payload": 4, "observed_at": "2019-05-06T07:08:09.5+02:00"},
    {"name": "Defaulted", "payload": 1},
    {"name": "Defaulted", "payload": 2},
    {"name": "Occurred", "payload": 3, "occurred_at": "2020-01-02T03:04:05.123456Z"},
    {"name": "Nanos", "payload": 6, "occurred_at": "2021-01-01T00:00:00.1234567Z", "observed_at": null}
  ]');

SELECT ok(
  (SELECT bool_and(observed_at BETWEEN (SELECT before FROM clock) AND clock_timestamp()) FROM timed WHERE payload IN ('1', '2', '3', '6')),
  'observed_at defaults to the server clock at append');
SELECT is(
  (SELECT count(DISTINCT observed_at) FROM timed WHERE payload IN ('1', '2', '3', '6')), 1::bigint,
  'observed_at: one clock reading for the whole append');
SELECT ok(
  (SELECT bool_and(occurred_at = observed_at) FROM timed WHERE name = 'Defaulted'),
  'occurred_at defaults to observed_at');
SELECT is((SELECT occurred_at FROM timed WHERE name = 'Occurred'), '2020-01-02 03:04:05.123456+00'::timestamptz,
  'occurred_at given: kept, to the microsecond');
SELECT is((SELECT observed_at FROM timed WHERE name = 'Imported'), '2019-05-06 05:08:09.5+00'::timestamptz,
  'observed_at given (import): kept, offset applied');
SELECT is((SELECT occurred_at FROM timed WHERE name = 'Imported'), '2019-05-06 05:08:09.5+00'::timestamptz,
  'observed_at given, occurred_at absent: occurred_at defaults to the given observed_at');
SELECT results_eq(
  $$SELECT occurred_at, observed_at FROM timed WHERE name = 'Both'$$,
  $$VALUES ('2018-01-01 00:00:00+00'::timestamptz, '2019-01-01 05:00:00+00'::timestamptz)$$,
  'Both timestamps given: both kept');
SELECT is((SELECT occurred_at FROM timed WHERE name = 'Nanos'), '2021-01-01 00:00:00.123457+00'::timestamptz,
  'More than microsecond precision: rounded to microseconds');
SELECT results_eq(
  $$SELECT occurred_at, observed_at FROM timed ORDER BY position$$,
  $$SELECT occurred_at, observed_at FROM pgevents.read_stream('timed', 'timed-1')$$,
  'Timestamps append returns equal what a later read returns');

-- Metadata and ids
CREATE TEMP TABLE meta AS
  SELECT * FROM pgevents.append('meta', 'meta-1', '[
    {"name": "NoMetadata", "payload": {}},
    {"name": "EmptyMetadata", "payload": {}, "metadata": {}},
    {"name": "NullMetadata", "payload": {}, "metadata": null},
    {"name": "Metadata", "payload": [], "metadata": {"correlation": "c-1"}},
    {"name": "GivenId", "payload": 0, "id": "0190a6e0-0000-7000-8000-000000000001"},
    {"name": "NullId", "payload": 0, "id": null}
  ]');
SELECT is((SELECT metadata FROM meta WHERE name = 'NoMetadata'), 'null'::jsonb, 'Metadata absent: stored as JSON null');
SELECT is((SELECT metadata FROM meta WHERE name = 'EmptyMetadata'), '{}'::jsonb, 'Metadata {}: stays {}');
SELECT is((SELECT metadata FROM meta WHERE name = 'NullMetadata'), 'null'::jsonb, 'Metadata null: JSON null');
SELECT is((SELECT metadata FROM meta WHERE name = 'Metadata'), '{"correlation": "c-1"}'::jsonb, 'Metadata given: kept');
SELECT is((SELECT payload FROM meta WHERE name = 'Metadata'), '[]'::jsonb, 'Payload may be an array');
SELECT is((SELECT id FROM meta WHERE name = 'GivenId'), '0190a6e0-0000-7000-8000-000000000001'::uuid, 'Id given: kept');
SELECT is((SELECT count(DISTINCT id) FROM meta WHERE name <> 'GivenId' AND id IS NOT NULL), 5::bigint, 'Id absent or null: a distinct one is generated');

-- Empty list
SELECT is_empty($$SELECT * FROM pgevents.append('account', 'account-1', '[]')$$, 'Empty list: returns nothing');
SELECT is(pgevents.stream_position('account', 'account-1'), 4::bigint, 'Empty list: writes nothing');
SELECT is_empty($$SELECT * FROM pgevents.append('empty', 'never-written', '[]')$$, 'Empty list on a new stream: returns nothing');
SELECT is_empty($$SELECT * FROM pgevents.read_stream('empty', 'never-written')$$, 'Empty list on a new stream: the stream stays empty');
SELECT throws_ok($$SELECT * FROM pgevents.append('account', 'account-1', '[]', '{"type": "position_is", "position": 0}')$$,
  'PE001', NULL, 'Empty list: the condition is still checked');

-- Names at the limit
SELECT lives_ok(format($$SELECT * FROM pgevents.append(%L, %L, %L)$$, repeat('c', 255), repeat('s', 255),
  jsonb_build_array(jsonb_build_object('name', repeat('n', 255), 'payload', 1))),
  'Names of exactly 255 characters are accepted');
SELECT lives_ok($$SELECT * FROM pgevents.append('Zähler 🚀', 'strom/1:ä b', '[{"name": "Événement créé", "payload": 1}]')$$,
  'Names may hold spaces, punctuation and any printable Unicode');

-- Scopes and locks
SELECT lives_ok($$SELECT * FROM pgevents.append('scoped', 'scoped-1', '[{"name": "A", "payload": 1}]', NULL, 'stream')$$, 'Scope stream: appends');
SELECT ok(pg_temp.holds_scope_lock('stream', 'scoped', 'scoped-1'), 'Any scope: the stream lock is held until commit');
SELECT ok(NOT pg_temp.holds_scope_lock('category', 'scoped', NULL), 'Scope stream: no category lock');
SELECT ok(NOT pg_temp.holds_scope_lock('log', NULL, NULL), 'Scope stream: no log lock');
SELECT lives_ok($$SELECT * FROM pgevents.append('scoped', 'scoped-2', '[{"name": "A", "payload": 1}]', NULL, 'category')$$, 'Scope category: appends');
SELECT ok(pg_temp.holds_scope_lock('category', 'scoped', NULL), 'Scope category: the category lock is held until commit');
SELECT ok(NOT pg_temp.holds_scope_lock('log', NULL, NULL), 'Scope category: no log lock');
SELECT lives_ok($$SELECT * FROM pgevents.append('scoped', 'scoped-3', '[{"name": "A", "payload": 1}]', NULL, 'log')$$, 'Scope log: appends');
SELECT ok(pg_temp.holds_scope_lock('log', NULL, NULL), 'Scope log: the log lock is held until commit');
SELECT lives_ok($$SELECT * FROM pgevents.append('scoped', 'scoped-4', '[{"name": "A", "payload": 1}]', NULL, NULL)$$, 'Scope NULL: means stream');
SELECT throws_ok($$SELECT * FROM pgevents.append('scoped', 'scoped-5', '[{"name": "A", "payload": 1}]', NULL, 'table')$$,
  'PE105', NULL, 'Scope is not log, category or stream: PE105');
SELECT is(pgevents.stream_position('scoped', 'scoped-5'), NULL, 'Invalid scope: nothing written');

-- Idempotent retry
CREATE TEMP TABLE original AS
  SELECT * FROM pgevents.append('retry', 'retry-1', '[
    {"id": "0190a6e0-0000-7000-8000-00000000000a", "name": "A", "payload": {"n": 1}, "metadata": {"m": 1}, "occurred_at": "2020-01-01T00:00:00Z"},
    {"id": "0190a6e0-0000-7000-8000-00000000000b", "name": "B", "payload": {"n": 2}}
  ]', '{"type": "position_is", "position": null}');
SELECT results_eq(
  $$SELECT * FROM pgevents.append('retry', 'retry-1', '[
    {"id": "0190a6e0-0000-7000-8000-00000000000a", "name": "A", "payload": {"n": 1}, "metadata": {"m": 1}, "occurred_at": "2020-01-01T00:00:00Z"},
    {"id": "0190a6e0-0000-7000-8000-00000000000b", "name": "B", "payload": {"n": 2}}
  ]', '{"type": "position_is", "position": null}')$$,
  $$SELECT * FROM original ORDER BY position$$,
  'Retry with the same ids and content: the stored events are returned, even though position_is(null) no longer holds');
SELECT is(pgevents.stream_position('retry', 'retry-1'), 1::bigint, 'Retry: nothing new is written');
SELECT results_eq(
  $$SELECT id, position FROM pgevents.append('retry', 'retry-1', '[
    {"id": "0190a6e0-0000-7000-8000-00000000000a", "name": "A", "payload": {"n": 1}, "metadata": {"m": 1}}
  ]')$$,
  $$VALUES ('0190a6e0-0000-7000-8000-00000000000a'::uuid, 0::bigint)$$,
  'Retry without occurred_at: occurred_at is not compared; the stored event is returned');
SELECT results_eq(
  $$SELECT id FROM pgevents.append('retry', 'retry-1', '[
    {"id": "0190a6e0-0000-7000-8000-00000000000b", "name": "B", "payload": {"n": 2}},
    {"id": "0190a6e0-0000-7000-8000-00000000000a", "name": "A", "payload": {"n": 1}, "metadata": {"m": 1}}
  ]')$$,
  $$VALUES ('0190a6e0-0000-7000-8000-00000000000b'::uuid), ('0190a6e0-0000-7000-8000-00000000000a'::uuid)$$,
  'Retry: stored events come back in input order');
SELECT throws_ok($$SELECT * FROM pgevents.append('retry', 'retry-1', '[{"id": "0190a6e0-0000-7000-8000-00000000000b", "name": "B", "payload": {"n": 3}}]')$$,
  'PE107', NULL, 'Same id, other payload: PE107');
SELECT throws_ok($$SELECT * FROM pgevents.append('retry', 'retry-1', '[{"id": "0190a6e0-0000-7000-8000-00000000000b", "name": "C", "payload": {"n": 2}}]')$$,
  'PE107', NULL, 'Same id, other name: PE107');
SELECT throws_ok($$SELECT * FROM pgevents.append('retry', 'retry-1', '[{"id": "0190a6e0-0000-7000-8000-00000000000b", "name": "B", "payload": {"n": 2}, "metadata": {}}]')$$,
  'PE107', NULL, 'Same id, other metadata (stored null, given {}): PE107');
SELECT throws_ok($$SELECT * FROM pgevents.append('retry', 'retry-1', '[{"id": "0190a6e0-0000-7000-8000-00000000000a", "name": "A", "payload": {"n": 1}, "metadata": {"m": 1}, "occurred_at": "2021-01-01T00:00:00Z"}]')$$,
  'PE107', NULL, 'Same id, other occurred_at: PE107');
SELECT throws_ok($$SELECT * FROM pgevents.append('retry', 'retry-2', '[{"id": "0190a6e0-0000-7000-8000-00000000000b", "name": "B", "payload": {"n": 2}}]')$$,
  'PE107', NULL, 'Same id and content, other stream: PE107');
SELECT throws_ok($$SELECT * FROM pgevents.append('other', 'retry-1', '[{"id": "0190a6e0-0000-7000-8000-00000000000b", "name": "B", "payload": {"n": 2}}]')$$,
  'PE107', NULL, 'Same id and content, other category: PE107');
SELECT throws_ok($$SELECT * FROM pgevents.append('retry', 'retry-1', '[
    {"id": "0190a6e0-0000-7000-8000-00000000000a", "name": "A", "payload": {"n": 1}, "metadata": {"m": 1}},
    {"id": "0190a6e0-0000-7000-8000-00000000000c", "name": "New", "payload": {}}]')$$,
  'PE107', NULL, 'Only part of the batch is stored: PE107');
SELECT is(
  pg_temp.error_of($$SELECT * FROM pgevents.append('retry', 'retry-2', '[{"id": "0190a6e0-0000-7000-8000-00000000000b", "name": "B", "payload": {"n": 2}}]')$$) #> '{detail,id}',
  '"0190a6e0-0000-7000-8000-00000000000b"'::jsonb,
  'PE107 DETAIL names the conflicting id');
SELECT is(pgevents.stream_position('retry', 'retry-2'), NULL, 'Id conflict: nothing written');
SELECT is((SELECT count(*) FROM pgevents.read_log_by_sequence(0, -1, 'retry')), 2::bigint, 'Id conflicts and retries: still two events');

-- Invalid names: PE101
SELECT throws_ok($$SELECT * FROM pgevents.append(NULL, 's', '[{"name": "A", "payload": 1}]')$$, 'PE101', NULL, 'Category is NULL: PE101');
SELECT throws_ok($$SELECT * FROM pgevents.append('', 's', '[{"name": "A", "payload": 1}]')$$, 'PE101', NULL, 'Category is empty: PE101');
SELECT throws_ok(format($$SELECT * FROM pgevents.append(%L, 's', '[{"name": "A", "payload": 1}]')$$, repeat('c', 256)), 'PE101', NULL, 'Category is longer than 255 characters: PE101');
SELECT throws_ok($$SELECT * FROM pgevents.append(E'a\nb', 's', '[{"name": "A", "payload": 1}]')$$, 'PE101', NULL, 'Category holds a control character: PE101');
SELECT throws_ok($$SELECT * FROM pgevents.append('c', NULL, '[{"name": "A", "payload": 1}]')$$, 'PE101', NULL, 'Stream is NULL: PE101');
SELECT throws_ok($$SELECT * FROM pgevents.append('c', '', '[{"name": "A", "payload": 1}]')$$, 'PE101', NULL, 'Stream is empty: PE101');
SELECT throws_ok($$SELECT * FROM pgevents.append('c', E'tab\there', '[{"name": "A", "payload": 1}]')$$, 'PE101', NULL, 'Stream holds a control character: PE101');
SELECT throws_ok($$SELECT * FROM pgevents.append('c', 's', '[{"payload": 1}]')$$, 'PE101', NULL, 'Event name missing: PE101');
SELECT throws_ok($$SELECT * FROM pgevents.append('c', 's', '[{"name": 7, "payload": 1}]')$$, 'PE101', NULL, 'Event name not a string: PE101');
SELECT throws_ok($$SELECT * FROM pgevents.append('c', 's', '[{"name": "", "payload": 1}]')$$, 'PE101', NULL, 'Event name empty: PE101');
SELECT is(
  pg_temp.error_of($$SELECT * FROM pgevents.append('c', 's', '[{"name": "A", "payload": 1}, {"name": "", "payload": 1}]')$$) -> 'detail',
  '{"field": "events[1].name", "reason": "must not be empty"}'::jsonb,
  'PE101 DETAIL names the field and the reason');

-- Invalid events: PE102
SELECT throws_ok($$SELECT * FROM pgevents.append('c', 's', NULL)$$, 'PE102', NULL, 'Events NULL: PE102');
SELECT throws_ok($$SELECT * FROM pgevents.append('c', 's', '{"name": "A", "payload": 1}')$$, 'PE102', NULL, 'Events not an array: PE102');
SELECT throws_ok($$SELECT * FROM pgevents.append('c', 's', '["A"]')$$, 'PE102', NULL, 'Event not an object: PE102');
SELECT throws_ok($$SELECT * FROM pgevents.append('c', 's', '[{"name": "A", "payload": 1, "data": 2}]')$$, 'PE102', NULL, 'Event has an unknown field: PE102');
SELECT throws_ok($$SELECT * FROM pgevents.append('c', 's', '[{"name": "A"}]')$$, 'PE102', NULL, 'Event payload missing: PE102');
SELECT throws_ok($$SELECT * FROM pgevents.append('c', 's', '[{"name": "A", "payload": 1, "id": "not-a-uuid"}]')$$, 'PE102', NULL, 'Event id not a UUID: PE102');
SELECT throws_ok($$SELECT * FROM pgevents.append('c', 's', '[{"name": "A", "payload": 1, "id": 12}]')$$, 'PE102', NULL, 'Event id not a string: PE102');
SELECT throws_ok($$SELECT * FROM pgevents.append('c', 's', '[{"name": "A", "payload": 1, "id": "0190a6e0-0000-7000-8000-0000000000ff"}, {"name": "B", "payload": 2, "id": "0190a6e0-0000-7000-8000-0000000000ff"}]')$$,
  'PE102', NULL, 'The same id twice in one batch: PE102');
SELECT throws_ok($$SELECT * FROM pgevents.append('c', 's', '[{"name": "A", "payload": 1, "occurred_at": "2020-01-01T00:00:00"}]')$$, 'PE102', NULL, 'occurred_at without an offset: PE102');
SELECT throws_ok($$SELECT * FROM pgevents.append('c', 's', '[{"name": "A", "payload": 1, "occurred_at": "2020-02-30T00:00:00Z"}]')$$, 'PE102', NULL, 'occurred_at not a date: PE102');
SELECT throws_ok($$SELECT * FROM pgevents.append('c', 's', '[{"name": "A", "payload": 1, "occurred_at": 1577836800}]')$$, 'PE102', NULL, 'occurred_at not a string: PE102');
SELECT throws_ok($$SELECT * FROM pgevents.append('c', 's', '[{"name": "A", "payload": 1, "observed_at": "yesterday"}]')$$, 'PE102', NULL, 'observed_at not a timestamp: PE102');
SELECT throws_ok($$SELECT * FROM pgevents.append('c', 's', '[{"name": "A", "payload": 1}, {"name": "B", "payload": 2}, {"name": "C"}]')$$,
  'PE102', NULL, 'Third event invalid: PE102');
SELECT is(pgevents.stream_position('c', 's'), NULL, 'Invalid input: nothing written');

-- Transaction id inversion: 40001. This transaction already has an id
-- (helpers.psql created temp objects); a second session appends to the stream
-- and commits with a higher id; our append would then sort before it.
RESET ROLE; -- dblink needs a superuser (trust authentication)
SELECT is(
  (SELECT n FROM dblink(pg_temp.dsn(),
     $$SELECT count(*) FROM pgevents.append('appendTestInversion', 'inversion-1', '[{"name": "Newer", "payload": 1}]')$$) AS t(n bigint)),
  1::bigint, 'Inversion setup: a younger transaction appends to the stream and commits');
SET LOCAL ROLE pgevents_writer;
SELECT throws_ok($$SELECT * FROM pgevents.append('appendTestInversion', 'inversion-1', '[{"name": "Older", "payload": 2}]')$$,
  '40001', NULL, 'Our older transaction appends to the same stream: 40001 (retry the transaction)');
SELECT is(
  pg_temp.error_of($$SELECT * FROM pgevents.append('appendTestInversion', 'inversion-1', '[{"name": "Older", "payload": 2}]')$$) -> 'detail',
  '{"category": "appendTestInversion", "stream": "inversion-1"}'::jsonb,
  '40001 DETAIL names the category and stream');
SELECT results_eq(
  $$SELECT position FROM pgevents.append('appendTestInversion', 'inversion-2', '[{"name": "Older", "payload": 2}]')$$,
  $$VALUES (0::bigint)$$,
  'Our older transaction may still append to another stream of that category');

SELECT * FROM finish();
ROLLBACK;

-- Clean up what the second session committed. The immutability trigger does
-- not fire under session_replication_role = replica (superuser only).
SET session_replication_role = replica;
DELETE FROM pgevents.events WHERE category = 'appendTestInversion';
RESET session_replication_role;
DELETE FROM pgevents.streams WHERE category = 'appendTestInversion';
