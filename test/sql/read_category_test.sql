-- pgevents.read_category
--
-- - Category has committed events: all of them, in (transaction_id,
--   sequence_number) order, each stream in position order; no other category
-- - Resuming from a cursor returns what follows it; paging by any size
--   returns every event exactly once
-- - Limit (-1 and NULL: all; 0: none; below -1: PE106); NULL cursor: the start
-- - Fenced: only transactions below pg_snapshot_xmin(pg_current_snapshot())
--   * this transaction's own appends are not returned (its id is the fence)
--   * a second session's open transaction holds back events committed after
--     it started; once it commits, a reader resuming from its cursor gets
--     them all, the older transaction's first, none skipped
-- - Invalid category: PE101
-- - Cursors (issue 8, item 10), as a LOGIN role that is only a member of
--   pgevents_reader: a literal cursor resolves to the text overload, parsed
--   strictly: 'not-a-cursor' (used to read from the start) and '-1' (used to
--   skip everything) are PE106 on after_transaction_id, as are ids not
--   assigned yet (xid8 or text); a negative sequence number is PE106 on
--   after_sequence_number; a real cursor reads the same through both
--   overloads; nothing is written
-- - Plan: events_category_order_idx, no sort
-- Committed data: the fixtures and the two-session scenario need committed
-- events, so they run before the test transaction (this session holds no
-- transaction id then) in categories "readCategoryTest*", record what they saw
-- in psql variables, and are deleted at the end. The second session is dblink.
\ir helpers.psql
SET session_replication_role = replica; -- (superuser) lets the cleanup DELETE past the immutability trigger
DELETE FROM pgevents.events WHERE category LIKE 'readCategoryTest%';
RESET session_replication_role;

-- Fixtures: one transaction per statement.
SELECT count(*) FROM pgevents.append('readCategoryTest', 's1', '[{"name": "A0", "payload": 0}, {"name": "A1", "payload": 1}]') \gset ignored_
SELECT count(*) FROM pgevents.append('readCategoryTest', 's2', '[{"name": "B0", "payload": 0}]') \gset ignored_
SELECT count(*) FROM pgevents.append_streams('readCategoryTest', '{"s2": {"events": [{"name": "B1", "payload": 1}]}, "s1": {"events": [{"name": "A2", "payload": 2}]}}') \gset ignored_
SELECT count(*) FROM pgevents.append('readCategoryTestOther', 's1', '[{"name": "X0", "payload": 0}]') \gset ignored_

-- Two sessions. A reader has seen E0 and keeps its cursor.
SELECT count(*) FROM pgevents.append('readCategoryTestFence', 'writer', '[{"name": "E0", "payload": 0}]') \gset ignored_
SELECT transaction_id AS cursor_xid, sequence_number AS cursor_seq FROM pgevents.read_category('readCategoryTestFence') \gset
-- The holder opens a transaction (it gets an id), then the writer commits E2.
SELECT dblink_connect('holder', pg_temp.dsn()) \gset ignored_
SELECT dblink_exec('holder', 'BEGIN') \gset ignored_
SELECT n FROM dblink('holder', $$SELECT count(*) FROM pgevents.append('readCategoryTestFence', 'holder', '[{"name": "E1", "payload": 1}]')$$) AS t(n bigint) \gset ignored_
SELECT count(*) FROM pgevents.append('readCategoryTestFence', 'writer', '[{"name": "E2", "payload": 2}]') \gset ignored_
SELECT coalesce(string_agg(r.name, ',' ORDER BY r.ordinality), '') AS while_held
  FROM pgevents.read_category('readCategoryTestFence', :'cursor_xid', :cursor_seq) WITH ORDINALITY AS r \gset
SELECT count(*) AS while_held_stream FROM pgevents.read_stream('readCategoryTestFence', 'writer') \gset
-- The holder commits E1: older transaction id and lower sequence number than E2.
SELECT dblink_exec('holder', 'COMMIT') \gset ignored_
SELECT dblink_disconnect('holder') \gset ignored_
SELECT coalesce(string_agg(r.name, ',' ORDER BY r.ordinality), '') AS after_commit
  FROM pgevents.read_category('readCategoryTestFence', :'cursor_xid', :cursor_seq) WITH ORDINALITY AS r \gset
SELECT (SELECT sequence_number FROM pgevents.read_stream('readCategoryTestFence', 'holder'))
     < (SELECT sequence_number FROM pgevents.read_stream('readCategoryTestFence', 'writer', 1)) AS e1_has_lower_sequence \gset

BEGIN;
SELECT plan(39);

SELECT has_function('pgevents', 'read_category', ARRAY['text', 'xid8', 'bigint', 'integer'], 'read_category(category, after_transaction_id, after_sequence_number, limit) exists');
SELECT function_returns('pgevents', 'read_category', ARRAY['text', 'xid8', 'bigint', 'integer'], 'setof pgevents.events', 'read_category returns setof pgevents.events');
SELECT volatility_is('pgevents', 'read_category', ARRAY['text', 'xid8', 'bigint', 'integer'], 'stable', 'read_category is STABLE');

