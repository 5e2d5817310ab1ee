-- pgevents.park_consumer_event
--
-- - The owner parks an event with its error and attempts (the event's
--   bucket recorded); it does not move the checkpoint
-- - Parking it again (a replay that failed again): the new error, attempts
--   added, the replay request cleared; same id
-- - The error text is cut to consumer_max_error_length characters
-- - Not the owner (or an old generation): PE123, nothing parked
-- - Unknown event, or one outside the group's category: PE120; attempts
--   below 1: PE120; unknown group PE121
-- - pgevents_writer only
\ir helpers.psql
BEGIN;
\ir consumer_helpers.psql
SELECT plan(13);

SELECT has_function('pgevents', 'park_consumer_event', ARRAY['text', 'text', 'bigint', 'bigint', 'text', 'integer'],
  'park_consumer_event(group, member, generation, sequence_number, error, attempts) exists');
SELECT count(*) FROM pgevents.append('parkConsumerEventTest', 's1', pg_temp.new_events(2)) \gset ignored_
SELECT count(*) FROM pgevents.append('parkConsumerEventTestOther', 's1', pg_temp.new_events(1)) \gset ignored_
CREATE TEMP TABLE ev AS SELECT sequence_number, stream, category FROM pgevents.events WHERE category LIKE 'parkConsumerEventTest%' ORDER BY sequence_number;
GRANT SELECT ON ev TO PUBLIC;
SET LOCAL ROLE consumer_test_writer;
SELECT pgevents.create_consumer_group('g', '{"type": "category", "category": "parkConsumerEventTest"}', 2) \gset ignored_
SELECT count(*) FROM pgevents.join_consumer_group('g', 'm1') \gset ignored_
CREATE TEMP TABLE parked AS
  SELECT pgevents.park_consumer_event('g', 'm1', 1, (SELECT min(sequence_number) FROM ev), 'boom', 3) AS id;
RESET ROLE;
GRANT SELECT ON parked TO PUBLIC;
SELECT results_eq($$SELECT group_name, bucket, error, attempts, replay_requested_at IS NULL FROM pgevents.consumer_parked$$,
  $$VALUES ('g', pgevents.stream_bucket('parkConsumerEventTest', 's1'), 'boom', 3, true)$$, 'Parked with its bucket, error and attempts');
SELECT is_empty($$SELECT 1 FROM pgevents.consumer_checkpoints WHERE group_name = 'g' AND transaction_id <> '0'$$, 'The checkpoint did not move');
UPDATE pgevents.consumer_parked SET replay_requested_at = now();
SET LOCAL ROLE consumer_test_writer;
SELECT is(pgevents.park_consumer_event('g', 'm1', 1, (SELECT min(sequence_number) FROM ev), 'boom again', 2), (SELECT id FROM parked),
  'Parking it again: the same row');
RESET ROLE;
SELECT results_eq($$SELECT error, attempts, replay_requested_at IS NULL FROM pgevents.consumer_parked$$, $$VALUES ('boom again', 5, true)$$,
  'the new error, attempts added, the replay request cleared');
UPDATE pgevents.settings SET value = '5' WHERE name = 'consumer_max_error_length';
SET LOCAL ROLE consumer_test_writer;
SELECT pgevents.park_consumer_event('g', 'm1', 1, (SELECT min(sequence_number) FROM ev), 'a long error text', 1) \gset ignored_
RESET ROLE;
SELECT is((SELECT error FROM pgevents.consumer_parked), 'a lon', 'The error text is cut to consumer_max_error_length characters');
SET LOCAL ROLE consumer_test_writer;
SELECT is(pg_temp.sqlstate_of($$SELECT pgevents.park_consumer_event('g', 'm2', 1, (SELECT max(sequence_number) FROM ev WHERE category = 'parkConsumerEventTest'), 'x', 1)$$),
  'PE123', 'Not the owner: PE123');
SELECT is(pg_temp.sqlstate_of($$SELECT pgevents.park_consumer_event('g', 'm1', 7, (SELECT max(sequence_number) FROM ev WHERE category = 'parkConsumerEventTest'), 'x', 1)$$),
  'PE123', 'An old generation: PE123');
SELECT is((SELECT count(*) FROM pgevents.consumer_parked), 1::bigint, 'and nothing was parked');
SELECT is(pg_temp.error_of($$SELECT pgevents.park_consumer_event('g', 'm1', 1, (SELECT max(sequence_number) FROM ev), 'x', 1)$$) -> 'detail' ->> 'field',
  'sequence_number', 'An event of another category: PE120');
SELECT is(pg_temp.sqlstate_of($$SELECT pgevents.park_consumer_event('g', 'm1', 1, -1, 'x', 1)$$), 'PE120', 'An unknown event: PE120');
SELECT is(pg_temp.error_of($$SELECT pgevents.park_consumer_event('g', 'm1', 1, (SELECT min(sequence_number) FROM ev), 'x', 0)$$) -> 'detail' ->> 'field',
  'attempts', 'Zero attempts: PE120');
SELECT is(pg_temp.sqlstate_of($$SELECT pgevents.park_consumer_event('nope', 'm1', 1, 1, 'x', 1)$$), 'PE121', 'Unknown group: PE121');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
