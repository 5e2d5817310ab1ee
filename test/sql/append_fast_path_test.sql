-- pgevents.append's fast path (one plain event, no condition, scope stream,
-- READ COMMITTED, no transaction id before the stream lock)
--
-- The fast path only runs in a transaction that has no id yet, so these
-- checks run in second sessions (dblink, committed to the category
-- "appendFastPathTest", deleted at the end of this file), as a
-- pgevents_writer login:
-- - it is taken (pgevents.write_stream is not called), and a second append
--   in the same transaction (which now has an id) takes the general path;
--   both return what the general path returns: contiguous positions,
--   occurred_at = observed_at, absent metadata as JSON null, payload as given
-- - observed_at never goes backwards: an imported event dated ahead of the
--   clock makes the next fast append take its observed_at
-- - a fast append waiting for the stream lock sees the events its holder
--   committed (the position comes from a statement started after the lock):
--   next position, no unique violation
-- - invalid events, conditions and ids leave the fast path for the general
--   one (same errors and results)
SET client_min_messages = warning;
SET session_replication_role = replica; -- (superuser) lets the cleanup DELETE past the immutability trigger
DELETE FROM pgevents.events WHERE category = 'appendFastPathTest';
RESET session_replication_role;
DELETE FROM pgevents.streams WHERE category = 'appendFastPathTest';
DROP ROLE IF EXISTS pgevents_test_fast_writer;
CREATE ROLE pgevents_test_fast_writer LOGIN IN ROLE pgevents_writer;

BEGIN;
\ir helpers.psql
SELECT plan(27);

-- "stats": a superuser session that counts function calls (track_functions
-- is superuser-only), then acts as pgevents_writer; "a", "b": writer logins.
-- Its pending call counts (pg_stat_get_xact_function_calls) are flushed only
-- outside a transaction block: each check compares with the count at BEGIN.
SELECT dblink_connect('stats', pg_temp.dsn()) \gset ignored_
SELECT dblink_exec('stats', 'SET track_functions = ''all''') \gset ignored_
SELECT dblink_exec('stats', 'SET ROLE pgevents_writer') \gset ignored_
SELECT dblink_connect('a', pg_temp.dsn_as('pgevents_test_fast_writer')) \gset ignored_
SELECT dblink_connect('b', pg_temp.dsn_as('pgevents_test_fast_writer')) \gset ignored_

-- The stream's first append creates its lock row (the general path).
SELECT is(
  (SELECT p FROM dblink('a', $$SELECT position FROM pgevents.append('appendFastPathTest', 's1', '[{"name": "Opened", "payload": 0}]')$$) AS t(p bigint)),
  0::bigint, 'First append: position 0');

SELECT dblink_exec('stats', 'BEGIN') \gset ignored_
SELECT (SELECT n FROM dblink('stats', $$SELECT COALESCE(pg_stat_get_xact_function_calls('pgevents.write_stream(text,text,jsonb,jsonb,text,integer)'::regprocedure), 0)$$) AS t(n bigint)) AS ws0 \gset
SELECT results_eq(
  $$SELECT * FROM dblink('stats', $q$SELECT position, name, payload, metadata, occurred_at = observed_at, transaction_id = pg_current_xact_id(),
                                           id IS NOT NULL
                                      FROM pgevents.append('appendFastPathTest', 's1', '[{"name": "Fast", "payload": {"a": 1}}]')$q$)
      AS t(position bigint, name text, payload jsonb, metadata jsonb, same_time boolean, own_xid boolean, has_id boolean)$$,
  $$VALUES (1::bigint, 'Fast', '{"a": 1}'::jsonb, 'null'::jsonb, true, true, true)$$,
  'Fast path: next position, the name and payload given, metadata null, occurred_at = observed_at, the writer''s transaction id, an id');
SELECT is(
  (SELECT n FROM dblink('stats', $$SELECT COALESCE(pg_stat_get_xact_function_calls('pgevents.write_stream(text,text,jsonb,jsonb,text,integer)'::regprocedure), 0)$$) AS t(n bigint)) - :ws0,
  0::bigint, 'Fast path taken: pgevents.write_stream was not called');
SELECT results_eq(
  $$SELECT * FROM dblink('stats', $q$SELECT position, name, payload, metadata, occurred_at = observed_at
                                      FROM pgevents.append('appendFastPathTest', 's1', '[{"name": "General", "payload": null, "metadata": {}}]')$q$)
      AS t(position bigint, name text, payload jsonb, metadata jsonb, same_time boolean)$$,
  $$VALUES (2::bigint, 'General', 'null'::jsonb, '{}'::jsonb, true)$$,
  'Same transaction, now with an id: the general path, next position');
SELECT is(
  (SELECT n FROM dblink('stats', $$SELECT COALESCE(pg_stat_get_xact_function_calls('pgevents.write_stream(text,text,jsonb,jsonb,text,integer)'::regprocedure), 0)$$) AS t(n bigint)) - :ws0,
  1::bigint, 'General path taken: pgevents.write_stream was called once');
