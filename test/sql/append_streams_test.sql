-- pgevents.append_streams
--
-- - Several streams of one category: each gets contiguous positions from its
--   latest + 1; rows come back streams in byte order of their names, events in
--   input order within a stream
-- - Each stream's own condition; one unmet condition, or one invalid event,
--   and nothing is written to any stream
-- - "events" absent: nothing written to that stream, its condition still checked
-- - Empty object: nothing
-- - Locks: every stream's lock, plus the scope lock, held to commit
-- - Idempotent retry of the whole call returns the stored events; the same id
--   in two streams of one call is PE107 and writes nothing
-- - Invalid shape (PE102), names (PE101), scope (PE105), condition (PE103)
-- - Transaction id inversion on one of the streams: 40001 (dblink, category
--   "appendStreamsTestInversion", deleted at the end)
BEGIN;
\ir helpers.psql
SELECT plan(34);

-- Runs as pgevents_writer, the least-privileged role that may append; the
-- few owner-only steps (dblink, plan checks) RESET ROLE around themselves.
SET LOCAL ROLE pgevents_writer;

SELECT has_function('pgevents', 'append_streams', ARRAY['text', 'jsonb', 'text'], 'append_streams(category, streams, scope) exists');
SELECT function_returns('pgevents', 'append_streams', ARRAY['text', 'jsonb', 'text'], 'setof pgevents.events', 'append_streams returns setof pgevents.events');
SELECT volatility_is('pgevents', 'append_streams', ARRAY['text', 'jsonb', 'text'], 'volatile', 'append_streams is VOLATILE');
SELECT is_definer('pgevents', 'append_streams', ARRAY['text', 'jsonb', 'text'], 'append_streams is SECURITY DEFINER');

SELECT count(*) FROM pgevents.append('transfer', 'account-2', '[{"name": "Opened", "payload": {}}]') \gset ignored_

CREATE TEMP TABLE transfer AS
  SELECT * FROM pgevents.append_streams('transfer', '{
    "account-2": {"events": [{"name": "Credited", "payload": {"amount": 5}}, {"name": "Noted", "payload": {}}],
                  "condition": {"type": "position_is", "position": 0}},
    "account-10": {"events": [{"name": "Opened", "payload": {}}, {"name": "Debited", "payload": {"amount": 5}}],
                   "condition": {"type": "stream_is_empty"}},
    "Account-3": {"events": [{"name": "Opened", "payload": {}}]}
  }');
SELECT results_eq(
  $$SELECT stream, name, position FROM transfer$$,
  $$VALUES ('Account-3', 'Opened', 0::bigint), ('account-10', 'Opened', 0), ('account-10', 'Debited', 1), ('account-2', 'Credited', 1), ('account-2', 'Noted', 2)$$,
  'Three streams: streams in byte order of their names, events in input order, positions from each stream''s latest + 1');
SELECT ok(
  (SELECT bool_and(sequence_number > prev) FROM (SELECT sequence_number, lag(sequence_number) OVER () AS prev FROM transfer) s WHERE prev IS NOT NULL),
  'Sequence numbers increase in the returned order');
SELECT is((SELECT count(DISTINCT transaction_id) FROM transfer), 1::bigint, 'One transaction for every stream');
SELECT ok((SELECT bool_and(category = 'transfer') FROM transfer), 'Every event in the given category');
SELECT results_eq(
  $$SELECT * FROM transfer WHERE stream = 'account-2'$$,
  $$SELECT * FROM pgevents.read_stream('transfer', 'account-2', 1)$$,
  'What append_streams returns is what read_stream returns');
SELECT ok(
  pg_temp.holds_scope_lock('stream', 'transfer', 'account-2')
  AND pg_temp.holds_scope_lock('stream', 'transfer', 'account-10')
  AND pg_temp.holds_scope_lock('stream', 'transfer', 'Account-3'),
  'Every stream''s lock is held until commit');

-- All or nothing
SELECT throws_ok($$SELECT * FROM pgevents.append_streams('transfer', '{
    "account-2": {"events": [{"name": "Credited", "payload": {}}], "condition": {"type": "position_is", "position": 2}},
    "account-10": {"events": [{"name": "Debited", "payload": {}}], "condition": {"type": "position_is", "position": 0}}}')$$,
  'PE001', NULL, 'One stream''s condition is not met: PE001');
