-- Privileges: the least-privilege roles pgevents_writer and pgevents_reader
--
-- - Both roles exist and cannot log in
-- - Writer: may call the write and read API (append, append_streams, read_*,
--   latest_event, stream_position, fence_lag, identifier) and nothing else:
--   no direct SELECT/INSERT/UPDATE/DELETE/TRUNCATE of pgevents.events, no
--   internal function (write_stream, register_condition_type, ...)
-- - Reader: may call the read API and SELECT pgevents.events; may not append
--   or change anything
-- - PUBLIC and a role without grants: nothing
-- - A routine added to the schema later (by the owner, moved into it, in an
--   extension created in it) is not executable by PUBLIC, so a reader login
--   cannot call it (event trigger pgevents_revoke_public_execute: these
--   tests install as a superuser)
-- - An installation with its own roles (setting roles_prefix, then
--   pgevents.apply_roles as every migrate runs it): every privilege moves
--   from pgevents_reader/pgevents_writer to <prefix>_reader/_writer, so a
--   member of pgevents_writer can no longer write; a bad prefix, or an
--   existing login role of that name: PE113
-- The tests run as each role with SET LOCAL ROLE (LOGIN roles where the
-- attack is a login's).
BEGIN;
\ir helpers.psql
SELECT plan(71);

SELECT has_role('pgevents_writer', 'Role pgevents_writer exists');
SELECT has_role('pgevents_reader', 'Role pgevents_reader exists');
SELECT ok(NOT (SELECT rolcanlogin OR rolsuper FROM pg_roles WHERE rolname = 'pgevents_writer'), 'pgevents_writer: NOLOGIN, not a superuser');
SELECT ok(NOT (SELECT rolcanlogin OR rolsuper FROM pg_roles WHERE rolname = 'pgevents_reader'), 'pgevents_reader: NOLOGIN, not a superuser');

-- The event store API, and the internal functions that must stay owner-only.
-- (Other parts of the kit, such as projections, grant their own functions;
-- these checks cover the event store's.)
CREATE TEMP TABLE api (fn text, writer boolean, reader boolean);
INSERT INTO api VALUES
  ('pgevents.append(text,text,jsonb,jsonb,text)', true, false),
  ('pgevents.append_streams(text,jsonb,text)', true, false),
  ('pgevents.read_stream(text,text,bigint,integer)', true, true),
  ('pgevents.read_category(text,xid8,bigint,integer)', true, true),
  ('pgevents.read_log(xid8,bigint,integer)', true, true),
  ('pgevents.read_log_by_sequence(bigint,integer,text)', true, true),
  ('pgevents.latest_event(text,text)', true, true),
  ('pgevents.stream_position(text,text)', true, true),
  ('pgevents.fence_lag()', true, true),
  ('pgevents.identifier(text,text)', true, true),
  ('pgevents.write_stream(text,text,jsonb,jsonb,text,integer)', false, false),
  ('pgevents.evaluate_condition(jsonb,text,text,pgevents.events,text)', false, false),
  ('pgevents.register_condition_type(text,regprocedure)', false, false),
  ('pgevents.check_name(text,text)', true, true),
  ('pgevents.check_invalid_name(text,text)', true, true),
  ('pgevents.is_valid_event(jsonb)', false, false),
  ('pgevents.check_events(jsonb,text)', false, false),
  ('pgevents.any_event_stored(uuid[])', false, false),
  ('pgevents.check_limit(integer)', true, true),
  ('pgevents.lock_scope(text,text)', false, false),
  ('pgevents.parse_timestamp(text,jsonb)', true, true),
  ('pgevents.raise_invalid(text,text,text)', true, true),
  ('pgevents.forbid_event_changes()', false, false),
  ('pgevents.apply_roles()', false, false),
  ('pgevents.revoke_public_execute()', false, false),
  ('pgevents.check_condition(jsonb,text)', false, false),
  ('pgevents.setting(text)', false, false);
SELECT is_empty($$SELECT fn FROM api WHERE to_regprocedure(fn) IS NULL$$, 'Every event store function listed here exists');
SELECT results_eq(
  $$SELECT fn, has_function_privilege('pgevents_writer', fn, 'EXECUTE') FROM api ORDER BY fn$$,
  $$SELECT fn, writer FROM api ORDER BY fn$$,
  'Writer may execute the write and read API and the pure helpers, no internal function');
SELECT results_eq(
  $$SELECT fn, has_function_privilege('pgevents_reader', fn, 'EXECUTE') FROM api ORDER BY fn$$,
  $$SELECT fn, reader FROM api ORDER BY fn$$,
  'Reader may execute the read API and the pure helpers only');
SELECT is_empty(
  $$SELECT p.oid::regprocedure FROM pg_proc p
     WHERE p.pronamespace = 'pgevents'::regnamespace AND has_function_privilege('public', p.oid, 'EXECUTE')$$,
  'PUBLIC may execute no pgevents function');
SELECT table_privs_are('pgevents', 'events', 'pgevents_writer', ARRAY[]::text[], 'Writer has no privilege on pgevents.events');
SELECT table_privs_are('pgevents', 'events', 'pgevents_reader', ARRAY['SELECT'], 'Reader may only SELECT pgevents.events');
SELECT table_privs_are('pgevents', 'events', 'public', ARRAY[]::text[], 'PUBLIC has no privilege on pgevents.events');
SELECT table_privs_are('pgevents', 'condition_types', 'pgevents_writer', ARRAY['SELECT'], 'Writer may only SELECT pgevents.condition_types');

SELECT count(*) FROM pgevents.append('privileges', 'existing', '[{"name": "Existing", "payload": 1}]') \gset ignored_

-- Writer
SET LOCAL ROLE pgevents_writer;
SELECT results_eq(
  $$SELECT position FROM pgevents.append('privileges', 'writer-1', '[{"name": "Written", "payload": 1}]', '{"type": "stream_is_empty"}')$$,
  $$VALUES (0::bigint)$$, 'Writer: append');
SELECT results_eq(
  $$SELECT stream FROM pgevents.append_streams('privileges', '{"writer-2": {"events": [{"name": "Written", "payload": 2}]}}')$$,
  $$VALUES ('writer-2')$$, 'Writer: append_streams');
SELECT results_eq($$SELECT name FROM pgevents.read_stream('privileges', 'writer-1')$$, $$VALUES ('Written')$$, 'Writer: read_stream');
SELECT lives_ok($$SELECT * FROM pgevents.read_category('privileges')$$, 'Writer: read_category');
SELECT lives_ok($$SELECT * FROM pgevents.read_log()$$, 'Writer: read_log');
SELECT lives_ok($$SELECT * FROM pgevents.read_log_by_sequence()$$, 'Writer: read_log_by_sequence');
SELECT results_eq($$SELECT name FROM pgevents.latest_event('privileges', 'existing')$$, $$VALUES ('Existing')$$, 'Writer: latest_event');
SELECT is(pgevents.stream_position('privileges', 'writer-1'), 0::bigint, 'Writer: stream_position');
SELECT lives_ok($$SELECT * FROM pgevents.fence_lag()$$, 'Writer: fence_lag');
SELECT is(pgevents.identifier(), '{"type": "log"}'::jsonb, 'Writer: identifier() of the log');
SELECT lives_ok($$SELECT pgevents.identifier('privileges', 'writer-1')$$, 'Writer: identifier of a stream');
SELECT throws_ok($$INSERT INTO pgevents.events (id, category, stream, position, name, payload, metadata, occurred_at, observed_at)
  VALUES (gen_random_uuid(), 'privileges', 'forged', 0, 'Forged', '{}', 'null', now(), now())$$, '42501', NULL, 'Writer: INSERT into pgevents.events is denied');
SELECT throws_ok($$UPDATE pgevents.events SET payload = '{}'$$, '42501', NULL, 'Writer: UPDATE is denied');
SELECT throws_ok($$DELETE FROM pgevents.events$$, '42501', NULL, 'Writer: DELETE is denied');
SELECT throws_ok($$TRUNCATE pgevents.events$$, '42501', NULL, 'Writer: TRUNCATE is denied');
SELECT throws_ok($$SELECT * FROM pgevents.events$$, '42501', NULL, 'Writer: SELECT from pgevents.events is denied (read through the functions)');
SELECT throws_ok($$SELECT * FROM pgevents.write_stream('privileges', 'writer-1', '[{"name": "Bypass", "payload": 1}]', NULL)$$,
  '42501', NULL, 'Writer: write_stream (internal, skips name checks and scope locks) is denied');
SELECT throws_ok($$SELECT pgevents.register_condition_type('anything', 'pg_catalog.now()')$$, '42501', NULL, 'Writer: register_condition_type is denied');
SELECT throws_ok($$SELECT pgevents.evaluate_condition('{"type": "none"}', 'privileges', 'writer-1', NULL)$$, '42501', NULL, 'Writer: evaluate_condition is denied');
SELECT throws_ok($$SELECT pgevents.lock_scope('log', 'privileges')$$, '42501', NULL, 'Writer: lock_scope is denied');
SELECT throws_ok($$INSERT INTO pgevents.condition_types VALUES ('anything', 'pg_catalog.now()')$$, '42501', NULL, 'Writer: INSERT into condition_types is denied');
RESET ROLE;

-- Reader
SET LOCAL ROLE pgevents_reader;
SELECT results_eq($$SELECT name FROM pgevents.read_stream('privileges', 'existing')$$, $$VALUES ('Existing')$$, 'Reader: read_stream');
SELECT lives_ok($$SELECT * FROM pgevents.read_category('privileges')$$, 'Reader: read_category');
SELECT throws_ok($$SELECT pgevents.identifier('privileges', '')$$, 'PE101', NULL, 'Reader: an invalid name is PE101, not a permission error (identifier runs as the caller)');
SELECT lives_ok($$SELECT * FROM pgevents.read_log()$$, 'Reader: read_log');
SELECT lives_ok($$SELECT * FROM pgevents.read_log_by_sequence()$$, 'Reader: read_log_by_sequence');
SELECT results_eq($$SELECT name FROM pgevents.latest_event('privileges', 'existing')$$, $$VALUES ('Existing')$$, 'Reader: latest_event');
SELECT is(pgevents.stream_position('privileges', 'existing'), 0::bigint, 'Reader: stream_position');
SELECT lives_ok($$SELECT pgevents.identifier('privileges')$$, 'Reader: identifier of a category');
SELECT results_eq($$SELECT name FROM pgevents.events WHERE category = 'privileges' AND stream = 'existing'$$, $$VALUES ('Existing')$$, 'Reader: SELECT from pgevents.events');
SELECT throws_ok($$SELECT * FROM pgevents.append('privileges', 'reader-1', '[{"name": "A", "payload": 1}]')$$, '42501', NULL, 'Reader: append is denied');
SELECT throws_ok($$SELECT * FROM pgevents.append_streams('privileges', '{"reader-1": {"events": [{"name": "A", "payload": 1}]}}')$$, '42501', NULL, 'Reader: append_streams is denied');
SELECT throws_ok($$INSERT INTO pgevents.events (id, category, stream, position, name, payload, metadata, occurred_at, observed_at)
  VALUES (gen_random_uuid(), 'privileges', 'forged', 0, 'Forged', '{}', 'null', now(), now())$$, '42501', NULL, 'Reader: INSERT is denied');
SELECT throws_ok($$UPDATE pgevents.events SET payload = '{}' WHERE false$$, '42501', NULL, 'Reader: UPDATE is denied');
SELECT throws_ok($$DELETE FROM pgevents.events WHERE false$$, '42501', NULL, 'Reader: DELETE is denied');
SELECT throws_ok($$TRUNCATE pgevents.events$$, '42501', NULL, 'Reader: TRUNCATE is denied');
RESET ROLE;

-- A role without grants
CREATE ROLE pgevents_test_nobody NOLOGIN;
SET LOCAL ROLE pgevents_test_nobody;
SELECT throws_ok($$SELECT * FROM pgevents.read_stream('privileges', 'existing')$$, '42501', NULL, 'A role without grants: read_stream is denied');
SELECT throws_ok($$SELECT * FROM pgevents.append('privileges', 'nobody', '[{"name": "A", "payload": 1}]')$$, '42501', NULL, 'A role without grants: append is denied');
RESET ROLE;

-- Routines added to the schema later: not executable by PUBLIC.
CREATE ROLE pgevents_test_reader_login LOGIN;
GRANT pgevents_reader TO pgevents_test_reader_login;
SELECT is((SELECT evtenabled::text || ' ' || evtevent FROM pg_event_trigger WHERE evtname = 'pgevents_revoke_public_execute'),
  'O ddl_command_end', 'Event trigger pgevents_revoke_public_execute is enabled (superuser install)');
CREATE FUNCTION pgevents.added_later() RETURNS bigint LANGUAGE sql SECURITY DEFINER
  AS $$ SELECT count(*) FROM pgevents.events $$;
CREATE FUNCTION public.moved_in() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
ALTER FUNCTION public.moved_in() SET SCHEMA pgevents;
CREATE PROCEDURE pgevents.added_procedure() LANGUAGE sql AS $$ SELECT 1 $$;
CREATE OR REPLACE FUNCTION pgevents.added_later() RETURNS bigint LANGUAGE sql SECURITY DEFINER
  AS $$ SELECT count(*) + 0 FROM pgevents.events $$;
SELECT is_empty(
  $$SELECT p.oid::regprocedure FROM pg_proc p
     WHERE p.pronamespace = 'pgevents'::regnamespace AND has_function_privilege('public', p.oid, 'EXECUTE')$$,
  'Routines added later (created, replaced, moved in, a procedure): PUBLIC may execute none');
SET LOCAL ROLE pgevents_test_reader_login;
SELECT throws_ok($$SELECT pgevents.added_later()$$, '42501', NULL, 'Reader login: a SECURITY DEFINER function added later is denied');
SELECT throws_ok($$SELECT pgevents.moved_in()$$, '42501', NULL, 'Reader login: a function moved into the schema is denied');
SELECT throws_ok($$CALL pgevents.added_procedure()$$, '42501', NULL, 'Reader login: a procedure added later is denied');
RESET ROLE;
CREATE FUNCTION public.elsewhere() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
SELECT ok(has_function_privilege('public', 'public.elsewhere()', 'EXECUTE'), 'A function created in another schema keeps PUBLIC''s EXECUTE');
SELECT lives_ok($$GRANT EXECUTE ON FUNCTION pgevents.added_later() TO pgevents_reader$$, 'An explicit GRANT still works');
SET LOCAL ROLE pgevents_test_reader_login;
SELECT lives_ok($$SELECT pgevents.added_later()$$, 'Reader login: granted explicitly, it may call it');
RESET ROLE;

-- An installation with its own roles (last: it moves the grants away from
-- the roles the tests above use).
CREATE ROLE pgevents_test_writer_login LOGIN;
GRANT pgevents_writer TO pgevents_test_writer_login;
UPDATE pgevents.settings SET value = '"Bad-Prefix"' WHERE name = 'roles_prefix';
SELECT throws_ok($$SELECT pgevents.apply_roles()$$, 'PE113', NULL, 'A roles prefix that is not a lowercase name: PE113');
CREATE ROLE pgevents_test_login_writer LOGIN;
UPDATE pgevents.settings SET value = '"pgevents_test_login"' WHERE name = 'roles_prefix';
SELECT throws_ok($$SELECT pgevents.apply_roles()$$, 'PE113', NULL, 'An existing login role named <prefix>_writer: PE113');
UPDATE pgevents.settings SET value = '"pgevents_test_own"' WHERE name = 'roles_prefix';
SELECT lives_ok($$SELECT pgevents.apply_roles()$$, 'apply_roles with the prefix pgevents_test_own');
SELECT ok(NOT rolcanlogin AND NOT rolsuper, 'It created ' || rolname || ' (NOLOGIN)')
  FROM pg_roles WHERE rolname IN ('pgevents_test_own_reader', 'pgevents_test_own_writer') ORDER BY rolname;
SELECT is_empty($$
  SELECT 'schema' FROM pg_namespace n, aclexplode(n.nspacl) a WHERE n.nspname = 'pgevents' AND a.grantee IN ('pgevents_reader'::regrole, 'pgevents_writer'::regrole)
  UNION ALL SELECT c.oid::regclass::text FROM pg_class c, aclexplode(c.relacl) a
   WHERE c.relnamespace = 'pgevents'::regnamespace AND a.grantee IN ('pgevents_reader'::regrole, 'pgevents_writer'::regrole)
  UNION ALL SELECT p.oid::regprocedure::text FROM pg_proc p, aclexplode(p.proacl) a
   WHERE p.pronamespace = 'pgevents'::regnamespace AND a.grantee IN ('pgevents_reader'::regrole, 'pgevents_writer'::regrole)$$,
  'pgevents_reader and pgevents_writer keep no privilege in this installation');
SELECT results_eq(
  $$SELECT fn, has_function_privilege('pgevents_test_own_writer', fn, 'EXECUTE') FROM api ORDER BY fn$$,
  $$SELECT fn, writer FROM api ORDER BY fn$$,
  'The installation''s writer has exactly the writer''s function privileges');
SELECT results_eq(
  $$SELECT fn, has_function_privilege('pgevents_test_own_reader', fn, 'EXECUTE') FROM api ORDER BY fn$$,
  $$SELECT fn, reader FROM api ORDER BY fn$$,
  'The installation''s reader has exactly the reader''s function privileges');
SELECT table_privs_are('pgevents', 'events', 'pgevents_test_own_reader', ARRAY['SELECT'], 'The installation''s reader may SELECT pgevents.events');
SELECT ok(has_function_privilege('pgevents_test_own_reader', 'pgevents.added_later()', 'EXECUTE'), 'An explicit grant to pgevents_reader moved too');
SET LOCAL ROLE pgevents_test_writer_login;
SELECT throws_ok($$SELECT * FROM pgevents.append('privileges', 'shared-role', '[{"name": "A", "payload": 1}]')$$,
  '42501', NULL, 'A member of pgevents_writer can no longer append');
RESET ROLE;
GRANT pgevents_test_own_writer TO pgevents_test_writer_login;
SET LOCAL ROLE pgevents_test_writer_login;
SELECT results_eq($$SELECT position FROM pgevents.append('privileges', 'own-role', '[{"name": "A", "payload": 1}]')$$,
  $$VALUES (0::bigint)$$, 'A member of the installation''s writer appends');
RESET ROLE;
SELECT lives_ok($$SELECT pgevents.apply_roles()$$, 'apply_roles again: nothing left to move');

SELECT * FROM finish();
ROLLBACK;
