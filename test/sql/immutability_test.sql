-- Immutability of pgevents.events, enforced by the database
--
-- - The statement-level trigger events_immutable fires BEFORE UPDATE, DELETE
--   and TRUNCATE
-- - Even the owner (a superuser here): UPDATE, DELETE and TRUNCATE fail with
--   PE900, also when the WHERE clause matches no row
-- - The events are unchanged afterwards; appending still works
-- - Writer and reader LOGIN roles cannot get around the trigger: disabling
--   or dropping it, changing the table's owner, session_replication_role =
--   replica, DELETE/UPDATE/TRUNCATE: 42501; the events are unchanged
-- - Who can bypass it, exactly (the README's list): the table's owner
--   (ALTER TABLE ... DISABLE TRIGGER, then DELETE) and superusers (also
--   session_replication_role = replica); shown as the owner here, then
--   rolled back
-- (Ordinary roles are refused earlier, by privileges: privileges_test.sql.)
BEGIN;
\ir helpers.psql
SELECT plan(39);

SELECT has_trigger('pgevents', 'events', 'events_immutable', 'Trigger events_immutable exists');
SELECT trigger_is('pgevents', 'events', 'events_immutable', 'pgevents', 'forbid_event_changes', 'It runs pgevents.forbid_event_changes()');
SELECT results_eq(
  $$SELECT tgenabled::text, (tgtype & 1) = 0 AS per_statement, (tgtype & 2) <> 0 AS before,
           (tgtype & 16) <> 0 AS on_update, (tgtype & 8) <> 0 AS on_delete, (tgtype & 32) <> 0 AS on_truncate,
           (tgtype & 4) <> 0 AS on_insert
      FROM pg_trigger WHERE tgrelid = 'pgevents.events'::regclass AND tgname = 'events_immutable'$$,
  $$VALUES ('O', true, true, true, true, true, false)$$,
  'Enabled, per statement, BEFORE UPDATE OR DELETE OR TRUNCATE (not INSERT)');
SELECT ok((SELECT rolsuper FROM pg_roles WHERE rolname = current_user), 'These tests run as a superuser (the owner)');

CREATE TEMP TABLE before_changes AS
  SELECT * FROM pgevents.append('immutable', 'stream-1', '[{"name": "A", "payload": {"v": 1}}, {"name": "B", "payload": {"v": 2}}]');

SELECT throws_ok($$UPDATE pgevents.events SET payload = '{"v": 0}' WHERE category = 'immutable'$$, 'PE900', NULL, 'Owner: UPDATE of events fails: PE900');
SELECT throws_ok($$UPDATE pgevents.events SET payload = '{}' WHERE false$$, 'PE900', NULL, 'Owner: UPDATE matching no row fails: PE900');
SELECT throws_ok($$UPDATE pgevents.events SET name = name$$, 'PE900', NULL, 'Owner: UPDATE of every row to the same value fails: PE900');
SELECT throws_ok($$DELETE FROM pgevents.events WHERE category = 'immutable'$$, 'PE900', NULL, 'Owner: DELETE of events fails: PE900');
SELECT throws_ok($$DELETE FROM pgevents.events WHERE false$$, 'PE900', NULL, 'Owner: DELETE matching no row fails: PE900');
SELECT throws_ok($$TRUNCATE pgevents.events$$, 'PE900', NULL, 'Owner: TRUNCATE fails: PE900');
SELECT throws_ok($$TRUNCATE pgevents.events CASCADE$$, 'PE900', NULL, 'Owner: TRUNCATE CASCADE fails: PE900');
SELECT throws_ok($$INSERT INTO pgevents.events (id, category, stream, position, name, payload, metadata, occurred_at, observed_at)
  VALUES (gen_random_uuid(), 'immutable', 'stream-1', 0, 'Dup', '{}', 'null', now(), now())
  ON CONFLICT (category, stream, position) DO UPDATE SET name = 'Changed'$$,
  'PE900', NULL, 'Owner: INSERT ... ON CONFLICT DO UPDATE fails: PE900');
SELECT is(
  pg_temp.error_of($$DELETE FROM pgevents.events WHERE false$$) ->> 'message',
  'pgevents: events are immutable: DELETE is not allowed on pgevents.events',
  'The message names the operation');
SELECT results_eq($$SELECT * FROM pgevents.read_stream('immutable', 'stream-1')$$, $$SELECT * FROM before_changes ORDER BY position$$,
  'After the refused changes: the events are unchanged');
SELECT results_eq(
  $$SELECT position FROM pgevents.append('immutable', 'stream-1', '[{"name": "C", "payload": {"v": 3}}]')$$,
  $$VALUES (2::bigint)$$,
  'Appending still works');

SET LOCAL ROLE pgevents_writer;
SELECT throws_ok($$UPDATE pgevents.events SET payload = '{}' WHERE false$$, '42501', NULL, 'Writer: UPDATE is refused (by privileges, before the trigger)');
RESET ROLE;
SET LOCAL ROLE pgevents_reader;
SELECT throws_ok($$DELETE FROM pgevents.events WHERE false$$, '42501', NULL, 'Reader: DELETE is refused (by privileges, before the trigger)');
RESET ROLE;

-- Least-privileged LOGIN roles cannot get around the trigger.
CREATE ROLE pgevents_test_writer_login LOGIN;
GRANT pgevents_writer TO pgevents_test_writer_login;
CREATE ROLE pgevents_test_reader_login LOGIN;
GRANT pgevents_reader TO pgevents_test_reader_login;
CREATE TEMP TABLE attacks (sql text);
GRANT SELECT ON attacks TO PUBLIC;
INSERT INTO attacks VALUES
  ('ALTER TABLE pgevents.events DISABLE TRIGGER events_immutable'),
  ('ALTER TABLE pgevents.events DISABLE TRIGGER ALL'),
  ('ALTER TABLE pgevents.events ENABLE REPLICA TRIGGER events_immutable'),
  ('DROP TRIGGER events_immutable ON pgevents.events'),
  ('ALTER TABLE pgevents.events OWNER TO pgevents_test_writer_login'),
  ('SET session_replication_role = replica'),
  ('DELETE FROM pgevents.events');
SET LOCAL ROLE pgevents_test_writer_login;
SELECT throws_ok(a.sql, '42501', NULL, 'Writer login: ' || a.sql || ': 42501') FROM attacks a;
RESET ROLE;
SET LOCAL ROLE pgevents_test_reader_login;
SELECT throws_ok(a.sql, '42501', NULL, 'Reader login: ' || a.sql || ': 42501') FROM attacks a;
RESET ROLE;
SELECT results_eq($$SELECT * FROM pgevents.read_stream('immutable', 'stream-1') LIMIT 2$$, $$SELECT * FROM before_changes ORDER BY position$$,
  'After the logins'' attempts: the events are unchanged');
SELECT is((SELECT tgenabled::text FROM pg_trigger WHERE tgrelid = 'pgevents.events'::regclass AND tgname = 'events_immutable'), 'O',
  'The trigger is still enabled');

-- The documented bypasses (README, security): the owner and superusers.
SELECT lives_ok($$ALTER TABLE pgevents.events DISABLE TRIGGER events_immutable$$, 'Owner: ALTER TABLE ... DISABLE TRIGGER works (a documented bypass)');
SELECT lives_ok($$DELETE FROM pgevents.events WHERE category = 'immutable' AND position = 2$$, 'Owner: then DELETE works');
SELECT lives_ok($$ALTER TABLE pgevents.events ENABLE TRIGGER events_immutable$$, 'Owner: the trigger enabled again');
SELECT lives_ok($$SET LOCAL session_replication_role = replica$$, 'Superuser: session_replication_role = replica (a documented bypass)');
SELECT lives_ok($$DELETE FROM pgevents.events WHERE category = 'immutable' AND position = 1$$, 'Superuser: in replica mode DELETE works');
SET LOCAL session_replication_role = origin;
SELECT throws_ok($$DELETE FROM pgevents.events WHERE false$$, 'PE900', NULL, 'Back in origin mode: PE900');

SELECT * FROM finish();
ROLLBACK;
