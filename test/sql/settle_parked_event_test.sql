-- pgevents.settle_parked_event
--
-- - The owner removes a parked event whose replay it handled: true; gone
--   already: false
-- - Not the owner or an old generation: PE123, nothing removed
-- - NULL arguments PE120, unknown group PE121; pgevents_writer only
\ir helpers.psql
BEGIN;
\ir consumer_helpers.psql
SELECT plan(7);

SELECT count(*) FROM pgevents.append('settleParkedEventTest', 's1', pg_temp.new_events(1)) \gset ignored_
SELECT sequence_number AS seq FROM pgevents.events WHERE category = 'settleParkedEventTest' \gset
SET LOCAL ROLE consumer_test_writer;
SELECT pgevents.create_consumer_group('g', '{"type": "category", "category": "settleParkedEventTest"}') \gset ignored_
SELECT count(*) FROM pgevents.join_consumer_group('g', 'm1') \gset ignored_
CREATE TEMP TABLE parked AS
  SELECT pgevents.park_consumer_event('g', 'm1', 1, :seq, 'boom', 1) AS id;
SELECT is(pg_temp.sqlstate_of($$SELECT pgevents.settle_parked_event('g', 'm2', 1, (SELECT id FROM parked))$$), 'PE123', 'Not the owner: PE123');
SELECT is(pg_temp.sqlstate_of($$SELECT pgevents.settle_parked_event('g', 'm1', 2, (SELECT id FROM parked))$$), 'PE123', 'An old generation: PE123');
SELECT is((SELECT count(*) FROM pgevents.consumer_parked), 1::bigint, 'nothing removed');
SELECT ok(pgevents.settle_parked_event('g', 'm1', 1, (SELECT id FROM parked)), 'The owner settles it: true');
SELECT ok(NOT pgevents.settle_parked_event('g', 'm1', 1, (SELECT id FROM parked)), 'Gone already: false');
SELECT is(pg_temp.sqlstate_of($$SELECT pgevents.settle_parked_event('g', 'm1', NULL, 1)$$), 'PE120', 'NULL generation: PE120');
SELECT is(pg_temp.sqlstate_of($$SELECT pgevents.settle_parked_event('nope', 'm1', 1, 1)$$), 'PE121', 'Unknown group: PE121');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