SELECT dblink_exec('stats', 'COMMIT') \gset ignored_

-- An event with a new id takes the fast path and keeps its id; a retry of
-- the same event (a committed id) is write_stream's: idempotent, or PE107.
SELECT dblink_exec('stats', 'BEGIN') \gset ignored_
SELECT (SELECT n FROM dblink('stats', $$SELECT COALESCE(pg_stat_get_xact_function_calls('pgevents.write_stream(text,text,jsonb,jsonb,text,integer)'::regprocedure), 0)$$) AS t(n bigint)) AS ws0 \gset
SELECT results_eq(
  $$SELECT * FROM dblink('stats', $q$SELECT position, id FROM pgevents.append('appendFastPathTest', 's3',
      '[{"id": "0190a5e4-0000-7000-8000-00000000fa57", "name": "WithId", "payload": 1}]')$q$) AS t(position bigint, id uuid)$$,
  $$VALUES (0::bigint, '0190a5e4-0000-7000-8000-00000000fa57'::uuid)$$,
  'A new stream with an id: general path (no lock row yet), the id kept');
SELECT dblink_exec('stats', 'COMMIT') \gset ignored_
SELECT dblink_exec('stats', 'BEGIN') \gset ignored_
SELECT (SELECT n FROM dblink('stats', $$SELECT COALESCE(pg_stat_get_xact_function_calls('pgevents.write_stream(text,text,jsonb,jsonb,text,integer)'::regprocedure), 0)$$) AS t(n bigint)) AS ws0 \gset
SELECT results_eq(
  $$SELECT * FROM dblink('stats', $q$SELECT position, id FROM pgevents.append('appendFastPathTest', 's3',
      '[{"id": "0190a5e4-0000-7000-8000-00000000fa58", "name": "WithId", "payload": 2}]')$q$) AS t(position bigint, id uuid)$$,
  $$VALUES (1::bigint, '0190a5e4-0000-7000-8000-00000000fa58'::uuid)$$,
  'A new id: next position, the id kept');
SELECT is(
  (SELECT n FROM dblink('stats', $$SELECT COALESCE(pg_stat_get_xact_function_calls('pgevents.write_stream(text,text,jsonb,jsonb,text,integer)'::regprocedure), 0)$$) AS t(n bigint)) - :ws0,
  0::bigint, 'An event with a new id takes the fast path');
SELECT dblink_exec('stats', 'COMMIT') \gset ignored_
SELECT results_eq(
  $$SELECT * FROM dblink('a', $q$SELECT position, id FROM pgevents.append('appendFastPathTest', 's3',
      '[{"id": "0190a5e4-0000-7000-8000-00000000fa58", "name": "WithId", "payload": 2}]')$q$) AS t(position bigint, id uuid)$$,
  $$VALUES (1::bigint, '0190a5e4-0000-7000-8000-00000000fa58'::uuid)$$,
  'A retry of the committed event: the stored event, nothing new (idempotent)');
SELECT throws_ok(
  $$SELECT * FROM dblink('a', $q$SELECT position FROM pgevents.append('appendFastPathTest', 's3',
      '[{"id": "0190a5e4-0000-7000-8000-00000000fa58", "name": "WithId", "payload": 3}]')$q$) AS t(p bigint)$$,
  'PE107', NULL, 'The same id with other content: PE107');
SELECT throws_ok(
  $$SELECT * FROM dblink('a', $q$SELECT position FROM pgevents.append('appendFastPathTest', 's3',
      '[{"id": "0190a5e4-0000-7000-8000-00000000fa5", "name": "BadId", "payload": 3}]')$q$) AS t(p bigint)$$,
  'PE102', NULL, 'An id that is no UUID: PE102');
SELECT is((SELECT count(*) FROM pgevents.events WHERE category = 'appendFastPathTest' AND stream = 's3'), 2::bigint,
  'Retries and invalid ids wrote nothing');

-- observed_at never goes backwards: an import dated a day ahead of the
-- clock (the owner allows imports for that transaction only), then a fast
-- append takes its observed_at.
SELECT dblink_exec('stats', 'RESET ROLE') \gset ignored_
SELECT dblink_exec('stats', $$BEGIN;
  UPDATE pgevents.settings SET value = 'true' WHERE name = 'allow_observed_at';
  SELECT count(*) FROM pgevents.append('appendFastPathTest', 's2',
    jsonb_build_array(jsonb_build_object('name', 'Imported', 'payload', 1, 'observed_at', to_char((now() + interval '1 day') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))));
  UPDATE pgevents.settings SET value = 'false' WHERE name = 'allow_observed_at';
  COMMIT$$) \gset ignored_
