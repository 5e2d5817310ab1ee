-- pgevents.read_consumer_batch
--
-- - A member gets only its own partitions' events; two members together get
--   every event of the category exactly once, none of another category
-- - Each row: bucket = stream_bucket, partition = bucket % N, the bucket's
--   checkpoint (after_*) and the partition's generation
-- - Within a bucket the rows are contiguous and in (transaction_id,
--   sequence_number) order; each stream in position order
-- - The bucket furthest behind comes first; the limit holds; reading moves
--   nothing; a member without partitions gets nothing
-- - Parked events marked for replay come first, with parked_id and attempts
-- - Fenced: this transaction's own appends are not returned
-- - No read amplification: the member's read fetches exactly the index
--   entries it returns, from the category's bucket index, and never scans
--   the events table; one-partition groups read events_category_order_idx /
--   events_log_order_idx; the plan of the bucket query is an ordered index
--   range per bucket (no sort)
-- - Unknown group PE121, invalid member PE101, limit outside 1..10000 PE120
-- - pgevents_writer only; no advisory locks
-- - Inlined (issue 11): LANGUAGE sql, STABLE, not STRICT, not SECURITY
--   DEFINER, no SET clause; a one-partition group's read plans as an index
--   range scan of the events, no Function Scan (no tuplestore); a prepared
--   read plans once (generic plan, parameters in its conditions); replays
--   then new events fill one limit; the checks run on every call (NULL
--   arguments, a member without partitions); the writer still has no
--   privilege on pgevents.events
-- Committed data: the events must be below the fence, so they are appended
-- before the test transaction in categories "readConsumerBatchTest*" and
-- deleted at the end.
\ir helpers.psql
SET session_replication_role = replica;
DELETE FROM pgevents.events WHERE category LIKE 'readConsumerBatchTest%';
RESET session_replication_role;
SELECT count(*) FROM generate_series(0, 39) s, LATERAL pgevents.append('readConsumerBatchTest', 's' || s, pg_temp.new_events(3)) e \gset ignored_
SELECT count(*) FROM pgevents.append('readConsumerBatchTestOther', 'x', pg_temp.new_events(5)) \gset ignored_
-- Enough other events for plans to matter (a category is 1% of the log).
SELECT count(*) FROM generate_series(1, 100) AS c, LATERAL pgevents.append('readConsumerBatchTestFill' || c, 'f', pg_temp.new_events(20)) AS e \gset ignored_
ANALYZE pgevents.events;

BEGIN;
\ir consumer_helpers.psql
SELECT plan(45);

SELECT has_function('pgevents', 'read_consumer_batch', ARRAY['text', 'text', 'integer'], 'read_consumer_batch(group, member, limit) exists');
SELECT function_returns('pgevents', 'read_consumer_batch', ARRAY['text', 'text', 'integer'], 'setof pgevents.consumer_batch', 'It returns setof pgevents.consumer_batch');
SELECT volatility_is('pgevents', 'read_consumer_batch', ARRAY['text', 'text', 'integer'], 'stable', 'It is STABLE');

SET LOCAL ROLE consumer_test_writer;
SELECT pgevents.create_consumer_group('g', '{"type": "category", "category": "readConsumerBatchTest"}', 4) \gset ignored_
SELECT count(*) FROM pgevents.join_consumer_group('g', 'm1') \gset ignored_
SELECT count(*) FROM pgevents.join_consumer_group('g', 'm2') \gset ignored_
SELECT count(*) FROM pgevents.join_consumer_group('g', 'm1') \gset ignored_
SELECT count(*) FROM pgevents.join_consumer_group('g', 'm2') \gset ignored_
CREATE TEMP TABLE m1 AS SELECT r.* FROM pgevents.read_consumer_batch('g', 'm1', 1000) WITH ORDINALITY AS r(
  group_name, partition, bucket, generation, after_transaction_id, after_sequence_number, parked_id, attempts,
  sequence_number, transaction_id, id, category, stream, position, name, payload, metadata, occurred_at, observed_at, o);
CREATE TEMP TABLE m2 AS SELECT r.* FROM pgevents.read_consumer_batch('g', 'm2', 1000) WITH ORDINALITY AS r(
  group_name, partition, bucket, generation, after_transaction_id, after_sequence_number, parked_id, attempts,
  sequence_number, transaction_id, id, category, stream, position, name, payload, metadata, occurred_at, observed_at, o);
RESET ROLE;

SELECT is_empty($$SELECT 1 FROM m1 WHERE partition NOT IN (0, 1)$$, 'm1 (partitions 0 and 1) gets only their events');
SELECT is_empty($$SELECT 1 FROM m2 WHERE partition NOT IN (2, 3)$$, 'm2 (partitions 2 and 3) gets only theirs');
SELECT is((SELECT count(*) FROM m1) + (SELECT count(*) FROM m2), 120::bigint, 'Together: 120 rows');
SELECT is((SELECT count(DISTINCT sequence_number) FROM (SELECT sequence_number FROM m1 UNION ALL SELECT sequence_number FROM m2) u), 120::bigint,
  'every event of the category exactly once');
