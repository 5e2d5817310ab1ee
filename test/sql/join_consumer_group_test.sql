-- pgevents.join_consumer_group
--
-- - A first member claims every partition (generation 1) and gets them back
-- - A second member gets nothing until the first releases above its share;
--   then it claims (generation 2); shares follow member names; three members
--   of 4 partitions: 2, 1, 1
-- - The lease is renewed; a member whose lease expired is forgotten and its
--   partitions are claimed by the next heartbeat (generation + 1)
-- - A member whose own lease expired unnoticed keeps what nobody claimed
-- - Invalid name PE101, lease outside 100 ms..1 h PE120, unknown group
--   PE121, consumer_max_members reached PE125
-- - pgevents_writer only; no advisory locks
\ir helpers.psql
BEGIN;
\ir consumer_helpers.psql
SELECT plan(22);

SELECT has_function('pgevents', 'join_consumer_group', ARRAY['text', 'text', 'interval'], 'join_consumer_group(group, member, lease) exists');
SELECT function_returns('pgevents', 'join_consumer_group', ARRAY['text', 'text', 'interval'], 'setof pgevents.consumer_partitions', 'It returns setof pgevents.consumer_partitions');

SET LOCAL ROLE consumer_test_writer;
SELECT pgevents.create_consumer_group('g', '{"type": "category", "category": "order"}', 4) \gset ignored_
SELECT results_eq($$SELECT partition, owner, generation FROM pgevents.join_consumer_group('g', 'm1')$$,
  $$VALUES (0, 'm1', 1::bigint), (1, 'm1', 1), (2, 'm1', 1), (3, 'm1', 1)$$, 'A first member claims every partition, generation 1');
SELECT results_eq($$SELECT partition, generation FROM pgevents.join_consumer_group('g', 'm1')$$,
  $$VALUES (0, 1::bigint), (1, 1), (2, 1), (3, 1)$$, 'Its heartbeat keeps them, same generation');
SELECT is_empty($$SELECT * FROM pgevents.join_consumer_group('g', 'm2')$$, 'A second member: nothing is free yet');
SELECT results_eq($$SELECT partition FROM pgevents.join_consumer_group('g', 'm1')$$, $$VALUES (0), (1)$$,
  'The first member''s heartbeat releases its highest partitions above its share');
SELECT results_eq($$SELECT partition, generation FROM pgevents.join_consumer_group('g', 'm2')$$,
  $$VALUES (2, 2::bigint), (3, 2)$$, 'The second claims them: generation 2 (the fencing token moved)');
SELECT is_empty($$SELECT * FROM pgevents.join_consumer_group('g', 'm0')$$, 'A third member');
SELECT results_eq($$SELECT partition FROM pgevents.join_consumer_group('g', 'm1')$$, $$VALUES (0)$$, 'm1 (second by name) keeps one');
SELECT results_eq($$SELECT partition FROM pgevents.join_consumer_group('g', 'm2')$$, $$VALUES (2)$$, 'm2 keeps one');
SELECT results_eq($$SELECT partition FROM pgevents.join_consumer_group('g', 'm0')$$, $$VALUES (1), (3)$$, 'm0, first by name, gets 4/3 rounded up: 2');
RESET ROLE;

-- Leases: renewed by each call; expiry simulated by moving it into the past.
SELECT ok((SELECT lease_expires_at > clock_timestamp() + interval '25 seconds' FROM pgevents.consumer_members WHERE group_name = 'g' AND member = 'm0'),
  'The default lease: 30 seconds from the heartbeat');
UPDATE pgevents.consumer_members SET lease_expires_at = clock_timestamp() - interval '1 second' WHERE group_name = 'g' AND member = 'm0';
SET LOCAL ROLE consumer_test_writer;
SELECT results_eq($$SELECT partition, generation FROM pgevents.join_consumer_group('g', 'm1', '5 seconds')$$,
  $$VALUES (0, 1::bigint), (1, 3)$$, 'm0''s lease expired: the next heartbeat forgets it and claims its partitions (generation + 1)');
SELECT results_eq($$SELECT member FROM pgevents.consumer_members WHERE group_name = 'g' ORDER BY 1$$, $$VALUES ('m1'), ('m2')$$, 'm0 is gone');
RESET ROLE;
UPDATE pgevents.consumer_members SET lease_expires_at = clock_timestamp() - interval '1 second' WHERE group_name = 'g' AND member = 'm2';
SET LOCAL ROLE consumer_test_writer;
SELECT results_eq($$SELECT partition, generation FROM pgevents.join_consumer_group('g', 'm2')$$,
  $$VALUES (2, 2::bigint), (3, 4)$$, 'A member whose own lease expired unnoticed keeps what nobody claimed (same generation), and claims its share');

SELECT is(pg_temp.sqlstate_of($$SELECT pgevents.join_consumer_group('g', '')$$), 'PE101', 'Empty member: PE101');
SELECT is(pg_temp.error_of($$SELECT pgevents.join_consumer_group('g', 'm', '50 milliseconds')$$) -> 'detail' ->> 'field', 'lease', 'Lease below 100 ms: PE120');
SELECT is(pg_temp.sqlstate_of($$SELECT pgevents.join_consumer_group('g', 'm', '2 hours')$$), 'PE120', 'Lease above 1 hour: PE120');
SELECT is(pg_temp.error_of($$SELECT pgevents.join_consumer_group('nope', 'm')$$) -> 'detail', '{"group": "nope"}', 'Unknown group: PE121 naming it');
RESET ROLE;
UPDATE pgevents.settings SET value = '2' WHERE name = 'consumer_max_members';
SET LOCAL ROLE consumer_test_writer;
SELECT is(pg_temp.sqlstate_of($$SELECT pgevents.join_consumer_group('g', 'm3')$$), 'PE125', 'consumer_max_members live members: a third gets PE125');
SELECT is((SELECT count(*) FROM pgevents.consumer_members WHERE group_name = 'g'), 2::bigint, 'and is not a member');
SET LOCAL ROLE consumer_test_reader;
SELECT is(pg_temp.sqlstate_of($$SELECT pgevents.join_consumer_group('g', 'm9')$$), '42501', 'pgevents_reader may not join');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
