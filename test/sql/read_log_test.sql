-- pgevents.read_log
--
-- - Log has committed events: all of them after the cursor, in
--   (transaction_id, sequence_number) order, across categories
-- - Resuming from a cursor returns what follows it; limit (-1, NULL, 0)
-- - Fenced: this transaction's own appends are not returned; a second
--   session's open transaction holds back later commits, and after it commits
--   a reader resuming from its cursor gets everything, nothing skipped
-- - Limit below -1: PE106
-- - Cursors (issue 8, item 10), as a LOGIN role that is only a member of
--   pgevents_reader: a literal cursor resolves to the text overload, which
--   parses strictly ('not-a-cursor' used to read from 0, '-1' to skip
--   everything): PE106 field after_transaction_id; a transaction id not
--   assigned yet (xid8 or text, including ids whose low 32 bits are 0..2,
--   which pg_xact_status does not check): PE106; a negative sequence
--   number: PE106 field after_sequence_number. Nothing is written. A real
--   cursor reads the same through both overloads, and in a REPEATABLE READ
--   transaction a cursor of a transaction newer than the snapshot is not
--   refused (check_cursor's slow path)
-- - Plan: events_log_order_idx, no sort
-- Committed data: as in read_category_test.sql, set up before the test
-- transaction in categories "readLogTest*" (and "readLogLater", before the
-- start cursor) and deleted at the end. The
-- reader starts from the cursor of the log's latest event before the fixtures.
\ir helpers.psql
SET session_replication_role = replica; -- (superuser) lets the cleanup DELETE past the immutability trigger
DELETE FROM pgevents.events WHERE category LIKE 'readLogTest%' OR category = 'readLogLater';
RESET session_replication_role;

-- A REPEATABLE READ reader whose snapshot predates a transaction that
-- commits an event, reading after that event's cursor: not "from the future".
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT count(*) FROM pgevents.read_log('0', 0, 1) \gset ignored_
SELECT dblink_connect('later', pg_temp.dsn()) \gset ignored_
SELECT xid AS later_xid, seq AS later_seq
  FROM dblink('later', $$SELECT transaction_id::text, sequence_number FROM pgevents.append('readLogLater', 's', '[{"name": "L", "payload": 0}]')$$)
    AS t(xid text, seq bigint) \gset
SELECT dblink_disconnect('later') \gset ignored_
SELECT (:'later_xid'::xid8 >= pg_snapshot_xmax(pg_current_snapshot()))::text AS later_beyond_snapshot \gset
SELECT coalesce(pg_temp.error_of(format('SELECT * FROM pgevents.read_log(%L::xid8, %s)', :'later_xid', :later_seq))::text, 'none') AS rr_error \gset
COMMIT;

SELECT COALESCE((SELECT transaction_id FROM pgevents.latest_event()), '0') AS start_xid,
       COALESCE((SELECT sequence_number FROM pgevents.latest_event()), 0) AS start_seq \gset
SELECT count(*) FROM pgevents.append('readLogTestA', 's1', '[{"name": "A0", "payload": 0}, {"name": "A1", "payload": 1}]') \gset ignored_
SELECT count(*) FROM pgevents.append('readLogTestB', 's1', '[{"name": "B0", "payload": 0}]') \gset ignored_
SELECT count(*) FROM pgevents.append('readLogTestA', 's2', '[{"name": "C0", "payload": 0}]') \gset ignored_

-- Two sessions: the holder's transaction starts, the writer commits E2, the holder commits E1.
SELECT transaction_id AS cursor_xid, sequence_number AS cursor_seq FROM pgevents.latest_event() \gset
SELECT dblink_connect('holder', pg_temp.dsn()) \gset ignored_
SELECT dblink_exec('holder', 'BEGIN') \gset ignored_
SELECT n FROM dblink('holder', $$SELECT count(*) FROM pgevents.append('readLogTestFence', 'holder', '[{"name": "E1", "payload": 1}]')$$) AS t(n bigint) \gset ignored_
SELECT count(*) FROM pgevents.append('readLogTestFence', 'writer', '[{"name": "E2", "payload": 2}]') \gset ignored_
SELECT coalesce(string_agg(r.name, ',' ORDER BY r.ordinality), '') AS while_held
  FROM pgevents.read_log(:'cursor_xid', :cursor_seq) WITH ORDINALITY AS r \gset
SELECT dblink_exec('holder', 'COMMIT') \gset ignored_
SELECT dblink_disconnect('holder') \gset ignored_
SELECT coalesce(string_agg(r.name, ',' ORDER BY r.ordinality), '') AS after_commit
  FROM pgevents.read_log(:'cursor_xid', :cursor_seq) WITH ORDINALITY AS r \gset

BEGIN;
SELECT plan(37);

SELECT has_function('pgevents', 'read_log', ARRAY['xid8', 'bigint', 'integer'], 'read_log(after_transaction_id, after_sequence_number, limit) exists');
SELECT function_returns('pgevents', 'read_log', ARRAY['xid8', 'bigint', 'integer'], 'setof pgevents.events', 'read_log returns setof pgevents.events');
SELECT volatility_is('pgevents', 'read_log', ARRAY['xid8', 'bigint', 'integer'], 'stable', 'read_log is STABLE');

SELECT results_eq(
  format($$SELECT category, name FROM pgevents.read_log(%L, %s)$$, :'start_xid', :start_seq),
  $$VALUES ('readLogTestA', 'A0'), ('readLogTestA', 'A1'), ('readLogTestB', 'B0'), ('readLogTestA', 'C0'), ('readLogTestFence', 'E1'), ('readLogTestFence', 'E2')$$,
  'Log has events: all after the cursor, across categories, in commit-safe order');
SELECT results_eq(
  format($$SELECT transaction_id, sequence_number FROM pgevents.read_log(%L, %s)$$, :'start_xid', :start_seq),
  $$SELECT transaction_id, sequence_number FROM pgevents.events WHERE category LIKE 'readLogTest%' ORDER BY transaction_id, sequence_number$$,
  'Order is (transaction_id, sequence_number)');
SELECT ok((SELECT count(*) FROM pgevents.read_log()) >= 6, 'Default cursor: from the start of the log');
SELECT results_eq(
  $$SELECT name FROM pgevents.read_log(
      (SELECT transaction_id FROM pgevents.read_stream('readLogTestB', 's1')), (SELECT sequence_number FROM pgevents.read_stream('readLogTestB', 's1')))
     WHERE category LIKE 'readLogTest%'$$,
  $$VALUES ('C0'), ('E1'), ('E2')$$,
  'Resuming from the cursor of B0: the events after it');
SELECT results_eq(
  format($$SELECT name FROM pgevents.read_log(%L, %s, 2)$$, :'start_xid', :start_seq),
  $$VALUES ('A0'), ('A1')$$,
  'Limit 2: the first two after the cursor');
SELECT is_empty($$SELECT * FROM pgevents.read_log('0', 0, 0)$$, 'Limit 0: no rows');
SELECT is((SELECT count(*) FROM pgevents.read_log('0', 0, -1)), (SELECT count(*) FROM pgevents.events), 'Limit -1: all');
SELECT is((SELECT count(*) FROM pgevents.read_log(NULL, NULL, NULL)), (SELECT count(*) FROM pgevents.events), 'NULL cursor and limit: all');

SELECT count(*) FROM pgevents.append('readLogTestA', 's1', '[{"name": "Mine", "payload": 0}]') \gset ignored_
SELECT is_empty($$SELECT * FROM pgevents.read_log('0', 0, -1) WHERE name = 'Mine'$$, 'Own uncommitted append: not returned (fenced)');

SELECT is(:'while_held'::text, '', 'A second session''s older transaction is open: E2, committed after it started, is held back');
SELECT is(:'after_commit'::text, 'E1,E2', 'Once it commits, resuming from the old cursor returns E1 then E2: nothing skipped');

SELECT throws_ok($$SELECT * FROM pgevents.read_log('0', 0, -2)$$, 'PE106', NULL, 'Limit -2: PE106');

-- Cursors (issue 8, item 10).
SELECT has_function('pgevents', 'read_log', ARRAY['text', 'bigint', 'integer'], 'read_log(text cursor, ...) exists: what a literal resolves to');
SELECT function_returns('pgevents', 'read_log', ARRAY['text', 'bigint', 'integer'], 'setof pgevents.events', 'read_log(text, ...) returns setof pgevents.events');
SELECT volatility_is('pgevents', 'read_log', ARRAY['text', 'bigint', 'integer'], 'stable', 'read_log(text, ...) is STABLE');
SELECT ok(has_function_privilege('pgevents_reader', 'pgevents.read_log(text,bigint,integer)', 'EXECUTE')
      AND has_function_privilege('pgevents_writer', 'pgevents.read_log(text,bigint,integer)', 'EXECUTE')
      AND NOT has_function_privilege('public', 'pgevents.read_log(text,bigint,integer)', 'EXECUTE'),
  'read_log(text, ...): reader and writer may execute it, PUBLIC may not');
SELECT ok(NOT has_function_privilege('pgevents_reader', 'pgevents.check_cursor(xid8,bigint)', 'EXECUTE')
      AND NOT has_function_privilege('pgevents_reader', 'pgevents.parse_transaction_id(text)', 'EXECUTE'),
  'check_cursor and parse_transaction_id are internal');
SELECT is(:'later_beyond_snapshot'::text, 'true', 'Setup: the later transaction''s id is at or beyond the REPEATABLE READ snapshot''s xmax');
SELECT is(:'rr_error'::text, 'none', 'REPEATABLE READ: a cursor of a transaction newer than the snapshot (assigned, committed) is not refused');

SELECT count(*) AS events_before FROM pgevents.events \gset
CREATE ROLE pgevents_test_cursor_reader LOGIN IN ROLE pgevents_reader;
SET LOCAL ROLE pgevents_test_cursor_reader;
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.read_log('not-a-cursor')$$) -> 'detail',
  '{"field": "after_transaction_id", "reason": "must be a transaction id: decimal digits, at most 18446744073709551615 (got ''not-a-cursor'')"}'::jsonb,
  'Reader: ''not-a-cursor'' is PE106 on after_transaction_id (it used to read from the start)');
