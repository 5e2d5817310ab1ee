-- pgevents.browse_categories
--
-- - Categories in name order, key-set paged by p_after and p_limit
-- - events_counted: the exact count up to p_count_limit, NULL beyond it
-- - events_estimate: the planner's estimate once the table is analyzed (at
--   least 1), labelled by the caller; latest_*: the category's latest event
--   in read order
-- - Callable by pgevents_reader and pgevents_writer; nothing written
-- - Bad arguments: p_after not a valid name (PE101), p_limit outside
--   1..1000 and p_count_limit outside 0..100000 (PE106)
-- - Plan: the loose index scan probe and the capped count are index scans
--   (no sequential scan, no sort)
-- All inside the test transaction (the function is not fenced).
BEGIN;
\ir helpers.psql
SELECT plan(17);

SELECT count(*) FROM pgevents.append('browseCatA', 's1', pg_temp.new_events(2)) \gset ignored_
SELECT count(*) FROM pgevents.append('browseCatA', 's2', pg_temp.new_events(1)) \gset ignored_
SELECT count(*) FROM pgevents.append('browseCatB', 's1', pg_temp.new_events(1)) \gset ignored_
SELECT count(*) FROM pgevents.append('browseCatC', 's1', pg_temp.new_events(5)) \gset ignored_
ANALYZE pgevents.events;
SELECT count(*) AS events_before FROM pgevents.events \gset

SET LOCAL ROLE pgevents_reader;
SELECT results_eq(
  $$SELECT category, events_counted FROM pgevents.browse_categories('browseCat', 3, 10)$$,
  $$VALUES ('browseCatA', 3::bigint), ('browseCatB', 1::bigint), ('browseCatC', 5::bigint)$$,
  'Reader: categories in name order after p_after, exact counts up to p_count_limit');
SELECT results_eq(
  $$SELECT category, events_counted FROM pgevents.browse_categories('browseCat', 3, 2)$$,
  $$VALUES ('browseCatA', NULL::bigint), ('browseCatB', 1::bigint), ('browseCatC', NULL::bigint)$$,
  'Beyond p_count_limit: events_counted is NULL');
SELECT results_eq(
  $$SELECT category FROM pgevents.browse_categories('browseCatA', 1)$$,
  $$VALUES ('browseCatB')$$,
  'Key-set paging: p_after and p_limit');
SELECT is_empty(
  $$SELECT * FROM pgevents.browse_categories('browseCatC', 1000) WHERE category LIKE 'browseCat%'$$,
  'Nothing after the last category');
SELECT results_eq(
  $$SELECT latest_id, latest_sequence_number, latest_observed_at FROM pgevents.browse_categories('browseCatB', 1)$$,
  $$SELECT id, sequence_number, observed_at FROM pgevents.latest_event('browseCatC')$$,
  'latest_*: the category''s latest event in read order');
SELECT ok((SELECT bool_and(events_estimate >= 1) FROM pgevents.browse_categories('browseCat', 3)),
  'Analyzed: every category has an estimate of at least 1');
SELECT ok((SELECT count(*) FROM pgevents.browse_categories(NULL, 1000)) >= 3,
  'NULL p_after starts at the first category');
SELECT throws_ok($$SELECT * FROM pgevents.browse_categories('', 10)$$, 'PE101', NULL, 'p_after empty: PE101');
SELECT throws_ok($$SELECT * FROM pgevents.browse_categories(NULL, 0)$$, 'PE106', NULL, 'p_limit 0: PE106');
SELECT throws_ok($$SELECT * FROM pgevents.browse_categories(NULL, 1001)$$, 'PE106', NULL, 'p_limit 1001: PE106');
SELECT throws_ok($$SELECT * FROM pgevents.browse_categories(NULL, 10, -1)$$, 'PE106', NULL, 'p_count_limit -1: PE106');
SELECT throws_ok($$SELECT * FROM pgevents.browse_categories(NULL, 10, 100001)$$, 'PE106', NULL, 'p_count_limit 100001: PE106');
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.browse_categories(NULL, 0)$$)->'detail',
  '{"field": "limit", "reason": "must be from 1 to 1000 (got 0)"}'::jsonb, 'PE106 DETAIL names the field');
SET LOCAL ROLE pgevents_writer;
SELECT is((SELECT count(*) FROM pgevents.browse_categories('browseCat', 3)), 3::bigint, 'Writer may call it too');
RESET ROLE;
SELECT is((SELECT count(*) FROM pgevents.events), :'events_before'::bigint, 'Nothing written');

-- Plan checks: the statements of the loop, as generic plans.
SELECT pg_temp.fill_for_plans() \gset ignored_
PREPARE next_category(text) AS
  SELECT e.category FROM pgevents.events e WHERE e.category > $1 ORDER BY e.category LIMIT 1;
PREPARE capped_count(text, integer) AS
  SELECT pg_catalog.count(*) FROM (SELECT 1 FROM pgevents.events e WHERE e.category = $1 LIMIT $2 + 1) c;
SET LOCAL plan_cache_mode = force_generic_plan;
SELECT doesnt_match(pg_temp.plan_of($$EXECUTE next_category('planFill1')$$),
  '"Node Type": "(Seq Scan|Sort)"', 'Plan: the next category is one index probe (no sequential scan, no sort)');
SELECT doesnt_match(pg_temp.plan_of($$EXECUTE capped_count('planFill1', 1000)$$),
  '"Node Type": "(Seq Scan|Sort)"', 'Plan: the capped count is an index scan');

SELECT * FROM finish();
ROLLBACK;
