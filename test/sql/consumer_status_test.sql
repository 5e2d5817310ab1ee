-- pgevents.consumer_status
--
-- - One row per partition, in (group, partition) order, for one group or all
-- - Owner and its lease (NULL once expired), generation, checkpoint (the most
--   advanced of the partition's buckets), last save
-- - lag_events: committed events after the checkpoints, lag: how long the
--   oldest has waited; held_back_events / fence_lag: those the snapshot
--   fence still holds back (here: this transaction's own appends, above the
--   fence); fence: pg_snapshot_xmin(pg_current_snapshot())
-- - parked_events per partition
-- - Unknown group PE121; pgevents_reader may call it
-- Committed data: 6 events in "consumerStatusTest", deleted at the end.
\ir helpers.psql
SET session_replication_role = replica;
DELETE FROM pgevents.events WHERE category LIKE 'consumerStatusTest%';
RESET session_replication_role;
SELECT count(*) FROM generate_series(1, 6) s, LATERAL pgevents.append('consumerStatusTest', 's' || s, pg_temp.new_events(1)) e \gset ignored_

BEGIN;
\ir consumer_helpers.psql
SELECT plan(13);

SELECT has_function('pgevents', 'consumer_status', ARRAY['text'], 'consumer_status(group) exists');
SELECT function_returns('pgevents', 'consumer_status', ARRAY['text'], 'setof pgevents.consumer_status', 'It returns setof pgevents.consumer_status');
SET LOCAL ROLE consumer_test_writer;
SELECT pgevents.create_consumer_group('g', '{"type": "category", "category": "consumerStatusTest"}', 2) \gset ignored_
SELECT pgevents.create_consumer_group('a', '{"type": "log"}') \gset ignored_
SELECT count(*) FROM pgevents.join_consumer_group('g', 'm1') \gset ignored_
SET LOCAL ROLE consumer_test_reader;
SELECT results_eq($$SELECT group_name, category, partitions, partition, owner, lease_expires_at > now(), generation FROM pgevents.consumer_status('g')$$,
  $$VALUES ('g', 'consumerStatusTest', 2, 0, 'm1', true, 1::bigint), ('g', 'consumerStatusTest', 2, 1, 'm1', true, 1::bigint)$$,
  'One row per partition: owner, live lease, generation (as pgevents_reader)');
SELECT results_eq($$SELECT sum(lag_events), sum(held_back_events), bool_and(lag > interval '0'), bool_and(fence_lag IS NULL),
                           bool_and(fence = pg_snapshot_xmin(pg_current_snapshot())) FROM pgevents.consumer_status('g')$$,
  $$VALUES (6::numeric, 0::numeric, true, true, true)$$, 'The 6 committed events are lag, none held back; the fence');
SELECT results_eq($$SELECT group_name, partition FROM pgevents.consumer_status()$$, $$VALUES ('a', 0), ('g', 0), ('g', 1)$$,
  'Every group: in (group, partition) order');
RESET ROLE;

SELECT count(*) FROM pgevents.append('consumerStatusTest', 'late', pg_temp.new_events(2)) \gset ignored_
SELECT results_eq($$SELECT sum(lag_events), sum(held_back_events), bool_or(fence_lag IS NOT NULL) FROM pgevents.consumer_status('g')$$,
  $$VALUES (8::numeric, 2::numeric, true)$$, 'Events the fence holds back (this transaction''s own) count as lag and as held back');

-- Handle the committed ones: save each bucket's checkpoint to its last committed event.
CREATE TEMP TABLE last AS
  SELECT pgevents.stream_bucket(category, stream) AS bucket, max(transaction_id) AS tx, max(sequence_number) AS seq
    FROM pgevents.events WHERE category = 'consumerStatusTest' AND stream <> 'late' GROUP BY 1;
GRANT SELECT ON last TO PUBLIC;
SET LOCAL ROLE consumer_test_writer;
SELECT count(pgevents.save_consumer_checkpoint('g', 'm1', bucket, 1, '0', 0, tx, seq)) FROM last \gset ignored_
SELECT pgevents.park_consumer_event('g', 'm1', 1, (SELECT max(seq) FROM last), 'boom', 1) \gset ignored_
SELECT results_eq($$SELECT sum(lag_events), sum(held_back_events) FROM pgevents.consumer_status('g')$$, $$VALUES (2::numeric, 2::numeric)$$,
  'After saving: only the held-back events are left');
SELECT results_eq($$SELECT max(transaction_id), max(sequence_number) FROM pgevents.consumer_status('g')$$,
  $$SELECT max(tx), max(seq) FROM last$$, 'The checkpoint is the most advanced of the partition''s buckets');
SELECT ok((SELECT bool_and(updated_at > now() - interval '1 minute') FROM pgevents.consumer_status('g')), 'updated_at: the last save');
SELECT is((SELECT sum(parked_events) FROM pgevents.consumer_status('g')), 1::numeric, 'parked_events counts the parked event');
RESET ROLE;
UPDATE pgevents.consumer_members SET lease_expires_at = clock_timestamp() - interval '1 second';
SELECT results_eq($$SELECT owner, lease_expires_at FROM pgevents.consumer_status('g') LIMIT 1$$, $$VALUES ('m1', NULL::timestamptz)$$,
  'An expired lease: the owner is shown, its lease is NULL');
SELECT is(pg_temp.sqlstate_of($$SELECT * FROM pgevents.consumer_status('nope')$$), 'PE121', 'Unknown group: PE121');
SELECT is(pg_temp.sqlstate_of($$SELECT * FROM pgevents.consumer_status('')$$), 'PE101', 'Empty name: PE101');

SELECT * FROM finish();
ROLLBACK;

SET session_replication_role = replica;
DELETE FROM pgevents.events WHERE category LIKE 'consumerStatusTest%';
RESET session_replication_role;
