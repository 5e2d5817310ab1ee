-- pgevents.drop_parked_events
--
-- - Removes the given parked events of the group (the events stay in the
--   log); returns how many; unknown ids and other groups' ignored
-- - NULL ids PE120, unknown group PE121; pgevents_writer only
\ir helpers.psql
BEGIN;
\ir consumer_helpers.psql
SELECT plan(6);

SELECT count(*) FROM pgevents.append('dropParkedEventsTest', 's1', pg_temp.new_events(2)) \gset ignored_
CREATE TEMP TABLE ev AS SELECT sequence_number FROM pgevents.events WHERE category = 'dropParkedEventsTest';
GRANT SELECT ON ev TO PUBLIC;
SET LOCAL ROLE consumer_test_writer;
SELECT count(*) FROM (VALUES ('g'), ('h')) v(g), LATERAL pgevents.create_consumer_group(g, '{"type": "category", "category": "dropParkedEventsTest"}') \gset ignored_
SELECT count(*) FROM pgevents.join_consumer_group('g', 'm1') \gset ignored_
SELECT count(*) FROM pgevents.join_consumer_group('h', 'm1') \gset ignored_
CREATE TEMP TABLE parked AS SELECT pgevents.park_consumer_event('g', 'm1', 1, e.sequence_number, 'x', 1) AS id
  FROM ev e;
CREATE TEMP TABLE other AS SELECT pgevents.park_consumer_event('h', 'm1', 1, min(e.sequence_number), 'x', 1) AS id
  FROM ev e;
SELECT is(pgevents.drop_parked_events('g', ARRAY(SELECT id FROM parked UNION ALL SELECT id FROM other)), 2, 'Drops the group''s two, not the other group''s');
SELECT is((SELECT count(*) FROM pgevents.consumer_parked), 1::bigint, 'One parked event is left (the other group''s)');
SELECT is((SELECT count(*) FROM pgevents.read_stream('dropParkedEventsTest', 's1')), 2::bigint, 'The events stay in the log');
SELECT is(pgevents.drop_parked_events('g', ARRAY(SELECT id FROM parked)), 0, 'Dropping again: 0');
SELECT is(pg_temp.sqlstate_of($$SELECT pgevents.drop_parked_events('g', NULL)$$), 'PE120', 'NULL ids: PE120');
SET LOCAL ROLE consumer_test_reader;
SELECT is(pg_temp.sqlstate_of($$SELECT pgevents.drop_parked_events('g', '{}')$$), '42501', 'pgevents_reader may not drop');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