SELECT throws_ok($$SELECT * FROM pgevents.read_log('not-a-cursor', 0, 10)$$, 'PE106', NULL, 'Reader: ''not-a-cursor'': PE106');
SELECT throws_ok($$SELECT * FROM pgevents.read_log('-1')$$, 'PE106', NULL, 'Reader: ''-1'': PE106 (it used to skip everything)');
SELECT is_empty(
  $$SELECT c FROM unnest(ARRAY[' 1', '1 ', '', '+1', '1e3', '0x10', '12abc', '1.0', '18446744073709551616', '99999999999999999999999']) AS c
     WHERE pg_temp.error_of(format('SELECT * FROM pgevents.read_log(%L)', c)) @> '{"sqlstate": "PE106", "detail": {"field": "after_transaction_id"}}' IS NOT TRUE$$,
  'Reader: spaces, signs, exponents, hex, trailing text, 2^64 and beyond: each PE106 on after_transaction_id');
SELECT is_empty(
  $$SELECT c FROM unnest(ARRAY['18446744073709551615', '4611686018427387904', '9223372036854775808', '4294967296', '4294967297', '4294967298', '4294967299', '1099511627776000']) AS c
     WHERE pg_temp.error_of(format('SELECT * FROM pgevents.read_log(%L::xid8)', c)) @> '{"sqlstate": "PE106", "detail": {"field": "after_transaction_id"}}' IS NOT TRUE
        OR pg_temp.error_of(format('SELECT * FROM pgevents.read_log(%L)', c)) @> '{"sqlstate": "PE106", "detail": {"field": "after_transaction_id"}}' IS NOT TRUE$$,
  'Reader: transaction ids not assigned yet (xid8 or text; low 32 bits 0..3 too): each PE106 on after_transaction_id');
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.read_log('0', -1)$$) -> 'detail' ->> 'field', 'after_sequence_number',
  'Reader: a negative sequence number is PE106 on after_sequence_number');
