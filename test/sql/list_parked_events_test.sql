-- pgevents.list_parked_events
--
-- - A group's parked events with the events, in id order; paged by id and
--   limit (-1 all); none of another group
-- - Invalid limit PE106, unknown group PE121; pgevents_reader may call it
\ir helpers.psql
BEGIN;
\ir consumer_helpers.psql
SELECT plan(6);

SELECT count(*) FROM generate_series(1, 3) i, LATERAL pgevents.append('listParkedEventsTest', 's' || i, pg_temp.new_events(1, 'E' || i)) \gset ignored_
CREATE TEMP TABLE ev AS SELECT sequence_number FROM pgevents.events WHERE category = 'listParkedEventsTest';
GRANT SELECT ON ev TO PUBLIC;
SET LOCAL ROLE consumer_test_writer;
SELECT count(*) FROM (VALUES ('g'), ('h')) v(g), LATERAL pgevents.create_consumer_group(g, '{"type": "category", "category": "listParkedEventsTest"}') \gset ignored_
SELECT count(*) FROM pgevents.join_consumer_group('g', 'm1') \gset ignored_
SELECT count(*) FROM pgevents.join_consumer_group('h', 'm1') \gset ignored_
SELECT count(pgevents.park_consumer_event('g', 'm1', 1, e.sequence_number, 'error E' || e.n, 1))
  FROM (SELECT sequence_number, row_number() OVER (ORDER BY sequence_number) AS n FROM ev) e \gset ignored_
SELECT pgevents.park_consumer_event('h', 'm1', 1, min(e.sequence_number), 'h', 1) FROM ev e \gset ignored_
SET LOCAL ROLE consumer_test_reader;
SELECT results_eq($$SELECT group_name, error, name, stream FROM pgevents.list_parked_events('g')$$,
  $$VALUES ('g', 'error E1', 'E1', 's1'), ('g', 'error E2', 'E2', 's2'), ('g', 'error E3', 'E3', 's3')$$,
  'The group''s parked events with the events, in id order (as pgevents_reader)');
SELECT results_eq($$SELECT name FROM pgevents.list_parked_events('g', (SELECT min(parked_id) FROM pgevents.list_parked_events('g')), 1)$$,
  $$VALUES ('E2')$$, 'Paged: after an id, limit 1');
SELECT is((SELECT count(*) FROM pgevents.list_parked_events('g', 0, -1)), 3::bigint, 'Limit -1: all');
SELECT is((SELECT count(*) FROM pgevents.list_parked_events('h')), 1::bigint, 'Another group''s are its own');
SELECT is(pg_temp.sqlstate_of($$SELECT * FROM pgevents.list_parked_events('g', 0, -2)$$), 'PE106', 'Limit -2: PE106');
SELECT is(pg_temp.sqlstate_of($$SELECT * FROM pgevents.list_parked_events('nope')$$), 'PE121', 'Unknown group: PE121');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