SELECT is(
  pg_temp.error_of($$SELECT * FROM pgevents.append_streams('transfer', '{
    "account-2": {"events": [{"name": "Credited", "payload": {}}], "condition": {"type": "position_is", "position": 2}},
    "account-10": {"events": [{"name": "Debited", "payload": {}}], "condition": {"type": "position_is", "position": 0}}}')$$) #>> '{detail,stream}',
  'account-10', 'The DETAIL names the stream whose condition failed');
SELECT results_eq(
  $$SELECT pgevents.stream_position('transfer', 'account-2'), pgevents.stream_position('transfer', 'account-10')$$,
  $$VALUES (2::bigint, 1::bigint)$$,
  'Unmet condition on one stream: nothing written to any stream');
SELECT throws_ok($$SELECT * FROM pgevents.append_streams('transfer', '{
    "account-2": {"events": [{"name": "Credited", "payload": {}}]},
    "new-stream": {"events": [{"name": "Opened"}]}}')$$,
  'PE102', NULL, 'One stream has an invalid event: PE102');
SELECT results_eq(
  $$SELECT pgevents.stream_position('transfer', 'account-2'), pgevents.stream_position('transfer', 'new-stream')$$,
  $$VALUES (2::bigint, NULL::bigint)$$,
  'Invalid event in one stream: nothing written to any stream');
SELECT throws_ok($$SELECT * FROM pgevents.append_streams('transfer', '{"account-2": {"condition": {"type": "stream_is_empty"}}}')$$,
  'PE002', NULL, 'Events absent: the stream''s condition is still checked');
SELECT is_empty($$SELECT * FROM pgevents.append_streams('transfer', '{"account-2": {"condition": {"type": "position_is", "position": 2}}, "other": {}}')$$,
  'Events absent, condition met: nothing written, nothing returned');
SELECT is_empty($$SELECT * FROM pgevents.append_streams('transfer', '{}')$$, 'Empty object: nothing');
SELECT lives_ok($$SELECT * FROM pgevents.append_streams('transfer', '{"scoped": {"events": [{"name": "A", "payload": 1}]}}', 'category')$$, 'Scope category: appends');
SELECT ok(pg_temp.holds_scope_lock('category', 'transfer', NULL), 'Scope category: the category lock is held until commit');

-- Idempotent retry
CREATE TEMP TABLE first_call AS
  SELECT * FROM pgevents.append_streams('retry', '{
    "a": {"events": [{"id": "0190a6e0-0000-7000-8000-0000000000a1", "name": "A", "payload": 1}], "condition": {"type": "stream_is_empty"}},
    "b": {"events": [{"id": "0190a6e0-0000-7000-8000-0000000000b1", "name": "B", "payload": 2}], "condition": {"type": "stream_is_empty"}}}');
SELECT results_eq(
  $$SELECT * FROM pgevents.append_streams('retry', '{
    "a": {"events": [{"id": "0190a6e0-0000-7000-8000-0000000000a1", "name": "A", "payload": 1}], "condition": {"type": "stream_is_empty"}},
    "b": {"events": [{"id": "0190a6e0-0000-7000-8000-0000000000b1", "name": "B", "payload": 2}], "condition": {"type": "stream_is_empty"}}}')$$,
  $$SELECT * FROM first_call$$,
  'Retry of the whole call: the stored events, although stream_is_empty no longer holds');
SELECT throws_ok($$SELECT * FROM pgevents.append_streams('retry', '{
    "c": {"events": [{"id": "0190a6e0-0000-7000-8000-0000000000c1", "name": "C", "payload": 3}]},
    "d": {"events": [{"id": "0190a6e0-0000-7000-8000-0000000000c1", "name": "C", "payload": 3}]}}')$$,
  'PE107', NULL, 'The same id in two streams of one call: PE107');
SELECT is((SELECT count(*) FROM pgevents.read_log_by_sequence(0, -1, 'retry')), 2::bigint, 'Id conflict: nothing written to any stream');

-- Invalid input
SELECT throws_ok($$SELECT * FROM pgevents.append_streams('transfer', NULL)$$, 'PE102', NULL, 'Streams NULL: PE102');
SELECT throws_ok($$SELECT * FROM pgevents.append_streams('transfer', '[]')$$, 'PE102', NULL, 'Streams an array: PE102');
SELECT throws_ok($$SELECT * FROM pgevents.append_streams('transfer', '{"s": []}')$$, 'PE102', NULL, 'A stream''s spec not an object: PE102');
SELECT throws_ok($$SELECT * FROM pgevents.append_streams('transfer', '{"s": {"events": [], "expected": 1}}')$$, 'PE102', NULL, 'A stream''s spec has an unknown field: PE102');
SELECT throws_ok($$SELECT * FROM pgevents.append_streams('transfer', '{"s": {"events": {}}}')$$, 'PE102', NULL, 'A stream''s events not an array: PE102');
SELECT throws_ok($$SELECT * FROM pgevents.append_streams('transfer', '{"": {"events": []}}')$$, 'PE101', NULL, 'Stream name empty: PE101');
SELECT throws_ok($$SELECT * FROM pgevents.append_streams('', '{"s": {"events": []}}')$$, 'PE101', NULL, 'Category empty: PE101');
SELECT throws_ok($$SELECT * FROM pgevents.append_streams('transfer', '{"s": {"events": []}}', 'global')$$, 'PE105', NULL, 'Unknown scope: PE105');
SELECT throws_ok($$SELECT * FROM pgevents.append_streams('transfer', '{"s": {"events": [], "condition": {"type": "no_such_type"}}}')$$, 'PE103', NULL, 'Unknown condition type: PE103');

-- Transaction id inversion on one stream: 40001, nothing written.
RESET ROLE; -- dblink needs a superuser (trust authentication)
SELECT n FROM dblink(pg_temp.dsn(), $$SELECT count(*) FROM pgevents.append('appendStreamsTestInversion', 'b', '[{"name": "Newer", "payload": 1}]')$$) AS t(n bigint) \gset ignored_
SET LOCAL ROLE pgevents_writer;
SELECT throws_ok($$SELECT * FROM pgevents.append_streams('appendStreamsTestInversion', '{
    "a": {"events": [{"name": "Older", "payload": 1}]}, "b": {"events": [{"name": "Older", "payload": 2}]}}')$$,
  '40001', NULL, 'A younger transaction committed to one of the streams: 40001');
SELECT is(pgevents.stream_position('appendStreamsTestInversion', 'a'), NULL, '40001: nothing written to the other stream either');

SELECT * FROM finish();
ROLLBACK;

SET session_replication_role = replica; -- (superuser) lets the cleanup DELETE past the immutability trigger
DELETE FROM pgevents.events WHERE category = 'appendStreamsTestInversion';
RESET session_replication_role;
DELETE FROM pgevents.streams WHERE category = 'appendStreamsTestInversion';