SELECT is_empty($$SELECT * FROM pgevents.read_category('readCategoryTestNothing')$$, 'Category is empty: no rows');
SELECT results_eq(
  $$SELECT name FROM pgevents.read_category('readCategoryTest')$$,
  $$VALUES ('A0'), ('A1'), ('B0'), ('A2'), ('B1')$$,
  'Category has events: all of them, in commit-safe order, none of another category');
SELECT results_eq(
  $$SELECT transaction_id, sequence_number FROM pgevents.read_category('readCategoryTest')$$,
  $$SELECT transaction_id, sequence_number FROM pgevents.events WHERE category = 'readCategoryTest' ORDER BY transaction_id, sequence_number$$,
  'Order is (transaction_id, sequence_number)');
SELECT results_eq(
  $$SELECT stream, position FROM pgevents.read_category('readCategoryTest') WHERE stream = 's1'$$,
  $$VALUES ('s1', 0::bigint), ('s1', 1), ('s1', 2)$$,
  'Within a stream: position order');
SELECT results_eq(
  $$SELECT * FROM pgevents.read_category('readCategoryTest') WHERE stream = 's2'$$,
  $$SELECT * FROM pgevents.read_stream('readCategoryTest', 's2')$$,
  'Rows equal what read_stream returns');
SELECT results_eq(
  $$SELECT name FROM pgevents.read_category('readCategoryTest', NULL, NULL)$$,
  $$VALUES ('A0'), ('A1'), ('B0'), ('A2'), ('B1')$$,
  'NULL cursor: from the start');

CREATE TEMP TABLE cursor_a1 AS SELECT transaction_id, sequence_number FROM pgevents.read_stream('readCategoryTest', 's1', 1, 1);
SELECT results_eq(
  $$SELECT name FROM cursor_a1 c, pgevents.read_category('readCategoryTest', c.transaction_id, c.sequence_number)$$,
  $$VALUES ('B0'), ('A2'), ('B1')$$,
  'Resuming from the cursor of A1: the events after it');
SELECT is_empty(
  $$SELECT * FROM pgevents.read_category('readCategoryTest',
      (SELECT transaction_id FROM pgevents.latest_event('readCategoryTest')), (SELECT sequence_number FROM pgevents.latest_event('readCategoryTest')))$$,
  'Resuming from the last event: no rows');
SELECT results_eq(
  $$SELECT name FROM pgevents.read_category('readCategoryTest', '0', 0, 2)$$,
  $$VALUES ('A0'), ('A1')$$,
  'Limit 2: the first two');
SELECT is_empty($$SELECT * FROM pgevents.read_category('readCategoryTest', '0', 0, 0)$$, 'Limit 0: no rows');
SELECT is((SELECT count(*) FROM pgevents.read_category('readCategoryTest', '0', 0, -1)), 5::bigint, 'Limit -1: all');
SELECT is((SELECT count(*) FROM pgevents.read_category('readCategoryTest', '0', 0, NULL)), 5::bigint, 'Limit NULL: all');

-- A reader paging by 2 from its last cursor.
CREATE FUNCTION pg_temp.page_through(p_category text, p_page int) RETURNS text
  LANGUAGE plpgsql AS $$
DECLARE
  _xid xid8 := '0';
  _seq bigint := 0;
  _seen text[] := '{}';
  _row pgevents.events;
  _n int;
BEGIN
  LOOP
    _n := 0;
    FOR _row IN SELECT * FROM pgevents.read_category(p_category, _xid, _seq, p_page) LOOP
      _seen := _seen || _row.name;
      _xid := _row.transaction_id;
      _seq := _row.sequence_number;
      _n := _n + 1;
    END LOOP;
    EXIT WHEN _n < p_page;
  END LOOP;
  RETURN array_to_string(_seen, ',');
END;
$$;
SELECT is(pg_temp.page_through('readCategoryTest', 2), 'A0,A1,B0,A2,B1', 'Paging by 2 from the last cursor: every event once, in order');
SELECT is(pg_temp.page_through('readCategoryTest', 1), 'A0,A1,B0,A2,B1', 'Paging by 1: the same');

-- The fence inside this transaction.
SELECT count(*) FROM pgevents.append('readCategoryTest', 's3', '[{"name": "Mine", "payload": 0}]') \gset ignored_
SELECT is(pg_snapshot_xmin(pg_current_snapshot()), pg_current_xact_id(), 'This transaction has an id: it is the fence');
SELECT results_eq(
  $$SELECT name FROM pgevents.read_category('readCategoryTest')$$,
  $$VALUES ('A0'), ('A1'), ('B0'), ('A2'), ('B1')$$,
  'Own uncommitted append: not returned (its transaction id is not below the fence)');
SELECT is((SELECT count(*) FROM pgevents.read_stream('readCategoryTest', 's3')), 1::bigint, 'Own uncommitted append: read_stream (not fenced) returns it');