SELECT is((SELECT value FROM pgevents.settings WHERE name = 'allow_observed_at'), 'false'::jsonb, 'Imports are off again');
SELECT results_eq(
  $$SELECT * FROM dblink('a', $q$SELECT position, observed_at = (SELECT max(observed_at) FROM pgevents.read_stream('appendFastPathTest', 's2')),
                                       occurred_at = observed_at, observed_at > now() + interval '23 hours'
                                  FROM pgevents.append('appendFastPathTest', 's2', '[{"name": "After", "payload": 2}]')$q$)
      AS t(position bigint, same_as_latest boolean, same_time boolean, ahead boolean)$$,
  $$VALUES (1::bigint, true, true, true)$$,
  'Fast path after an event dated ahead of the clock: observed_at (and occurred_at) = the latest''s, not earlier');

-- Waiting for the lock: "b" holds the stream lock with an uncommitted
-- event; "a"'s fast append waits, then continues after b's event.
SELECT dblink_exec('b', 'BEGIN') \gset ignored_
SELECT is(
  (SELECT p FROM dblink('b', $$SELECT position FROM pgevents.append('appendFastPathTest', 's1', '[{"name": "Holder", "payload": 3}]')$$) AS t(p bigint)),
  3::bigint, 'b appends position 3 and holds the stream lock');
SELECT is(dblink_send_query('a', $$SELECT position FROM pgevents.append('appendFastPathTest', 's1', '[{"name": "Waiter", "payload": 4}]')$$),
  1, 'a''s fast append is sent');
SELECT pg_sleep(0.3) \gset ignored_
SELECT is(dblink_is_busy('a'), 1, 'a waits for the stream lock');
SELECT dblink_exec('b', 'COMMIT') \gset ignored_
SELECT is((SELECT p FROM dblink_get_result('a') AS t(p bigint)), 4::bigint,
  'After b commits, a''s fast append gets position 4 (it read the latest position after the lock)');
SELECT is((SELECT count(*) FROM dblink_get_result('a') AS t(p bigint)), 0::bigint, 'a has no more results');

-- Outside the fast path's shape: the general path's errors and results.
SELECT throws_ok(
  $$SELECT * FROM dblink('a', $q$SELECT position FROM pgevents.append('appendFastPathTest', 's1', '[{"name": "", "payload": 5}]')$q$) AS t(p bigint)$$,
  'PE101', NULL, 'An empty event name: PE101, as on the general path');
SELECT throws_ok(
  $$SELECT * FROM dblink('a', $q$SELECT position FROM pgevents.append('appendFastPathTest', 's1', '[{"name": "NoPayload"}]')$q$) AS t(p bigint)$$,
  'PE102', NULL, 'An event without payload: PE102, as on the general path');
SELECT throws_ok(
  $$SELECT * FROM dblink('a', $q$SELECT position FROM pgevents.append('appendFastPathTest', 's1', jsonb_build_array(jsonb_build_object('name', repeat('n', 256), 'payload', 5)))$q$) AS t(p bigint)$$,
  'PE101', NULL, 'An event name of 256 characters: PE101');
SELECT throws_ok(
  $$SELECT * FROM dblink('a', $q$SELECT position FROM pgevents.append('appendFastPathTest', 's1', '[{"name": "Line\nbreak", "payload": 5}]')$q$) AS t(p bigint)$$,
  'PE101', NULL, 'An event name with a control character: PE101');
SELECT throws_ok(
  $$SELECT * FROM dblink('a', $q$SELECT position FROM pgevents.append('appendFastPathTest', 's1', '[{"name": 7, "payload": 5}]')$q$) AS t(p bigint)$$,
  'PE101', NULL, 'An event name that is not a string: PE101');
SELECT throws_ok(
  $$SELECT * FROM dblink('a', $q$SELECT position FROM pgevents.append('appendFastPathTest', 's1', '[{"name": "Extra", "payload": 5, "extra": 1}]')$q$) AS t(p bigint)$$,
  'PE102', NULL, 'An event with an unknown key: PE102');
SELECT throws_ok(
  $$SELECT * FROM dblink('a', $q$SELECT position FROM pgevents.append('appendFastPathTest', 's1', '["not an object"]')$q$) AS t(p bigint)$$,
  'PE102', NULL, 'An event that is not an object: PE102');
SELECT is((SELECT max(position) FROM pgevents.events WHERE category = 'appendFastPathTest' AND stream = 's1'), 4::bigint,
  'Invalid events wrote nothing');

SELECT dblink_disconnect('stats') \gset ignored_
SELECT dblink_disconnect('a') \gset ignored_
SELECT dblink_disconnect('b') \gset ignored_

SELECT * FROM finish();
ROLLBACK;

SET session_replication_role = replica;
DELETE FROM pgevents.events WHERE category = 'appendFastPathTest';
RESET session_replication_role;
DELETE FROM pgevents.streams WHERE category = 'appendFastPathTest';
DROP ROLE pgevents_test_fast_writer;
