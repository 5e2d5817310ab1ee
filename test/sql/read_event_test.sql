-- pgevents.read_event
--
-- - An event by id: the stored row; an unknown id or NULL: no row
-- - Callable by pgevents_reader and pgevents_writer
-- - Plan: events_id_key
BEGIN;
\ir helpers.psql
SELECT plan(6);

SELECT id AS event_id FROM pgevents.append('readEvent', 's1', pg_temp.new_events(2)) ORDER BY position DESC LIMIT 1 \gset

SET LOCAL ROLE pgevents_reader;
SELECT results_eq(
  format('SELECT * FROM pgevents.read_event(%L)', :'event_id'),
  format('SELECT * FROM pgevents.events WHERE id = %L', :'event_id'),
  'Reader: the event with that id, every column');
SELECT is_empty($$SELECT * FROM pgevents.read_event('00000000-0000-0000-0000-000000000001')$$, 'Unknown id: no row');
SELECT is_empty($$SELECT * FROM pgevents.read_event(NULL)$$, 'NULL id: no row');
SET LOCAL ROLE pgevents_writer;
SELECT is((SELECT position FROM pgevents.read_event(:'event_id')), 1::bigint, 'Writer may call it too');
RESET ROLE;
SELECT volatility_is('pgevents', 'read_event', ARRAY['uuid'], 'stable', 'read_event is STABLE');
SELECT matches(pg_temp.plan_of(format('SELECT * FROM pgevents.events e WHERE e.id = %L', :'event_id')),
  '"Index Name": "events_id_key"', 'Plan: events_id_key');

SELECT * FROM finish();
ROLLBACK;
