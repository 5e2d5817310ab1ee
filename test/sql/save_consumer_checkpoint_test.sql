-- pgevents.save_consumer_checkpoint
--
-- - The owner at the current generation moves a bucket's checkpoint from
--   where its batch started to its last event
-- - Fencing: another member, or the owner with an old generation (the
--   partition was claimed again), gets PE123 and nothing moves; the DETAIL
--   names owner and generations
-- - Compare-and-set: a batch that does not start at the checkpoint (already
--   saved), or a save that would not move forwards, gets PE124 and nothing
--   moves
-- - NULL arguments or an unknown bucket PE120, unknown group PE121
-- - It holds FOR SHARE on the partition's row until commit: a claim by
--   another member waits (checked with a second session and a lock timeout)
-- - pgevents_writer only; no advisory locks
\ir helpers.psql
-- A claim waits for a batch in flight (a second session; the group is committed).
SELECT pgevents.drop_consumer_group('saveConsumerCheckpointTest') \gset ignored_
SELECT pgevents.create_consumer_group('saveConsumerCheckpointTest', '{"type": "log"}') \gset ignored_
SELECT count(*) FROM pgevents.join_consumer_group('saveConsumerCheckpointTest', 'm1', '100 milliseconds') \gset ignored_
BEGIN;
SELECT pgevents.save_consumer_checkpoint('saveConsumerCheckpointTest', 'm1', 0, 1, '0', 0, '5', 5) \gset ignored_
SELECT pg_sleep(0.2) \gset ignored_
SELECT dblink_connect('claimer', pg_temp.dsn()) \gset ignored_
SELECT dblink_exec('claimer', 'SET lock_timeout = ''200ms''') \gset ignored_
SELECT state AS claim_while_saving FROM dblink('claimer', $$SELECT count(*) FROM pgevents.join_consumer_group('saveConsumerCheckpointTest', 'm2')$$)
  AS t(state bigint) \gset
COMMIT;
SELECT state AS claim_after FROM dblink('claimer', $$SELECT count(*) FROM pgevents.join_consumer_group('saveConsumerCheckpointTest', 'm2')$$)
  AS t(state bigint) \gset
SELECT dblink_disconnect('claimer') \gset ignored_
BEGIN;
\ir consumer_helpers.psql
SELECT plan(19);

SELECT has_function('pgevents', 'save_consumer_checkpoint', ARRAY['text', 'text', 'integer', 'bigint', 'xid8', 'bigint', 'xid8', 'bigint'],
  'save_consumer_checkpoint(group, member, bucket, generation, after_transaction_id, after_sequence_number, transaction_id, sequence_number) exists');

SET LOCAL ROLE consumer_test_writer;
SELECT pgevents.create_consumer_group('g', '{"type": "category", "category": "order"}', 2) \gset ignored_
SELECT count(*) FROM pgevents.join_consumer_group('g', 'm1') \gset ignored_
SELECT lives_ok($$SELECT pgevents.save_consumer_checkpoint('g', 'm1', 3, 1, '0', 0, '100', 7)$$, 'The owner saves bucket 3 (partition 1) from the start to 100:7');
SELECT results_eq($$SELECT transaction_id, sequence_number FROM pgevents.consumer_checkpoints WHERE group_name = 'g' AND bucket = 3$$,
  $$VALUES ('100'::xid8, 7::bigint)$$, 'The checkpoint moved');
SELECT lives_ok($$SELECT pgevents.save_consumer_checkpoint('g', 'm1', 3, 1, '100', 7, '100', 9)$$, 'The next batch saves from there');
SELECT is(pg_temp.sqlstate_of($$SELECT pgevents.save_consumer_checkpoint('g', 'm1', 3, 1, '100', 7, '101', 1)$$), 'PE124',
  'A batch that started before the checkpoint (it was saved meanwhile): PE124');
SELECT is(pg_temp.error_of($$SELECT pgevents.save_consumer_checkpoint('g', 'm1', 3, 1, '100', 9, '100', 8)$$) -> 'detail',
  '{"group": "g", "bucket": 3, "checkpoint": "100:9", "from": "100:9", "to": "100:8"}', 'Backwards: PE124 with the checkpoint in DETAIL');
SELECT is(pg_temp.sqlstate_of($$SELECT pgevents.save_consumer_checkpoint('g', 'm1', 3, 1, '100', 9, '100', 9)$$), 'PE124', 'Not forwards: PE124');
SELECT is(pg_temp.sqlstate_of($$SELECT pgevents.save_consumer_checkpoint('g', 'm2', 3, 1, '100', 9, '200', 1)$$), 'PE123', 'Another member: PE123');
-- m1 leaves and joins again: a new claim, generation 2.
SELECT pgevents.leave_consumer_group('g', 'm1') \gset ignored_
SELECT is(pg_temp.sqlstate_of($$SELECT pgevents.save_consumer_checkpoint('g', 'm1', 3, 1, '100', 9, '200', 1)$$), 'PE123', 'Released: PE123');
SELECT count(*) FROM pgevents.join_consumer_group('g', 'm1') \gset ignored_
SELECT is(pg_temp.error_of($$SELECT pgevents.save_consumer_checkpoint('g', 'm1', 3, 1, '100', 9, '200', 1)$$) -> 'detail',
  '{"group": "g", "member": "m1", "partition": 1, "generation": 1, "owner": "m1", "current_generation": 2}',
  'The same member with the old generation (a batch read before it lost the partition): PE123');
SELECT results_eq($$SELECT transaction_id, sequence_number FROM pgevents.consumer_checkpoints WHERE group_name = 'g' AND bucket = 3$$,
  $$VALUES ('100'::xid8, 9::bigint)$$, 'None of the refused saves moved it');
SELECT is(pg_temp.sqlstate_of($$SELECT pgevents.save_consumer_checkpoint('g', 'm1', 64, 2, '0', 0, '1', 1)$$), 'PE120', 'Unknown bucket: PE120');
SELECT is(pg_temp.sqlstate_of($$SELECT pgevents.save_consumer_checkpoint('g', 'm1', 3, NULL, '100', 9, '200', 1)$$), 'PE120', 'NULL generation: PE120');
SELECT is(pg_temp.sqlstate_of($$SELECT pgevents.save_consumer_checkpoint('nope', 'm1', 3, 2, '100', 9, '200', 1)$$), 'PE121', 'Unknown group: PE121');
SELECT ok(NOT pg_temp.holds_advisory_locks(), 'No advisory lock was taken');
SELECT ok(EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = pg_backend_pid() AND l.locktype = 'transactionid' AND l.mode = 'ExclusiveLock'),
  'Row locks only (held by this transaction until it ends)');
SET LOCAL ROLE consumer_test_reader;
SELECT is(pg_temp.sqlstate_of($$SELECT pgevents.save_consumer_checkpoint('g', 'm1', 3, 2, '100', 9, '200', 1)$$), '42501', 'pgevents_reader may not save');
RESET ROLE;

SELECT is(:claim_while_saving::bigint, 0::bigint, 'While the batch is in flight, another member cannot claim its partition (m1''s lease expired)');
SELECT is(:claim_after::bigint, 1::bigint, 'Once it committed, the claim succeeds');

SELECT * FROM finish();
ROLLBACK;

SELECT pgevents.drop_consumer_group('saveConsumerCheckpointTest') \gset ignored_