-- The fence across sessions (recorded above).
SELECT is(:'while_held'::text, '', 'A second session''s older transaction is open: E2, committed after it started, is held back');
SELECT is(:'while_held_stream'::int, 2, 'Meanwhile read_stream (not fenced) already returns E2');
SELECT is(:'after_commit'::text, 'E1,E2', 'Once it commits, resuming from the old cursor returns E1 then E2: nothing skipped');
SELECT ok(:'e1_has_lower_sequence'::boolean, 'E1 has the lower sequence number: a reader that had taken E2 and resumed after its sequence number would have skipped E1');

SELECT throws_ok($$SELECT * FROM pgevents.read_category(NULL)$$, 'PE101', NULL, 'Category NULL: PE101');
SELECT throws_ok($$SELECT * FROM pgevents.read_category('')$$, 'PE101', NULL, 'Category empty: PE101');
SELECT throws_ok($$SELECT * FROM pgevents.read_category('readCategoryTest', '0', 0, -2)$$, 'PE106', NULL, 'Limit -2: PE106');

-- Cursors (issue 8, item 10).
SELECT has_function('pgevents', 'read_category', ARRAY['text', 'text', 'bigint', 'integer'], 'read_category(category, text cursor, ...) exists: what a literal resolves to');
SELECT ok(has_function_privilege('pgevents_reader', 'pgevents.read_category(text,text,bigint,integer)', 'EXECUTE')
      AND has_function_privilege('pgevents_writer', 'pgevents.read_category(text,text,bigint,integer)', 'EXECUTE')
      AND NOT has_function_privilege('public', 'pgevents.read_category(text,text,bigint,integer)', 'EXECUTE'),
  'read_category(text, text, ...): reader and writer may execute it, PUBLIC may not');
SELECT count(*) AS events_before FROM pgevents.events \gset
CREATE ROLE pgevents_test_category_cursor_reader LOGIN IN ROLE pgevents_reader;
SET LOCAL ROLE pgevents_test_category_cursor_reader;
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.read_category('readCategoryTest', 'not-a-cursor')$$) @> '{"sqlstate": "PE106", "detail": {"field": "after_transaction_id"}}',
  true, 'Reader: ''not-a-cursor'' is PE106 on after_transaction_id (it used to read from the start)');
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.read_category('readCategoryTest', '-1', 0, 10)$$) @> '{"sqlstate": "PE106", "detail": {"field": "after_transaction_id"}}',
  true, 'Reader: ''-1'' is PE106 on after_transaction_id (it used to skip everything)');
SELECT throws_ok($$SELECT * FROM pgevents.read_category('readCategoryTest', '18446744073709551615'::xid8)$$, 'PE106', NULL,
  'Reader: 2^64-1 as xid8 (not assigned yet): PE106');
SELECT throws_ok($$SELECT * FROM pgevents.read_category('readCategoryTest', '4294967296')$$, 'PE106', NULL,
  'Reader: 2^32 as text (epoch 1, not assigned yet): PE106');
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.read_category('readCategoryTest', '0', -1)$$) -> 'detail' ->> 'field', 'after_sequence_number',
  'Reader: a negative sequence number is PE106 on after_sequence_number');
SELECT results_eq(
  format($$SELECT sequence_number FROM pgevents.read_category('readCategoryTest', %L, %s)$$, :'cursor_xid', :cursor_seq),
  format($$SELECT sequence_number FROM pgevents.read_category('readCategoryTest', %L::xid8, %s)$$, :'cursor_xid', :cursor_seq),
  'Reader: a real cursor reads the same through the text and the xid8 overload');
RESET ROLE;
SELECT is((SELECT count(*) FROM pgevents.events), :'events_before'::bigint, 'Nothing written by the refused reads');

-- Plan check: read_category's query with the same WHERE/ORDER BY, as the
-- generic plan PL/pgSQL settles on, over a table of a few thousand events.
SELECT pg_temp.fill_for_plans() \gset ignored_
PREPARE read_category_query(text, xid8, bigint, integer) AS
  SELECT * FROM pgevents.events e
   WHERE e.category = $1
     AND (e.transaction_id, e.sequence_number) > (COALESCE($2, '0'::xid8), COALESCE($3, 0))
     AND e.transaction_id < pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot())
   ORDER BY e.transaction_id, e.sequence_number
   LIMIT $4;
SET LOCAL plan_cache_mode = force_generic_plan;
SELECT matches(pg_temp.plan_of($$EXECUTE read_category_query('planFill1', '0', 0, 1000)$$),
  '"Index Name": "events_category_order_idx"', 'Plan: read_category uses events_category_order_idx');
SELECT doesnt_match(pg_temp.plan_of($$EXECUTE read_category_query('planFill1', '0', 0, 1000)$$),
  '"Node Type": "Sort"', 'Plan: read_category needs no sort');
SELECT matches(pg_temp.plan_of($$EXECUTE read_category_query('planFill1', '0', 0, 1000)$$),
  '"Index Cond": "\(\(category = \$1\) AND \(ROW\(transaction_id, sequence_number\) > ROW', 'Plan: the cursor is an index condition, not a filter');

SELECT * FROM finish();
ROLLBACK;

SET session_replication_role = replica;
DELETE FROM pgevents.events WHERE category LIKE 'readCategoryTest%';
RESET session_replication_role;