SELECT is_empty($$SELECT 1 FROM (SELECT * FROM m1 UNION ALL SELECT * FROM m2) u WHERE category <> 'readConsumerBatchTest'$$, 'none of another category');
SELECT is_empty($$SELECT 1 FROM m1 WHERE bucket <> pgevents.stream_bucket(category, stream) OR partition <> bucket % 4$$,
  'bucket = stream_bucket(category, stream), partition = bucket % 4');
SELECT is_empty($$SELECT 1 FROM m1 WHERE after_transaction_id <> '0' OR after_sequence_number <> 0 OR generation <> 1 OR parked_id IS NOT NULL OR attempts <> 0$$,
  'Each row carries its bucket''s checkpoint (the start) and the generation');
SELECT is_empty($$SELECT bucket FROM m1 GROUP BY bucket HAVING max(o) - min(o) + 1 <> count(*)$$, 'A bucket''s rows are contiguous');
SELECT is_empty($$SELECT 1 FROM (SELECT o, transaction_id, sequence_number, lag(transaction_id) OVER w AS ptx, lag(sequence_number) OVER w AS pseq
                                  FROM m1 WINDOW w AS (PARTITION BY bucket ORDER BY o)) x
                  WHERE (transaction_id, sequence_number) <= (ptx, pseq)$$, 'and in (transaction_id, sequence_number) order');
SELECT is_empty($$SELECT 1 FROM (SELECT position, lag(position) OVER (PARTITION BY stream ORDER BY o) AS prev FROM m1) x WHERE position <> COALESCE(prev + 1, 0)$$,
  'Each stream in position order, from 0');

SET LOCAL ROLE consumer_test_writer;
SELECT results_eq($$SELECT sequence_number FROM pgevents.read_consumer_batch('g', 'm1', 7)$$, $$SELECT sequence_number FROM m1 WHERE o <= 7 ORDER BY o$$,
  'Limit 7: the first 7');
SELECT results_eq($$SELECT sequence_number FROM pgevents.read_consumer_batch('g', 'm1', 7)$$, $$SELECT sequence_number FROM m1 WHERE o <= 7 ORDER BY o$$,
  'Reading again: the same (reading moves nothing)');
-- Move the first bucket's checkpoint past its first event: the others are now further behind.
SELECT pgevents.save_consumer_checkpoint('g', 'm1', bucket, 1, '0', 0, transaction_id, sequence_number) FROM m1 WHERE o = 1 \gset ignored_
SELECT isnt((SELECT bucket FROM pgevents.read_consumer_batch('g', 'm1', 1)), (SELECT bucket FROM m1 WHERE o = 1),
  'The bucket furthest behind comes first');
SELECT is_empty($$SELECT * FROM pgevents.read_consumer_batch('g', 'nobody', 10)$$, 'A member without partitions: nothing');

-- Replays come first.
CREATE TEMP TABLE parked AS SELECT pgevents.park_consumer_event('g', 'm1', 1, (SELECT sequence_number FROM m1 WHERE o = 5), 'boom', 3) AS id;
SELECT pgevents.replay_parked_events('g', ARRAY(SELECT id FROM parked)) \gset ignored_
SELECT results_eq($$SELECT parked_id, attempts, sequence_number FROM pgevents.read_consumer_batch('g', 'm1', 2) LIMIT 1$$,
  $$SELECT (SELECT id FROM parked), 3, sequence_number FROM m1 WHERE o = 5$$, 'A replay comes first, with parked_id and attempts');
SELECT is((SELECT count(*) FROM pgevents.read_consumer_batch('g', 'm2', 1000) WHERE parked_id IS NOT NULL), 0::bigint,
  'only to the member owning its partition');

SELECT ok(NOT pg_temp.holds_advisory_locks(), 'No advisory lock was taken by the consumer functions');

-- The fence: this transaction's own append is above it.
SELECT count(*) FROM pgevents.append('readConsumerBatchTest', 's0', pg_temp.new_events(1, 'Mine')) \gset ignored_
SELECT is((SELECT count(*) FROM pgevents.read_consumer_batch('g', 'm1', 1000) r JOIN pgevents.read_consumer_batch('g', 'm2', 1000) q USING (sequence_number)
           WHERE r.name = 'Mine'), 0::bigint, 'This transaction''s own append is not returned (it holds the fence)');

