-- Reads as cheap as the SELECT they wrap (issue 10): read_stream,
-- read_category and read_log are inlined into the calling statement.
--
-- - Each read (and the text-cursor overloads) plans as the raw SELECT under
--   a one-time filter (the checks): no Function Scan (no tuplestore)
-- - Inlining preconditions hold: LANGUAGE sql, not SECURITY DEFINER, no SET
--   clause, STABLE; every name, operator and type in the bodies is
--   schema-qualified, so a caller's search_path cannot redirect them: a
--   login with an operator = (text, text) that matches everything, first in
--   its search_path, reads exactly its category/stream
-- - The checks run once per call, whatever the call returns: with a limit of
--   0 and with NULL arguments (which would otherwise fold the query to an
--   empty one) a bad argument is still PE101/PE106, with the same DETAIL
-- - Privileges: a pgevents_writer login and a pgevents_reader login read
--   through the functions (the writer via pgevents.readable_events); the
--   writer still has no privilege on pgevents.events (SELECT is 42501); no
--   role can INSERT/UPDATE/DELETE through pgevents.readable_events (42501),
--   and nothing changed; PUBLIC has no privilege on it
BEGIN;
\ir helpers.psql
SELECT plan(32);

SELECT count(*) FROM pgevents.append('inlineA', 's1', '[{"name": "A1", "payload": 1}, {"name": "A2", "payload": 2}, {"name": "A3", "payload": 3}]') \gset ignored_
SELECT count(*) FROM pgevents.append('inlineB', 's1', '[{"name": "B1", "payload": 1}]') \gset ignored_

-- Plans: no Function Scan anywhere.
SELECT is_empty(
  $$SELECT q FROM unnest(ARRAY[
      'SELECT * FROM pgevents.read_stream(''inlineA'', ''s1'')',
      'SELECT * FROM pgevents.read_stream(''inlineA'', ''s1'', 1, 2)',
      'SELECT * FROM pgevents.read_category(''inlineA'')',
      'SELECT * FROM pgevents.read_category(''inlineA'', ''5''::xid8, 3, 10)',
      'SELECT * FROM pgevents.read_category(''inlineA'', ''5'', 3, 10)',
      'SELECT * FROM pgevents.read_log()',
      'SELECT * FROM pgevents.read_log(''5''::xid8, 3, 10)',
      'SELECT * FROM pgevents.read_log(''5'', 3, 10)']) AS q
     WHERE pg_temp.plan_of(q) LIKE '%Function Scan%'$$,
  'Every read plans as a scan of the events under its checks'' one-time filter: no Function Scan (inlined)');
SELECT is_empty(
  $$SELECT p.oid::regprocedure FROM pg_proc p
     WHERE p.oid IN ('pgevents.read_stream(text,text,bigint,integer)'::regprocedure,
                     'pgevents.read_category(text,xid8,bigint,integer)'::regprocedure,
                     'pgevents.read_category(text,text,bigint,integer)'::regprocedure,
                     'pgevents.read_log(xid8,bigint,integer)'::regprocedure,
                     'pgevents.read_log(text,bigint,integer)'::regprocedure)
       AND (p.prolang <> (SELECT l.oid FROM pg_language l WHERE l.lanname = 'sql')
            OR p.prosecdef OR p.proconfig IS NOT NULL OR p.provolatile <> 's' OR p.proisstrict)$$,
  'The read functions are LANGUAGE sql, STABLE, not STRICT, not SECURITY DEFINER, without SET clause (inlinable)');
SELECT results_eq(
  $$SELECT sequence_number FROM pgevents.read_category('inlineA', NULL, NULL, 2)$$,
  $$SELECT sequence_number FROM pgevents.events e WHERE e.category = 'inlineA'
       AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot()) ORDER BY transaction_id, sequence_number LIMIT 2$$,
  'read_category: what the raw fenced SELECT returns (this transaction''s events are above the fence)');
SELECT results_eq(
  $$SELECT name FROM pgevents.read_stream('inlineA', 's1', 1)$$, $$VALUES ('A2'), ('A3')$$,
  'read_stream: from a position');

