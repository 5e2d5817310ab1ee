-- Immutability of pgevents.events, enforced by the database
--
-- - The statement-level trigger events_immutable fires BEFORE UPDATE, DELETE
--   and TRUNCATE
-- - Even the owner (a superuser here): UPDATE, DELETE and TRUNCATE fail with
--   PE900, also when the WHERE clause matches no row
-- - The events are unchanged afterwards; appending still works
-- (Ordinary roles are refused earlier, by privileges: privileges_test.sql.)
BEGIN;
\ir helpers.psql
SELECT plan(17);

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

SELECT * FROM finish();
ROLLBACK;
