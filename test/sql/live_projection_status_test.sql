-- pgevents.register_live_projection, fail_live_projection,
-- live_projection_status, drop_live_projection
--
-- - Registered, no consumer group yet: state stopped, cursor zero
-- - Group created, no member: stopped; a member joined, events to go:
--   catching-up, lag counted; nothing to go: live
-- - An error recorded: failed with the error (kept to 2000 characters);
--   registering again clears it (rebuilds: switch_live_projection_test.sql)
-- - drop_live_projection: the group, the projections of the name and
--   their snapshots go; other names stay; unknown name: NULL
-- - Invalid input: PE101 (names), PE141 (version < 1)
-- - Least privilege: a login member of pgevents_writer registers, fails,
--   drops; a login member of pgevents_reader reads the status but may
--   not register, fail or drop (42501); nobody writes the table directly
-- Committed data: 3 events in "liveProjectionTest" (the consumer status
-- counts committed events only as catching up), deleted first and at the end.
\ir helpers.psql
SET session_replication_role = replica;
DELETE FROM pgevents.events WHERE category = 'liveProjectionTest';
RESET session_replication_role;
SELECT count(*) FROM pgevents.append('liveProjectionTest', 's1', pg_temp.new_events(3)) \gset ignored_

BEGIN;
\ir consumer_helpers.psql
SELECT plan(20);

SET LOCAL ROLE consumer_test_writer;

SELECT results_eq(
  $$SELECT name COLLATE "default", version, group_name, category FROM pgevents.register_live_projection('count', 1, 'projection:count', 'liveProjectionTest')$$,
  $$VALUES ('count'::text, 1, 'projection:count'::text, 'liveProjectionTest'::text)$$,
  'register_live_projection returns the registry row');
SELECT results_eq(
  $$SELECT state, transaction_id::text, lag_events, partitions FROM pgevents.live_projection_status('count')$$,
  $$VALUES ('stopped'::text, '0'::text, 0::bigint, 0)$$,
  'No consumer group yet: stopped, no cursor');

SELECT count(*) FROM pgevents.create_consumer_group('projection:count', '{"type": "category", "category": "liveProjectionTest"}', 1) \gset ignored_
SELECT is((SELECT state FROM pgevents.live_projection_status('count')), 'stopped', 'A group without a member: stopped');
SELECT count(*) FROM pgevents.join_consumer_group('projection:count', 'm1') \gset ignored_
SELECT results_eq(
  $$SELECT state, lag_events, owned_partitions, partitions FROM pgevents.live_projection_status('count')$$,
  $$VALUES ('catching-up'::text, 3::bigint, 1, 1)$$,
  'A member with 3 events to go: catching-up, lag 3');

SELECT count(*) FROM pgevents.save_projection('count', 's1', '{"type": "stream", "category": "liveProjectionTest", "stream": "s1"}', '{"n": 3}') \gset ignored_
SELECT count(*) FROM pgevents.save_snapshot('count', 1, 'liveProjectionTest', 's1', 2, '{"n": 3}') \gset ignored_
SELECT count(*) FROM pgevents.save_projection('other', 's1', '{"type": "stream", "category": "liveProjectionTest", "stream": "s1"}', '{}') \gset ignored_
-- Move the checkpoint past the 3 events, as a batch would.
RESET ROLE;
CREATE TEMP TABLE last AS
  SELECT max(transaction_id) AS tx, max(sequence_number) AS seq FROM pgevents.events WHERE category = 'liveProjectionTest';
GRANT SELECT ON last TO PUBLIC;
SET LOCAL ROLE consumer_test_writer;
SELECT lives_ok($$SELECT pgevents.save_consumer_checkpoint('projection:count', 'm1', 0, 1, '0', 0, tx, seq) FROM last$$,
  'checkpoint saved after the 3 events');
SELECT results_eq(
  $$SELECT state, lag_events, transaction_id > '0'::xid8 FROM pgevents.live_projection_status()$$,
  $$VALUES ('live'::text, 0::bigint, true)$$,
  'Nothing left: live, with a cursor');

SELECT ok(pgevents.fail_live_projection('count', repeat('x', 3000)), 'fail_live_projection records the error');
SELECT results_eq(
  $$SELECT state, length(error) FROM pgevents.live_projection_status('count')$$,
  $$VALUES ('failed'::text, 2000)$$,
  'An error recorded: failed, error kept to 2000 characters');
SELECT ok(NOT pgevents.fail_live_projection('nobody', 'boom'), 'fail_live_projection of an unknown name: false');
SELECT results_eq(
  $$SELECT version, error, building_version FROM pgevents.register_live_projection('count', 1, 'projection:count', 'liveProjectionTest')$$,
  $$VALUES (1, NULL::text, NULL::integer)$$,
  'Registering again: the error cleared');

SELECT throws_ok($$SELECT * FROM pgevents.register_live_projection('count', 0, 'g', NULL)$$, 'PE141', NULL, 'Version 0: PE141');
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.register_live_projection('count', 1, '', NULL)$$) #>> '{detail,field}', 'group',
  'Empty group: PE101 naming group');
SELECT throws_ok($$SELECT * FROM pgevents.live_projection_status(E'a\tb')$$, 'PE101', NULL, 'status of an invalid name: PE101');
SELECT throws_ok($$INSERT INTO pgevents.live_projections VALUES ('x', 1, 'g', NULL, NULL, NULL, now())$$, '42501', NULL,
  'The writer cannot insert into the registry directly');

SET LOCAL ROLE consumer_test_reader;
SELECT is((SELECT count(*) FROM pgevents.live_projection_status()), 1::bigint, 'The reader reads the status');
SELECT throws_ok($$SELECT pgevents.drop_live_projection('count')$$, '42501', NULL, 'The reader may not drop');
SELECT throws_ok($$SELECT * FROM pgevents.register_live_projection('x', 1, 'g', NULL)$$, '42501', NULL, 'The reader may not register');

SET LOCAL ROLE consumer_test_writer;
SELECT is(pgevents.drop_live_projection('count'), 1::bigint, 'drop_live_projection deletes the projections of the name');
RESET ROLE;
SELECT results_eq(
  $$SELECT (SELECT count(*) FROM pgevents.live_projections), (SELECT count(*) FROM pgevents.consumer_groups WHERE name = 'projection:count'),
           (SELECT count(*) FROM pgevents.snapshots WHERE name = 'count'), (SELECT count(*) FROM pgevents.projections WHERE name = 'other')$$,
  $$VALUES (0::bigint, 0::bigint, 0::bigint, 1::bigint)$$,
  'Registry row, group and snapshots gone; other names stay');
SET LOCAL ROLE consumer_test_writer;
SELECT is(pgevents.drop_live_projection('count'), NULL::bigint, 'Dropping an unknown name: NULL');

SELECT * FROM finish();
ROLLBACK;

SET session_replication_role = replica;
DELETE FROM pgevents.events WHERE category = 'liveProjectionTest';
RESET session_replication_role;
