-- pgevents.browse_streams
--
-- - A category's streams in name order, key-set paged by p_after and
--   p_limit, each with its latest event (highest position)
-- - An unknown category, or nothing after p_after: no rows
-- - Callable by pgevents_reader and pgevents_writer; nothing written
-- - Bad arguments: invalid category or p_after (PE101), p_limit outside
--   1..1000 (PE106)
-- - Plan: the next-stream probe is an index scan (no sequential scan, no
--   sort)
BEGIN;
\ir helpers.psql
SELECT plan(13);

SELECT count(*) FROM pgevents.append('browseStreams', 'b', pg_temp.new_events(3, 'Bee')) \gset ignored_
SELECT count(*) FROM pgevents.append('browseStreams', 'a', pg_temp.new_events(1, 'Ay')) \gset ignored_
SELECT count(*) FROM pgevents.append('browseStreams', 'c', pg_temp.new_events(2, 'Sea')) \gset ignored_
SELECT count(*) FROM pgevents.append('browseStreamsOther', 'a', pg_temp.new_events(1)) \gset ignored_
SELECT count(*) AS events_before FROM pgevents.events \gset

SET LOCAL ROLE pgevents_reader;
SELECT results_eq(
  $$SELECT stream, latest_position, latest_name FROM pgevents.browse_streams('browseStreams')$$,
  $$VALUES ('a', 0::bigint, 'Ay'), ('b', 2::bigint, 'Bee'), ('c', 1::bigint, 'Sea')$$,
  'Reader: streams in name order with their latest position and name');
SELECT results_eq(
  $$SELECT latest_id, latest_observed_at FROM pgevents.browse_streams('browseStreams', 'a', 1)$$,
  $$SELECT id, observed_at FROM pgevents.latest_event('browseStreams', 'b')$$,
  'Key-set paging: the stream after p_after, with its latest event');
SELECT is_empty($$SELECT * FROM pgevents.browse_streams('browseStreams', 'c')$$, 'Nothing after the last stream');
SELECT is_empty($$SELECT * FROM pgevents.browse_streams('browseStreamsNone')$$, 'Unknown category: no rows');
SELECT throws_ok($$SELECT * FROM pgevents.browse_streams('')$$, 'PE101', NULL, 'Empty category: PE101');
SELECT throws_ok($$SELECT * FROM pgevents.browse_streams(NULL)$$, 'PE101', NULL, 'NULL category: PE101');
SELECT throws_ok($$SELECT * FROM pgevents.browse_streams('browseStreams', E'a\n')$$, 'PE101', NULL, 'p_after with a control character: PE101');
SELECT throws_ok($$SELECT * FROM pgevents.browse_streams('browseStreams', NULL, 0)$$, 'PE106', NULL, 'p_limit 0: PE106');
SELECT throws_ok($$SELECT * FROM pgevents.browse_streams('browseStreams', NULL, 1001)$$, 'PE106', NULL, 'p_limit 1001: PE106');
SET LOCAL ROLE pgevents_writer;
SELECT is((SELECT count(*) FROM pgevents.browse_streams('browseStreams')), 3::bigint, 'Writer may call it too');
RESET ROLE;
SELECT is((SELECT count(*) FROM pgevents.events), :'events_before'::bigint, 'Nothing written');

SELECT pg_temp.fill_for_plans() \gset ignored_
PREPARE next_stream(text, text) AS
  SELECT e.stream FROM pgevents.events e WHERE e.category = $1 AND e.stream > $2 ORDER BY e.stream LIMIT 1;
SET LOCAL plan_cache_mode = force_generic_plan;
SELECT matches(pg_temp.plan_of($$EXECUTE next_stream('planFill1', '')$$),
  '"Index Name": "events_stream_position_key"', 'Plan: the next stream is a probe of events_stream_position_key');
SELECT doesnt_match(pg_temp.plan_of($$EXECUTE next_stream('planFill1', '')$$),
  '"Node Type": "(Seq Scan|Sort)"', 'Plan: no sequential scan, no sort');

SELECT * FROM finish();
ROLLBACK;
