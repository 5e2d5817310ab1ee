-- pgevents.drop_consumer_group
--
-- - Removes the group with its members, partitions, checkpoints and parked
--   events; true when it existed, false otherwise
-- - The category's bucket index stays
-- - Invalid name PE101; pgevents_writer only
\ir helpers.psql
BEGIN;
\ir consumer_helpers.psql
SELECT plan(7);

SET LOCAL ROLE consumer_test_writer;
SELECT pgevents.create_consumer_group('g', '{"type": "category", "category": "dropConsumerGroupTest"}', 2) \gset ignored_
SELECT count(*) FROM pgevents.join_consumer_group('g', 'm1') \gset ignored_
SELECT ok(pgevents.drop_consumer_group('g'), 'Dropping an existing group: true');
SELECT is((SELECT count(*) FROM pgevents.consumer_groups WHERE name = 'g') + (SELECT count(*) FROM pgevents.consumer_members WHERE group_name = 'g')
        + (SELECT count(*) FROM pgevents.consumer_partitions WHERE group_name = 'g') + (SELECT count(*) FROM pgevents.consumer_checkpoints WHERE group_name = 'g'),
  0::bigint, 'Its members, partitions and checkpoints are gone');
SELECT ok(to_regclass('pgevents.' || substring(pgevents.consumer_index_definition('dropConsumerGroupTest') FROM 'EXISTS (\S+) ON')) IS NOT NULL,
  'The bucket index stays');
SELECT ok(NOT pgevents.drop_consumer_group('g'), 'Dropping it again: false');
SELECT is(pg_temp.sqlstate_of($$SELECT pgevents.join_consumer_group('g', 'm1')$$), 'PE121', 'Its members'' next calls: PE121');
SELECT is(pg_temp.sqlstate_of($$SELECT pgevents.drop_consumer_group('')$$), 'PE101', 'Empty name: PE101');
SET LOCAL ROLE consumer_test_reader;
SELECT is(pg_temp.sqlstate_of($$SELECT pgevents.drop_consumer_group('g')$$), '42501', 'pgevents_reader may not drop a group');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
