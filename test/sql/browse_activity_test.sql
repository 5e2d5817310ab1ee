-- pgevents.browse_activity
--
-- - Events per category and minute (observed_at) over the last p_minutes
--   minutes; events observed before the window or in the future (imports)
--   are left out
-- - complete: true when the window of p_max_events recent events reaches
--   back to the first minute; false when the bound cut it (older minutes
--   undercounted)
-- - An empty log: no rows
-- - Callable by pgevents_reader and pgevents_writer; nothing written
-- - Bad arguments: p_minutes outside 1..1440, p_max_events outside
--   1..1000000 (PE106)
-- All inside the test transaction (not fenced; now() is the transaction's
-- start, so the appends below are "now").
BEGIN;
\ir helpers.psql
SELECT plan(12);

SET session_replication_role = replica; -- (superuser) an empty log for the first check; rolled back
DELETE FROM pgevents.events;
RESET session_replication_role;
SELECT is_empty($$SELECT * FROM pgevents.browse_activity()$$, 'An empty log: no rows');

-- Old imports (before the window) first, then recent events, then one from the future.
-- Imports set observed_at: allowed for this transaction only (rolled back).
UPDATE pgevents.settings SET value = 'true' WHERE name = 'allow_observed_at';
SELECT count(*) FROM pgevents.append('browseActivityOld', 's1',
  jsonb_build_array(jsonb_build_object('name', 'Old', 'payload', 1, 'observed_at', now() - interval '3 hours'),
                    jsonb_build_object('name', 'Old', 'payload', 2, 'observed_at', now() - interval '2 hours'))) \gset ignored_
SELECT count(*) FROM pgevents.append('browseActivityA', 's1', pg_temp.new_events(3)) \gset ignored_
SELECT count(*) FROM pgevents.append('browseActivityB', 's1', pg_temp.new_events(2)) \gset ignored_
SELECT count(*) FROM pgevents.append('browseActivityB', 's2',
  jsonb_build_array(jsonb_build_object('name', 'Recent', 'payload', 1, 'observed_at', now() - interval '10 minutes'))) \gset ignored_
SELECT count(*) FROM pgevents.append('browseActivityFuture', 's1',
  jsonb_build_array(jsonb_build_object('name', 'Future', 'payload', 1, 'observed_at', now() + interval '1 day'))) \gset ignored_
SELECT count(*) AS events_before FROM pgevents.events \gset

SET LOCAL ROLE pgevents_reader;
SELECT results_eq(
  $$SELECT category, minute, events, complete FROM pgevents.browse_activity(5)$$,
  $$VALUES ('browseActivityA', date_trunc('minute', now()), 3::bigint, true),
           ('browseActivityB', date_trunc('minute', now()), 2::bigint, true)$$,
  'The last 5 minutes: events per category and minute; older and future events left out');
SELECT results_eq(
  $$SELECT category, minute, events FROM pgevents.browse_activity(60) WHERE category = 'browseActivityB'$$,
  $$VALUES ('browseActivityB', date_trunc('minute', now() - interval '10 minutes'), 1::bigint),
           ('browseActivityB', date_trunc('minute', now()), 2::bigint)$$,
  'The last 60 minutes reach the event observed 10 minutes ago');
SELECT ok((SELECT bool_and(complete) FROM pgevents.browse_activity(60)), 'The window covered the hour: complete');
SELECT results_eq(
  $$SELECT category, events, complete FROM pgevents.browse_activity(60, 2)$$,
  $$VALUES ('browseActivityB', 1::bigint, false)$$,
  'p_max_events 2: only the 2 most recent events are looked at (the future one is one of them), complete is false');
SELECT is((SELECT sum(events) FROM pgevents.browse_activity(240))::bigint, 8::bigint, 'The last 240 minutes: the imports too');
SELECT throws_ok($$SELECT * FROM pgevents.browse_activity(0)$$, 'PE106', NULL, 'p_minutes 0: PE106');
SELECT throws_ok($$SELECT * FROM pgevents.browse_activity(1441)$$, 'PE106', NULL, 'p_minutes 1441: PE106');
SELECT throws_ok($$SELECT * FROM pgevents.browse_activity(60, 0)$$, 'PE106', NULL, 'p_max_events 0: PE106');
SELECT throws_ok($$SELECT * FROM pgevents.browse_activity(60, 1000001)$$, 'PE106', NULL, 'p_max_events 1000001: PE106');
SET LOCAL ROLE pgevents_writer;
SELECT is((SELECT count(*) FROM pgevents.browse_activity(5)), 2::bigint, 'Writer may call it too');
RESET ROLE;
SELECT is((SELECT count(*) FROM pgevents.events), :'events_before'::bigint, 'Nothing written');

SELECT * FROM finish();
ROLLBACK;
