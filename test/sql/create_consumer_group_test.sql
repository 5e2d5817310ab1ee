-- pgevents.create_consumer_group
--
-- - Creates the group, its partitions (owner none, generation 0) and its
--   checkpoints: one for a group of one partition, 64 (bucket b in partition
--   b % N) otherwise, all at the start ('0', 0)
-- - Same definition again: the existing row, nothing changed; another
--   definition: PE122 with the existing one in DETAIL
-- - From the end: checkpoints at (fence, 0)
-- - N > 1 over a category: creates the category's partial bucket index;
--   N = 1 creates none; over the log: events_consumer_log_idx
-- - Invalid name PE101, invalid source or partitions PE120; limits PE125
--   (consumer_max_groups, consumer_max_indexed_categories); nothing written
-- - pgevents_writer may call it, pgevents_reader may not; no advisory locks
\ir helpers.psql
BEGIN;
\ir consumer_helpers.psql
SELECT plan(36);

SELECT has_function('pgevents', 'create_consumer_group', ARRAY['text', 'jsonb', 'integer', 'boolean'], 'create_consumer_group(group, source, partitions, from_end) exists');
SELECT function_returns('pgevents', 'create_consumer_group', ARRAY['text', 'jsonb', 'integer', 'boolean'], 'setof pgevents.consumer_groups', 'It returns setof pgevents.consumer_groups');
SELECT volatility_is('pgevents', 'create_consumer_group', ARRAY['text', 'jsonb', 'integer', 'boolean'], 'volatile', 'It is VOLATILE');

SET LOCAL ROLE consumer_test_writer;
SELECT results_eq($$SELECT name, category, partitions FROM pgevents.create_consumer_group('billing', '{"type": "category", "category": "order"}', 4)$$,
  $$VALUES ('billing', 'order', 4)$$, 'Creates a group of 4 partitions over a category (as pgevents_writer)');
SELECT results_eq($$SELECT partition, owner, generation FROM pgevents.consumer_partitions WHERE group_name = 'billing' ORDER BY partition$$,
  $$VALUES (0, NULL::text, 0::bigint), (1, NULL, 0), (2, NULL, 0), (3, NULL, 0)$$, 'Its partitions: unowned, generation 0');
SELECT is((SELECT count(*) FROM pgevents.consumer_checkpoints WHERE group_name = 'billing'), 64::bigint, '64 checkpoints, one per bucket');
SELECT is_empty($$SELECT 1 FROM pgevents.consumer_checkpoints WHERE group_name = 'billing' AND (partition <> bucket % 4 OR transaction_id <> '0' OR sequence_number <> 0)$$,
  'Bucket b is in partition b % 4, every checkpoint at the start');
SELECT ok(to_regclass('pgevents.' || substring(pgevents.consumer_index_definition('order') FROM 'EXISTS (\S+) ON')) IS NOT NULL,
  'The category''s bucket index was created');
SELECT results_eq($$SELECT name, category, partitions FROM pgevents.create_consumer_group('solo', '{"type": "category", "category": "invoice"}')$$,
  $$VALUES ('solo', 'invoice', 1)$$, 'Default: one partition');
SELECT results_eq($$SELECT bucket, partition FROM pgevents.consumer_checkpoints WHERE group_name = 'solo'$$, $$VALUES (0, 0)$$,
  'One partition: one checkpoint for everything');
SELECT ok(to_regclass('pgevents.' || substring(pgevents.consumer_index_definition('invoice') FROM 'EXISTS (\S+) ON')) IS NULL,
  'One partition: no bucket index (it reads the category index)');
SELECT results_eq($$SELECT name, category, partitions FROM pgevents.create_consumer_group('audit', '{"type": "log"}', 2)$$,
  $$VALUES ('audit', NULL::text, 2)$$, 'A group over the log');
SELECT ok(to_regclass('pgevents.events_consumer_log_idx') IS NOT NULL, 'Log with several partitions: the log bucket index');

CREATE TEMP TABLE before_again AS SELECT * FROM pgevents.consumer_groups;
SELECT results_eq($$SELECT * FROM pgevents.create_consumer_group('billing', '{"category": "order", "type": "category"}', 4, true)$$,
  $$SELECT * FROM before_again WHERE name = 'billing'$$, 'Same definition again: the existing group, unchanged');
