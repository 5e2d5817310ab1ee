-- pgevents.replay_parked_events
--
-- - Marks the given parked events of the group for replay; returns how many
--   (unknown ids and other groups' ignored); marking twice keeps the first
--   request time
-- - NULL ids or more than consumer_max_batch PE120, unknown group PE121;
--   pgevents_writer only
\ir helpers.psql
BEGIN;
\ir consumer_helpers.psql
SELECT plan(6);

SELECT count(*) FROM pgevents.append('replayParkedEventsTest', 's1', pg_temp.new_events(2)) \gset ignored_
CREATE TEMP TABLE ev AS SELECT sequence_number FROM pgevents.events WHERE category = 'replayParkedEventsTest';
GRANT SELECT ON ev TO PUBLIC;
SET LOCAL ROLE consumer_test_writer;
SELECT pgevents.create_consumer_group('g', '{"type": "category", "category": "replayParkedEventsTest"}') \gset ignored_
SELECT count(*) FROM pgevents.join_consumer_group('g', 'm1') \gset ignored_
CREATE TEMP TABLE parked AS SELECT pgevents.park_consumer_event('g', 'm1', 1, e.sequence_number, 'x', 1) AS id
  FROM ev e;
SELECT is(pgevents.replay_parked_events('g', ARRAY(SELECT min(id) FROM parked) || ARRAY[-5::bigint]), 1, 'One known id: 1 marked');
SELECT is((SELECT count(*) FROM pgevents.list_parked_events('g') WHERE replay_requested_at IS NOT NULL), 1::bigint, 'It is marked for replay');
CREATE TEMP TABLE first_request AS SELECT replay_requested_at FROM pgevents.list_parked_events('g') WHERE replay_requested_at IS NOT NULL;
SELECT is(pgevents.replay_parked_events('g', ARRAY(SELECT id FROM parked)), 2, 'Both: 2');
SELECT is((SELECT replay_requested_at FROM pgevents.list_parked_events('g') WHERE parked_id = (SELECT min(id) FROM parked)), (SELECT replay_requested_at FROM first_request),
  'Marking twice keeps the first request');
SELECT is(pg_temp.sqlstate_of($$SELECT pgevents.replay_parked_events('g', NULL)$$), 'PE120', 'NULL ids: PE120');
SELECT is(pg_temp.error_of($$SELECT pgevents.replay_parked_events('g', array_fill(1::bigint, ARRAY[10001]))$$) -> 'detail' ->> 'field', 'ids',
  '10,001 ids: PE120');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