SELECT is(pg_temp.sqlstate_of($$SELECT * FROM pgevents.read_consumer_batch('nope', 'm1')$$), 'PE121', 'Unknown group: PE121');
SELECT is(pg_temp.sqlstate_of($$SELECT * FROM pgevents.read_consumer_batch('g', '')$$), 'PE101', 'Empty member: PE101');
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.read_consumer_batch('g', 'm1', 0)$$) -> 'detail' ->> 'field', 'limit', 'Limit 0: PE120');
SELECT is(pg_temp.sqlstate_of($$SELECT * FROM pgevents.read_consumer_batch('g', 'm1', 10001)$$), 'PE120', 'Limit 10001: PE120');
RESET ROLE;

-- No read amplification: what one read fetched (pending statistics of this transaction).
CREATE TEMP TABLE s0 AS SELECT * FROM pg_temp.scan_counts();
SET LOCAL ROLE consumer_test_writer;
SELECT count(*) AS m2_rows FROM pgevents.read_consumer_batch('g', 'm2', 1000) \gset
RESET ROLE;
CREATE TEMP TABLE s1 AS SELECT * FROM pg_temp.scan_counts();
SELECT is((SELECT s1.tuples_read - s0.tuples_read FROM s0 JOIN s1 USING (relname)
            WHERE relname = substring(pgevents.consumer_index_definition('readConsumerBatchTest') FROM 'EXISTS (\S+) ON')),
  :m2_rows::bigint, 'm2''s read fetched exactly the index entries it returned, from the category''s bucket index');
SELECT is((SELECT sum(s1.scans - s0.scans) FROM s0 JOIN s1 USING (relname) WHERE relname = 'events'), 0::numeric,
  'and never scanned the events table');
SELECT is((SELECT sum(s1.tuples_read - s0.tuples_read) FROM s0 JOIN s1 USING (relname)
            WHERE relname NOT IN ('events', substring(pgevents.consumer_index_definition('readConsumerBatchTest') FROM 'EXISTS (\S+) ON'))),
  0::numeric, 'nor any other index of the events');

-- One partition: the category index, or the log index.
SET LOCAL ROLE consumer_test_writer;
SELECT pgevents.create_consumer_group('solo', '{"type": "category", "category": "readConsumerBatchTest"}') \gset ignored_
SELECT pgevents.create_consumer_group('log', '{"type": "log"}') \gset ignored_
SELECT count(*) FROM pgevents.join_consumer_group('solo', 'm1') \gset ignored_
SELECT count(*) FROM pgevents.join_consumer_group('log', 'm1') \gset ignored_
RESET ROLE;
-- Start both just before this file's events: the indexes still hold the
-- entries of rows deleted by earlier runs (autovacuum is off in sqltest).
UPDATE pgevents.consumer_checkpoints c SET transaction_id = e.transaction_id, sequence_number = e.sequence_number - 1
  FROM (SELECT transaction_id, sequence_number FROM pgevents.events WHERE category = 'readConsumerBatchTest'
         ORDER BY transaction_id, sequence_number LIMIT 1) e
 WHERE c.group_name IN ('solo', 'log');
CREATE TEMP TABLE s2 AS SELECT * FROM pg_temp.scan_counts();
SET LOCAL ROLE consumer_test_writer;
SELECT count(*) AS solo_rows FROM pgevents.read_consumer_batch('solo', 'm1', 50) \gset
RESET ROLE;
CREATE TEMP TABLE s3 AS SELECT * FROM pg_temp.scan_counts();
SET LOCAL ROLE consumer_test_writer;
SELECT count(*) AS log_rows FROM pgevents.read_consumer_batch('log', 'm1', 50) \gset
RESET ROLE;
CREATE TEMP TABLE s4 AS SELECT * FROM pg_temp.scan_counts();
SELECT results_eq($$SELECT relname, s3.tuples_read - s2.tuples_read FROM s2 JOIN s3 USING (relname) WHERE s3.tuples_read > s2.tuples_read$$,
  $$VALUES ('events_category_order_idx'::name, 50::bigint)$$, 'One partition over a category: 50 entries of events_category_order_idx, nothing else');
SELECT results_eq($$SELECT relname, s4.tuples_read - s3.tuples_read FROM s3 JOIN s4 USING (relname) WHERE s4.tuples_read > s3.tuples_read$$,
  $$VALUES ('events_log_order_idx'::name, 50::bigint)$$, 'One partition over the log: 50 entries of events_log_order_idx');

-- The plan of the bucket query, under the function's settings.
SELECT format('PREPARE bucket_query(text, text, xid8, integer) AS %s', pgevents.consumer_bucket_query('readConsumerBatchTest')) \gexec
SET LOCAL enable_seqscan = off;
SET LOCAL enable_bitmapscan = off;
SET LOCAL enable_sort = off;
SELECT matches(pg_temp.plan_of($$EXECUTE bucket_query('g', 'm2', pg_snapshot_xmin(pg_current_snapshot()), 100)$$),
  '"Index Name": "' || substring(pgevents.consumer_index_definition('readConsumerBatchTest') FROM 'EXISTS (\S+) ON') || '"',
  'Plan: each bucket is read through the category''s bucket index');
