-- pgevents.register_live_projection (rebuilds), check_live_projection_build,
-- switch_live_projection
--
-- - Version 1 registered: build 1 serves; its batches save under the name
-- - A runner of version 2 registers: a rebuild starts (build 2, group
--   group@2); version 1 keeps serving; build 2 saves under name@2;
--   registering version 2 again joins the same rebuild; version 1 again is
--   still the serving version; version 0.5-style older versions: PE141
-- - Switch before the rebuild's group exists, or with events left: false,
--   nothing changes; once caught up: true, in one transaction the old rows
--   are replaced by the rebuilt ones, version 2 build 2 serves from group@2,
--   the old group is dropped, older snapshots deleted; build 1's next batch
--   fails PE141 (fenced); build 2 now saves under the name
-- - A newer version during a rebuild abandons it (group and rows dropped)
-- - switch of a build not being rebuilt: PE141; negative max lag: PE141
-- - Runs as a login member of pgevents_writer; the reader may not switch
\ir helpers.psql
SET session_replication_role = replica;
DELETE FROM pgevents.events WHERE category = 'switchLiveTest';
RESET session_replication_role;
SELECT count(*) FROM pgevents.append('switchLiveTest', 's1', pg_temp.new_events(3)) \gset ignored_

BEGIN;
\ir consumer_helpers.psql
SELECT plan(26);
SET LOCAL ROLE consumer_test_writer;

SELECT results_eq(
  $$SELECT version, build, building_version FROM pgevents.register_live_projection('count', 1, 'projection:count', 'switchLiveTest')$$,
  $$VALUES (1, 1, NULL::integer)$$, 'Version 1: build 1 serves');
SELECT is(pgevents.check_live_projection_build('count', 1), 'count', 'Build 1 saves under the name');
SELECT count(*) FROM pgevents.create_consumer_group('projection:count', '{"type": "category", "category": "switchLiveTest"}', 1) \gset ignored_
SELECT count(*) FROM pgevents.save_projection('count', 's1', '{"type": "stream", "category": "switchLiveTest", "stream": "s1"}', '{"v": 1}') \gset ignored_
SELECT count(*) FROM pgevents.save_snapshot('count', 1, 'switchLiveTest', 's1', 2, '{"v": 1}') \gset ignored_

SELECT results_eq(
  $$SELECT version, build, building_version, building_build, building_group FROM pgevents.register_live_projection('count', 2, 'projection:count', 'switchLiveTest')$$,
  $$VALUES (1, 1, 2, 2, 'projection:count@2'::text)$$, 'Version 2: a rebuild starts (build 2, group @2); version 1 serves');
SELECT is(pgevents.check_live_projection_build('count', 2), 'count@2', 'Build 2 saves under name@2');
SELECT is(pgevents.check_live_projection_build('count', 1), 'count', 'Build 1 still saves under the name');
SELECT results_eq(
  $$SELECT building_build FROM pgevents.register_live_projection('count', 2, 'projection:count', 'switchLiveTest')$$,
  $$VALUES (2)$$, 'Version 2 again: the same rebuild (a restart resumes it)');
SELECT results_eq(
  $$SELECT version, building_build FROM pgevents.register_live_projection('count', 1, 'projection:count', 'switchLiveTest')$$,
  $$VALUES (1, 2)$$, 'Version 1 again: still the serving version');

SELECT is(pgevents.switch_live_projection('count', 2), false, 'Switch before the rebuild''s group exists: false');
SELECT count(*) FROM pgevents.create_consumer_group('projection:count@2', '{"type": "category", "category": "switchLiveTest"}', 1) \gset ignored_
SELECT count(*) FROM pgevents.join_consumer_group('projection:count@2', 'm1') \gset ignored_
SELECT is(pgevents.switch_live_projection('count', 2), false, 'Switch with 3 events left: false');
SELECT count(*) FROM pgevents.save_projection('count@2', 's1', '{"type": "stream", "category": "switchLiveTest", "stream": "s1"}', '{"v": 2}') \gset ignored_
SELECT count(*) FROM pgevents.save_projection('count@2', 's2', '{"type": "stream", "category": "switchLiveTest", "stream": "s2"}', '{"v": 2}') \gset ignored_
RESET ROLE; -- the table checks read as the owner
SELECT results_eq($$SELECT id COLLATE "default", state FROM pgevents.projections WHERE name = 'count' ORDER BY id$$,
  $$VALUES ('s1'::text, '{"v": 1}'::jsonb)$$, 'During the rebuild, readers of the name see version 1''s rows only');