SELECT throws_ok($$SELECT * FROM pgevents.read_log('0'::xid8, -5)$$, 'PE106', NULL, 'Reader: negative sequence number, xid8 version: PE106');
SELECT results_eq(
  format($$SELECT sequence_number FROM pgevents.read_log(%L, %s, -1)$$, :'start_xid', :start_seq),
  format($$SELECT sequence_number FROM pgevents.read_log(%L::xid8, %s, -1)$$, :'start_xid', :start_seq),
  'Reader: a real cursor reads the same through the text and the xid8 overload');
SELECT lives_ok($$SELECT * FROM pgevents.read_log('00', 0, 1)$$, 'Reader: leading zeros are digits too');
SELECT is((SELECT count(*) FROM pgevents.read_log(NULL::text, NULL, NULL)), (SELECT count(*) FROM pgevents.read_log(NULL::xid8, NULL, NULL)), 'Reader: NULL text cursor: the start');
RESET ROLE;
SELECT is((SELECT count(*) FROM pgevents.events), :'events_before'::bigint, 'Nothing written by the refused reads');

-- Plan check: read_log's query with the same WHERE/ORDER BY, as the generic
-- plan PL/pgSQL settles on, over a table of a few thousand events.
SELECT pg_temp.fill_for_plans() \gset ignored_
PREPARE read_log_query(xid8, bigint, integer) AS
  SELECT * FROM pgevents.events e
   WHERE (e.transaction_id, e.sequence_number) > (COALESCE($1, '0'::xid8), COALESCE($2, 0))
     AND e.transaction_id < pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot())
   ORDER BY e.transaction_id, e.sequence_number
   LIMIT $3;
SET LOCAL plan_cache_mode = force_generic_plan;
SELECT matches(pg_temp.plan_of($$EXECUTE read_log_query('0', 0, 1000)$$),
  '"Index Name": "events_log_order_idx"', 'Plan: read_log uses events_log_order_idx');
SELECT doesnt_match(pg_temp.plan_of($$EXECUTE read_log_query('0', 0, 1000)$$),
  '"Node Type": "Sort"', 'Plan: read_log needs no sort');
SELECT matches(pg_temp.plan_of($$EXECUTE read_log_query('0', 0, 1000)$$),
  '"Index Cond": "\(\(ROW\(transaction_id, sequence_number\) > ROW', 'Plan: the cursor is an index condition, not a filter');
RESET plan_cache_mode;
SELECT matches(pg_temp.plan_of($$EXECUTE read_log_query('0', 0, 1000)$$),
  '"Index Name": "events_log_order_idx"', 'Plan: the custom plan (first executions) uses events_log_order_idx too');

SELECT * FROM finish();
ROLLBACK;

SET session_replication_role = replica;
DELETE FROM pgevents.events WHERE category LIKE 'readLogTest%' OR category = 'readLogLater';
RESET session_replication_role;