SELECT is_empty($$SELECT 1 FROM pgevents.consumer_checkpoints WHERE group_name = 'billing' AND transaction_id <> '0'$$, 'from_end is ignored for an existing group');
SELECT throws_ok($$SELECT * FROM pgevents.create_consumer_group('billing', '{"type": "category", "category": "order"}', 8)$$, 'PE122', NULL, 'Other partitions: PE122');
SELECT throws_ok($$SELECT * FROM pgevents.create_consumer_group('billing', '{"type": "log"}', 4)$$, 'PE122', NULL, 'Other source: PE122');
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.create_consumer_group('billing', '{"type": "log"}', 4)$$) -> 'detail',
  '{"group": "billing", "category": "order", "partitions": 4}'::jsonb, 'PE122 DETAIL: the existing definition');

SELECT lives_ok($$SELECT pgevents.create_consumer_group('late', '{"type": "category", "category": "order"}', 2, true)$$, 'Creates a group from the end');
SELECT is_empty($$SELECT 1 FROM pgevents.consumer_checkpoints WHERE group_name = 'late'
                   AND (transaction_id <> pg_snapshot_xmin(pg_current_snapshot()) OR sequence_number <> 0)$$,
  'From the end: checkpoints at (the fence, 0)');

SELECT is(pg_temp.sqlstate_of($$SELECT pgevents.create_consumer_group('', '{"type": "log"}')$$), 'PE101', 'Empty name: PE101');
SELECT is(pg_temp.sqlstate_of($$SELECT pgevents.create_consumer_group(E'a\nb', '{"type": "log"}')$$), 'PE101', 'Control character: PE101');
SELECT is(pg_temp.error_of($$SELECT pgevents.create_consumer_group('x', '{"type": "stream", "category": "order", "stream": "o1"}')$$) -> 'detail',
  '{"field": "source", "reason": "a consumer group consumes a category or the log, not a stream"}', 'A stream: PE120 on source');
SELECT is(pg_temp.sqlstate_of($$SELECT pgevents.create_consumer_group('x', '{"type": "category", "category": "order", "stream": "o1"}')$$), 'PE120', 'A category with a stream: PE120');
SELECT is(pg_temp.sqlstate_of($$SELECT pgevents.create_consumer_group('x', '{"type": "category", "category": 7}')$$), 'PE120', 'A category that is not a string: PE120');
SELECT is(pg_temp.sqlstate_of($$SELECT pgevents.create_consumer_group('x', '{"type": "category", "category": ""}')$$), 'PE101', 'An empty category: PE101');
SELECT is(pg_temp.sqlstate_of($$SELECT pgevents.create_consumer_group('x', '{"type": "log", "x": 1}')$$), 'PE120', 'An unknown key: PE120');
SELECT is(pg_temp.sqlstate_of($$SELECT pgevents.create_consumer_group('x', '[]')$$), 'PE120', 'Not an object: PE120');
SELECT is(pg_temp.sqlstate_of($$SELECT pgevents.create_consumer_group('x', NULL)$$), 'PE120', 'NULL source: PE120');
SELECT is(pg_temp.error_of($$SELECT pgevents.create_consumer_group('x', '{"type": "log"}', 65)$$) -> 'detail' ->> 'field', 'partitions', '65 partitions: PE120 on partitions');
SELECT is(pg_temp.sqlstate_of($$SELECT pgevents.create_consumer_group('x', '{"type": "log"}', 0)$$), 'PE120', '0 partitions: PE120');
RESET ROLE;

-- Limits (owner-only settings).
UPDATE pgevents.settings SET value = '4' WHERE name = 'consumer_max_groups';
SET LOCAL ROLE consumer_test_writer;
SELECT is(pg_temp.error_of($$SELECT pgevents.create_consumer_group('fifth', '{"type": "log"}')$$) -> 'detail' ->> 'field', 'group', 'consumer_max_groups reached: PE125');
RESET ROLE;
UPDATE pgevents.settings SET value = '1000' WHERE name = 'consumer_max_groups';
UPDATE pgevents.settings SET value = '2' WHERE name = 'consumer_max_indexed_categories';
SET LOCAL ROLE consumer_test_writer;
SELECT is(pg_temp.sqlstate_of($$SELECT pgevents.create_consumer_group('third', '{"type": "category", "category": "third"}', 2)$$), 'PE125',
  'consumer_max_indexed_categories reached: PE125, and nothing written');
SELECT is((SELECT count(*) FROM pgevents.consumer_groups WHERE name IN ('x', 'fifth', 'third')), 0::bigint, 'No failed call wrote anything');
SET LOCAL ROLE consumer_test_reader;
SELECT is(pg_temp.sqlstate_of($$SELECT pgevents.create_consumer_group('r', '{"type": "log"}')$$), '42501', 'pgevents_reader may not create a group');
RESET ROLE;

SELECT ok(NOT pg_temp.holds_advisory_locks(), 'No advisory lock was taken');

SELECT * FROM finish();
ROLLBACK;