-- Checks with a limit of 0 and with NULL arguments.
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.read_category('', '0'::xid8, 0, 0)$$) -> 'sqlstate', '"PE101"', 'read_category, limit 0, empty category: PE101');
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.read_category('inlineA', '0'::xid8, -1, 0)$$) -> 'detail' ->> 'field', 'after_sequence_number', 'read_category, limit 0, negative sequence number: PE106');
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.read_category('inlineA', '18446744073709551615'::xid8, 0, 0)$$) -> 'detail' ->> 'field', 'after_transaction_id', 'read_category, limit 0, cursor from the future: PE106');
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.read_category(NULL)$$) -> 'sqlstate', '"PE101"', 'read_category(NULL): PE101');
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.read_category(NULL, '0'::xid8, 0, 0)$$) -> 'sqlstate', '"PE101"', 'read_category(NULL), limit 0: PE101');
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.read_category('inlineA', '0'::xid8, 0, -2)$$) -> 'detail' ->> 'field', 'limit', 'read_category, limit -2: PE106 on limit');
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.read_log('18446744073709551615'::xid8, 0, 0)$$) -> 'detail' ->> 'field', 'after_transaction_id', 'read_log, limit 0, cursor from the future: PE106');
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.read_log('18446744073709551615'::xid8)$$) -> 'detail' ->> 'field', 'after_transaction_id', 'read_log, cursor from the future, nothing to read after it: PE106');
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.read_category('inlineA', '0'::xid8, 0, -2)$$) -> 'detail' ->> 'field', 'limit', 'read_category, limit -2, rows to read: PE106 on limit');
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.read_log('x', 0, 0)$$) -> 'detail' ->> 'field', 'after_transaction_id', 'read_log(text), limit 0, malformed cursor: PE106');
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.read_stream('inlineA', '', 0, 0)$$) -> 'sqlstate', '"PE101"', 'read_stream, limit 0, empty stream: PE101');
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.read_stream('inlineA', NULL)$$) -> 'sqlstate', '"PE101"', 'read_stream(c, NULL): PE101');
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.read_stream(NULL, 's1')$$) -> 'sqlstate', '"PE101"', 'read_stream(NULL, s): PE101');
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.read_stream('inlineA', 's1', NULL)$$) -> 'detail' ->> 'field', 'from_position', 'read_stream, NULL from_position: PE106');
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.read_stream('inlineA', 's1', -1, 0)$$) -> 'detail' ->> 'field', 'from_position', 'read_stream, limit 0, negative from_position: PE106');

-- A caller's search_path cannot redirect the inlined bodies.
CREATE SCHEMA inline_evil;
CREATE FUNCTION inline_evil.always(text, text) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT true';
CREATE OPERATOR inline_evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = inline_evil.always);
CREATE FUNCTION inline_evil.always_ge(bigint, bigint) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT true';
CREATE OPERATOR inline_evil.>= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = inline_evil.always_ge);
CREATE ROLE pgevents_test_inline_reader LOGIN IN ROLE pgevents_reader;
GRANT USAGE ON SCHEMA inline_evil TO pgevents_test_inline_reader;
SET LOCAL ROLE pgevents_test_inline_reader;
SET LOCAL search_path = inline_evil, pg_catalog, public;
SELECT ('x'::text = 'y'::text) AS hijack_setup \gset
SELECT string_agg(name, ',') AS hijack_stream FROM pgevents.read_stream('inlineA', 's1', 2) \gset
SELECT pg_temp.plan_of('SELECT * FROM pgevents.read_category(''inlineB'')') AS hijack_category_plan \gset
SELECT pg_temp.plan_of('SELECT * FROM pgevents.read_stream(''inlineA'', ''s1'', 2)') AS hijack_stream_plan \gset
RESET search_path;
SELECT is(:'hijack_setup'::boolean, true, 'Setup: the login''s = (text, text) matches everything');
SELECT is(:'hijack_stream'::text, 'A3', 'Hijacking search_path: read_stream still reads its stream from its position only');
SELECT ok(:'hijack_category_plan' NOT LIKE '%inline_evil%' AND :'hijack_stream_plan' NOT LIKE '%inline_evil%',
  'Hijacking search_path: the inlined plans use pg_catalog''s operators');
RESET ROLE;

-- Privileges.
SELECT count(*) AS events_before FROM pgevents.events \gset
CREATE ROLE pgevents_test_inline_writer LOGIN IN ROLE pgevents_writer;
SET LOCAL ROLE pgevents_test_inline_writer;
SELECT lives_ok($$SELECT * FROM pgevents.read_category('inlineA', NULL, NULL, 1)$$, 'Writer login: read_category');
SELECT results_eq($$SELECT name FROM pgevents.read_stream('inlineB', 's1')$$, $$VALUES ('B1'::text)$$, 'Writer login: read_stream');
SELECT lives_ok($$SELECT * FROM pgevents.read_log('0', 0, 5)$$, 'Writer login: read_log (text cursor)');
SELECT throws_ok($$SELECT * FROM pgevents.events$$, '42501', NULL, 'Writer login: SELECT from pgevents.events is still denied');
SELECT throws_ok($$INSERT INTO pgevents.readable_events (id, category, stream, position, name, payload, metadata, occurred_at, observed_at)
  VALUES (gen_random_uuid(), 'inlineA', 's1', 3, 'Forged', '1', '{}', now(), now())$$, '42501', NULL, 'Writer login: INSERT through readable_events is denied');
SELECT throws_ok($$UPDATE pgevents.readable_events SET name = 'Forged'$$, '42501', NULL, 'Writer login: UPDATE through readable_events is denied');
SELECT throws_ok($$DELETE FROM pgevents.readable_events$$, '42501', NULL, 'Writer login: DELETE through readable_events is denied');
RESET ROLE;
SET LOCAL ROLE pgevents_test_inline_reader;
SELECT throws_ok($$DELETE FROM pgevents.readable_events$$, '42501', NULL, 'Reader login: DELETE through readable_events is denied');
RESET ROLE;
SELECT is((SELECT count(*) FROM pgevents.events), :events_before::bigint, 'Nothing was written or deleted');
SELECT table_privs_are('pgevents', 'readable_events', 'public', ARRAY[]::text[], 'PUBLIC has no privilege on pgevents.readable_events');

SELECT * FROM finish();
ROLLBACK;
