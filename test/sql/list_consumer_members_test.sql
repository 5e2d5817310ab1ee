-- pgevents.list_consumer_members
--
-- - The live members of one group or of all, in (group, member) order
-- - A member whose lease expired is not listed
-- - Unknown group PE121; pgevents_reader may call it
\ir helpers.psql
BEGIN;
\ir consumer_helpers.psql
SELECT plan(5);

SELECT has_function('pgevents', 'list_consumer_members', ARRAY['text'], 'list_consumer_members(group) exists');
SET LOCAL ROLE consumer_test_writer;
SELECT count(*) FROM (VALUES ('g'), ('h')) v(g), LATERAL pgevents.create_consumer_group(g, '{"type": "log"}') \gset ignored_
SELECT count(*) FROM (VALUES ('g', 'm2'), ('g', 'm1'), ('h', 'm3')) v(g, m), LATERAL pgevents.join_consumer_group(g, m) \gset ignored_
SET LOCAL ROLE consumer_test_reader;
SELECT results_eq($$SELECT group_name, member FROM pgevents.list_consumer_members()$$, $$VALUES ('g', 'm1'), ('g', 'm2'), ('h', 'm3')$$,
  'Every group''s live members, in order (as pgevents_reader)');
SELECT results_eq($$SELECT member FROM pgevents.list_consumer_members('g')$$, $$VALUES ('m1'), ('m2')$$, 'One group''s');
RESET ROLE;
UPDATE pgevents.consumer_members SET lease_expires_at = clock_timestamp() - interval '1 second' WHERE member = 'm1';
SELECT results_eq($$SELECT member FROM pgevents.list_consumer_members('g')$$, $$VALUES ('m2')$$, 'An expired member is not listed');
SELECT is(pg_temp.sqlstate_of($$SELECT * FROM pgevents.list_consumer_members('nope')$$), 'PE121', 'Unknown group: PE121');

SELECT * FROM finish();
ROLLBACK;
