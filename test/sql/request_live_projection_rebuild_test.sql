-- pgevents.request_live_projection_rebuild, find_live_projection, and the
-- progress columns of live_projection_status
--
-- - No such projection: no row; invalid name: PE101
-- - Requested on build 1: a rebuild of the serving version (build 2, group
--   group@2, building_requested_at set); requesting again changes nothing;
--   find_live_projection shows it; the runner of the serving version still
--   runs the serving build (register returns it) and build 2 saves under
--   name@2
-- - Progress: events_done/total of the serving build and of the rebuild,
--   rate and ETA from the build's start
-- - Switched in: build 2 serves from group@2, building_requested_at and the
--   rebuild cleared, build_started_at = the rebuild's start; a second
--   request on build 2 builds 3 in group@3 (the @2 suffix is stripped)
-- - A runner of a newer version abandons a requested rebuild
-- - The reader may find but not request; runs as a login writer
\ir helpers.psql
SET session_replication_role = replica;
DELETE FROM pgevents.events WHERE category = 'requestRebuildTest';
RESET session_replication_role;
SELECT count(*) FROM pgevents.append('requestRebuildTest', 's1', pg_temp.new_events(3)) \gset ignored_
SELECT count(*) FROM pgevents.append('requestRebuildTest', 's2', pg_temp.new_events(2)) \gset ignored_

BEGIN;
\ir consumer_helpers.psql
SELECT plan(21);
SET LOCAL ROLE consumer_test_writer;

SELECT is((SELECT count(*) FROM pgevents.request_live_projection_rebuild('nope')), 0::bigint, 'No such projection: no row');
SELECT throws_ok($$SELECT * FROM pgevents.request_live_projection_rebuild(E'a\tb')$$, 'PE101', NULL, 'Invalid name: PE101');
SELECT is((SELECT count(*) FROM pgevents.find_live_projection('nope')), 0::bigint, 'find: no such projection: no row');

SELECT transaction_id AS s1_tx, sequence_number AS s1_seq FROM pgevents.read_stream('requestRebuildTest', 's1', 2, 1) \gset
SELECT count(*) FROM pgevents.register_live_projection('count', 1, 'projection:count', 'requestRebuildTest') \gset ignored_
SELECT count(*) FROM pgevents.create_consumer_group('projection:count', '{"type": "category", "category": "requestRebuildTest"}', 1) \gset ignored_
SELECT count(*) FROM pgevents.join_consumer_group('projection:count', 'm1') \gset ignored_
-- Build 1 has projected s1's 3 events (its checkpoint after them).
SELECT count(*) FROM pgevents.save_consumer_checkpoint('projection:count', 'm1', 0,
  1, '0', 0,
  :'s1_tx', :s1_seq) \gset ignored_
SELECT results_eq($$SELECT events_done, events_total, lag_events FROM pgevents.live_projection_status('count')$$,
  $$VALUES (3::bigint, 5::bigint, 2::bigint)$$, 'Progress of the serving build: 3 of 5 events done');
RESET ROLE;
UPDATE pgevents.live_projections SET build_started_at = clock_timestamp() - interval '10 seconds';
SET LOCAL ROLE consumer_test_writer;
SELECT results_eq($$SELECT round(rate::numeric, 1), round(extract(epoch FROM eta)::numeric) FROM pgevents.live_projection_status('count')$$,
  $$VALUES (0.3, 7::numeric)$$, 'Rate: 3 events in 10 s; ETA: 2 events at that rate');

SELECT results_eq(
  $$SELECT version, build, building_version, building_build, building_group, building_requested_at IS NOT NULL
      FROM pgevents.request_live_projection_rebuild('count')$$,
  $$VALUES (1, 1, 1, 2, 'projection:count@2'::text, true)$$, 'Requested: a rebuild of version 1 (build 2, group @2)');
SELECT results_eq($$SELECT building_build, building_started_at FROM pgevents.request_live_projection_rebuild('count')$$,
  $$SELECT building_build, building_started_at FROM pgevents.live_projections$$, 'Requested again: nothing changes');
SELECT results_eq($$SELECT version, build, building_version, building_build FROM pgevents.find_live_projection('count')$$,
  $$VALUES (1, 1, 1, 2)$$, 'find_live_projection shows the requested rebuild');
SELECT results_eq(
  $$SELECT version, build, building_build FROM pgevents.register_live_projection('count', 1, 'projection:count', 'requestRebuildTest')$$,
  $$VALUES (1, 1, 2)$$, 'A runner of version 1 registering: version 1 build 1 still serves, beside the rebuild');
SELECT is(pgevents.check_live_projection_build('count', 2), 'count@2', 'Build 2 saves under name@2');
SELECT is(pgevents.check_live_projection_build('count', 1), 'count', 'Build 1 still saves under the name');

SELECT results_eq($$SELECT building_events_done, building_events_total FROM pgevents.live_projection_status('count')$$,
  $$VALUES (NULL::bigint, NULL::bigint)$$, 'Rebuild progress unknown before its group exists');
SELECT count(*) FROM pgevents.create_consumer_group('projection:count@2', '{"type": "category", "category": "requestRebuildTest"}', 1) \gset ignored_
SELECT count(*) FROM pgevents.join_consumer_group('projection:count@2', 'm1') \gset ignored_
SELECT results_eq($$SELECT building_events_done, building_events_total, building_lag_events, building_eta FROM pgevents.live_projection_status('count')$$,
  $$VALUES (0::bigint, 5::bigint, 5::bigint, NULL::interval)$$, 'Rebuild progress: 0 of 5 events, no rate yet: no ETA');
SELECT is(pgevents.switch_live_projection('count', 2, 5), true, 'Switched in once caught up');
RESET ROLE;
SELECT results_eq(
  $$SELECT version, build, group_name, building_build, building_requested_at, build_started_at = switched_at - (switched_at - build_started_at)
      FROM pgevents.live_projections$$,
  $$VALUES (1, 2, 'projection:count@2'::text, NULL::integer, NULL::timestamptz, true)$$,
  'After the switch: version 1 build 2 serves from group @2, the request cleared');
SELECT ok((SELECT build_started_at < switched_at FROM pgevents.live_projections), 'build_started_at is the rebuild''s start');
SET LOCAL ROLE consumer_test_writer;
SELECT throws_ok($$SELECT pgevents.check_live_projection_build('count', 1)$$, 'PE141', NULL, 'Build 1 is fenced out');
SELECT results_eq($$SELECT building_build, building_group FROM pgevents.request_live_projection_rebuild('count')$$,
  $$VALUES (3, 'projection:count@3'::text)$$, 'A second request: build 3 in group @3 (not @2@3)');
SELECT results_eq(
  $$SELECT building_version, building_build, building_requested_at FROM pgevents.register_live_projection('count', 2, 'projection:count', 'requestRebuildTest')$$,
  $$VALUES (2, 4, NULL::timestamptz)$$, 'A runner of version 2 abandons the requested rebuild for its own');

SET LOCAL ROLE consumer_test_reader;
SELECT is((SELECT count(*) FROM pgevents.find_live_projection('count')), 1::bigint, 'The reader may find');
SELECT throws_ok($$SELECT * FROM pgevents.request_live_projection_rebuild('count')$$, '42501', NULL, 'The reader may not request a rebuild');

SELECT * FROM finish();
ROLLBACK;

SET session_replication_role = replica;
DELETE FROM pgevents.events WHERE category = 'requestRebuildTest';
RESET session_replication_role;
