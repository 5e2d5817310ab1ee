-- pgevents.leave_consumer_group
--
-- - Releases the member's partitions at once and ends its membership; the
--   other member claims them at its next heartbeat
-- - Leaving twice (or without joining): 0
-- - Invalid name PE101, unknown group PE121; pgevents_writer only
\ir helpers.psql
BEGIN;
\ir consumer_helpers.psql
SELECT plan(7);

SET LOCAL ROLE consumer_test_writer;
SELECT pgevents.create_consumer_group('g', '{"type": "log"}', 4) \gset ignored_
SELECT count(*) FROM pgevents.join_consumer_group('g', 'm1') \gset ignored_
SELECT count(*) FROM pgevents.join_consumer_group('g', 'm2') \gset ignored_
SELECT count(*) FROM pgevents.join_consumer_group('g', 'm1') \gset ignored_
SELECT count(*) FROM pgevents.join_consumer_group('g', 'm2') \gset ignored_
SELECT is(pgevents.leave_consumer_group('g', 'm1'), 2, 'Leaving releases the member''s two partitions');
SELECT results_eq($$SELECT member FROM pgevents.consumer_members WHERE group_name = 'g'$$, $$VALUES ('m2')$$, 'and ends its membership');
SELECT results_eq($$SELECT partition FROM pgevents.join_consumer_group('g', 'm2')$$, $$VALUES (0), (1), (2), (3)$$,
  'The other member claims them at its next heartbeat, without waiting for a lease to expire');
SELECT is(pgevents.leave_consumer_group('g', 'm1'), 0, 'Leaving twice: 0');
SELECT is(pg_temp.sqlstate_of($$SELECT pgevents.leave_consumer_group('g', NULL)$$), 'PE101', 'NULL member: PE101');
SELECT is(pg_temp.sqlstate_of($$SELECT pgevents.leave_consumer_group('nope', 'm1')$$), 'PE121', 'Unknown group: PE121');
SET LOCAL ROLE consumer_test_reader;
SELECT is(pg_temp.sqlstate_of($$SELECT pgevents.leave_consumer_group('g', 'm2')$$), '42501', 'pgevents_reader may not leave');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