SELECT matches(pg_temp.plan_of($$EXECUTE bucket_query('g', 'm2', pg_snapshot_xmin(pg_current_snapshot()), 100)$$),
  '"Relation Name": "events",[^}]*"Index Cond": "\(\(\(hashtext\([^"]*\) & 63\) = c\.bucket\) AND \(ROW\(transaction_id, sequence_number\) > ROW\(c\.transaction_id, c\.sequence_number\)\)',
  'Plan: the bucket and the checkpoint are index conditions (one ordered range per bucket)');
SELECT doesnt_match(pg_temp.plan_of($$EXECUTE bucket_query('g', 'm2', pg_snapshot_xmin(pg_current_snapshot()), 100)$$),
  '"Sort Key": \["e\.', 'Plan: the events are not sorted');

-- Inlined (issue 11).
SELECT is_empty(
  $$SELECT p.oid::regprocedure FROM pg_proc p
     WHERE p.oid = 'pgevents.read_consumer_batch(text,text,integer)'::regprocedure
       AND (p.prolang <> (SELECT l.oid FROM pg_language l WHERE l.lanname = 'sql')
            OR p.prosecdef OR p.proconfig IS NOT NULL OR p.provolatile <> 's' OR p.proisstrict)$$,
  'read_consumer_batch is LANGUAGE sql, STABLE, not STRICT, not SECURITY DEFINER, without SET clause (inlinable)');
SET LOCAL ROLE consumer_test_writer;
SELECT doesnt_match(pg_temp.plan_of($$SELECT * FROM pgevents.read_consumer_batch('solo', 'm1', 50)$$), '"Function Name": "read_consumer_batch"',
  'No Function Scan of read_consumer_batch (inlined, no tuplestore)');
SELECT matches(pg_temp.plan_of($$SELECT * FROM pgevents.read_consumer_batch('solo', 'm1', 50)$$),
  '"Index Name": "events_(category|log)_order_idx"', 'One partition: an index range scan of the events');
PREPARE rcb(text, text, integer) AS SELECT * FROM pgevents.read_consumer_batch($1, $2, $3);
EXECUTE rcb('solo', 'm1', 1) \gset ignored_
EXECUTE rcb('solo', 'm1', 1) \gset ignored_
EXECUTE rcb('solo', 'm1', 1) \gset ignored_
EXECUTE rcb('solo', 'm1', 1) \gset ignored_
EXECUTE rcb('solo', 'm1', 1) \gset ignored_
EXECUTE rcb('solo', 'm1', 1) \gset ignored_
SELECT matches(pg_temp.plan_of($$EXECUTE rcb('solo', 'm1', 1)$$), '= \$1',
  'A prepared read plans once: the generic plan (its conditions hold $1), no planning per batch');
SELECT is((SELECT count(*) FROM pgevents.read_consumer_batch('g', 'm1', 3)), 3::bigint, 'A replay and new events fill one limit');
SELECT results_eq($$SELECT parked_id IS NOT NULL FROM pgevents.read_consumer_batch('g', 'm1', 3)$$, $$VALUES (true), (false), (false)$$,
  'the replay first');
SELECT is(pg_temp.sqlstate_of($$SELECT * FROM pgevents.read_consumer_batch('g', 'm1', NULL)$$), 'PE120', 'NULL limit: PE120');
SELECT is(pg_temp.sqlstate_of($$SELECT * FROM pgevents.read_consumer_batch(NULL, 'm1')$$), 'PE101', 'NULL group: PE101');
SELECT is(pg_temp.sqlstate_of($$SELECT * FROM pgevents.read_consumer_batch('g', NULL)$$), 'PE101', 'NULL member: PE101');
SELECT is(pg_temp.sqlstate_of($$SELECT * FROM pgevents.read_consumer_batch('g', 'nobody', 0)$$), 'PE120',
  'A member without partitions, limit 0: PE120 (the checks run whatever the call returns)');
SELECT is(pg_temp.sqlstate_of($$SELECT count(*) FROM pgevents.events$$), '42501',
  'The writer still has no privilege on pgevents.events (it reads through readable_events)');
RESET ROLE;

SET LOCAL ROLE consumer_test_reader;
SELECT is(pg_temp.sqlstate_of($$SELECT * FROM pgevents.read_consumer_batch('g', 'm1')$$), '42501', 'pgevents_reader may not read a batch');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;

SET session_replication_role = replica;
DELETE FROM pgevents.events WHERE category LIKE 'readConsumerBatchTest%';
RESET session_replication_role;