SET LOCAL ROLE consumer_test_writer;
SELECT results_eq($$SELECT building_lag_events, building_projections, state FROM pgevents.live_projection_status('count')$$,
  $$VALUES (3::bigint, 2::bigint, 'stopped'::text)$$, 'The status shows the rebuild''s progress');

SELECT is(pgevents.switch_live_projection('count', 2, 3), true, 'Switch with at most 3 events left allowed: true');
RESET ROLE;
SELECT results_eq($$SELECT id COLLATE "default", state FROM pgevents.projections WHERE name LIKE 'count%' ORDER BY id$$,
  $$VALUES ('s1'::text, '{"v": 2}'::jsonb), ('s2'::text, '{"v": 2}'::jsonb)$$,
  'After the switch: the rebuilt rows under the name, the old ones gone');
SELECT results_eq($$SELECT version, build, group_name, building_version, switched_at IS NOT NULL FROM pgevents.live_projections$$,
  $$VALUES (2, 2, 'projection:count@2'::text, NULL::integer, true)$$, 'Version 2, build 2 serves from group @2');
SELECT is((SELECT count(*) FROM pgevents.consumer_groups WHERE name = 'projection:count'), 0::bigint, 'The old group is dropped');
SELECT is((SELECT count(*) FROM pgevents.snapshots WHERE name = 'count'), 0::bigint, 'Older versions'' snapshots are deleted');
SET LOCAL ROLE consumer_test_writer;
SELECT throws_ok($$SELECT pgevents.check_live_projection_build('count', 1)$$, 'PE141', NULL, 'Build 1''s next batch is fenced: PE141');
SELECT is(pgevents.check_live_projection_build('count', 2), 'count', 'Build 2 now saves under the name');
SELECT throws_ok($$SELECT * FROM pgevents.register_live_projection('count', 1, 'projection:count', 'switchLiveTest')$$, 'PE141', NULL,
  'A runner of version 1 is superseded: PE141');

SELECT results_eq($$SELECT building_build FROM pgevents.register_live_projection('count', 3, 'projection:count', 'switchLiveTest')$$,
  $$VALUES (3)$$, 'Version 3: rebuild build 3');
SELECT count(*) FROM pgevents.create_consumer_group('projection:count@3', '{"type": "category", "category": "switchLiveTest"}', 1) \gset ignored_
SELECT count(*) FROM pgevents.save_projection('count@3', 's1', '{"type": "stream", "category": "switchLiveTest", "stream": "s1"}', '{"v": 3}') \gset ignored_
SELECT results_eq($$SELECT building_version, building_build FROM pgevents.register_live_projection('count', 4, 'projection:count', 'switchLiveTest')$$,
  $$VALUES (4, 4)$$, 'Version 4 during build 3''s rebuild: build 4 replaces it');
RESET ROLE;
SELECT results_eq($$SELECT (SELECT count(*) FROM pgevents.consumer_groups WHERE name = 'projection:count@3'),
                           (SELECT count(*) FROM pgevents.projections WHERE name = 'count@3')$$,
  $$VALUES (0::bigint, 0::bigint)$$, 'The abandoned rebuild''s group and rows are dropped');
SET LOCAL ROLE consumer_test_writer;
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.register_live_projection('count@2', 1, 'g', NULL)$$) #>> '{detail,field}', 'name',
  'A name with @ (reserved for the rows of rebuilds): PE141 naming name');
SELECT throws_ok($$SELECT pgevents.switch_live_projection('count', 3)$$, 'PE141', NULL, 'Switch of a build not being rebuilt: PE141');
SELECT throws_ok($$SELECT pgevents.switch_live_projection('count', 4, -1)$$, 'PE141', NULL, 'Negative max lag: PE141');

SET LOCAL ROLE consumer_test_reader;
SELECT throws_ok($$SELECT pgevents.switch_live_projection('count', 4)$$, '42501', NULL, 'The reader may not switch');

SELECT * FROM finish();
ROLLBACK;

SET session_replication_role = replica;
DELETE FROM pgevents.events WHERE category = 'switchLiveTest';
RESET session_replication_role;
