-- pgevents.log_stats, category_stats, event_name_stats (issue 12: operations)
--
-- - Exact counts within the count budget: events, streams, rates, names
-- - Beyond the budget (0 = estimates only): planner estimates, flagged
--   exact = false; categories are still counted (one index probe each)
-- - category_stats pages by category (p_after, p_limit) and selects one
--   (p_category); unknown categories give no row
-- - Bad arguments: PE106 (limit, count_budget beyond the setting
--   stats_max_count), PE101 (category names); nothing changes
-- - As a login reader: the three are executable; the internal helpers
--   (first_event_at, estimate_events, stats_count_budget) are not
-- - first_event_at finds the first event recorded at or after a time
-- The fixtures are appended in the test transaction (stats are not fenced:
-- they see its own events) and rolled back.
\ir helpers.psql
BEGIN;
SELECT plan(32);

SELECT count(*) FROM pgevents.append('statsTestA', 's1', '[{"name": "Opened", "payload": 1}, {"name": "Paid", "payload": 2}, {"name": "Paid", "payload": 3}]') \gset ignored_
SELECT count(*) FROM pgevents.append('statsTestA', 's2', '[{"name": "Paid", "payload": 1}]') \gset ignored_
SELECT count(*) FROM pgevents.append('statsTestB', 's1', '[{"name": "Other", "payload": 1}]') \gset ignored_

SELECT has_function('pgevents', 'log_stats', ARRAY['integer'], 'log_stats(integer) exists');
SELECT has_function('pgevents', 'category_stats', ARRAY['text', 'integer', 'integer', 'text'], 'category_stats(text, integer, integer, text) exists');
SELECT has_function('pgevents', 'event_name_stats', ARRAY['text', 'integer', 'integer'], 'event_name_stats(text, integer, integer) exists');

CREATE ROLE pgevents_test_stats_reader LOGIN IN ROLE pgevents_reader;
SET LOCAL ROLE pgevents_test_stats_reader;

SELECT results_eq(
  $$SELECT category, events, events_exact, streams, streams_exact, last_minute, last_minute_exact, last_hour, last_hour_exact
      FROM pgevents.category_stats(p_category => 'statsTestA')$$,
  $$VALUES ('statsTestA', 4::bigint, true, 2::bigint, true, 4::bigint, true, 4::bigint, true)$$,
  'category_stats: exact events, streams and last minute/hour of one category');
SELECT is((SELECT latest_observed_at FROM pgevents.category_stats(p_category => 'statsTestA')),
  (SELECT max(observed_at) FROM pgevents.events WHERE category = 'statsTestA'), 'category_stats: latest_observed_at');
SELECT is((SELECT count(*) FROM pgevents.category_stats(p_category => 'statsTestNone')), 0::bigint,
  'category_stats: a category without events has no row');
SELECT results_eq(
  $$SELECT category FROM pgevents.category_stats(p_after => 'statsTestA', p_limit => 1)$$,
  $$VALUES ('statsTestB')$$, 'category_stats: key-set paging by category (p_after, p_limit)');
SELECT ok((SELECT array_agg(category) FROM pgevents.category_stats()) @> ARRAY['statsTestA', 'statsTestB'],
  'category_stats: every category by default');
SELECT ok((SELECT bool_and(c.category < d.category) FROM
  (SELECT category, row_number() OVER () AS n FROM pgevents.category_stats()) c
  JOIN (SELECT category, row_number() OVER () AS n FROM pgevents.category_stats()) d ON d.n = c.n + 1),
  'category_stats: in category order');

SELECT results_eq(
  $$SELECT name, events, exact FROM pgevents.event_name_stats('statsTestA')$$,
  $$VALUES ('Paid', 3::bigint, true), ('Opened', 1::bigint, true)$$,
  'event_name_stats: names of a category, exact, most frequent first');

SELECT ok((SELECT events_exact AND streams_exact AND categories_exact AND last_minute_exact AND last_hour_exact
             AND events >= 5 AND categories >= 2 AND last_hour >= 5 AND max_sequence_number > 0
             AND fence = pg_snapshot_xmin(pg_current_snapshot()) AND held_back_events >= 0
           FROM pgevents.log_stats()), 'log_stats: exact totals, rates and the fence');
SELECT is((SELECT latest_observed_at FROM pgevents.log_stats()),
  (SELECT observed_at FROM pgevents.events ORDER BY sequence_number DESC LIMIT 1), 'log_stats: latest_observed_at');

-- Estimates only.
SELECT ok((SELECT NOT events_exact AND NOT streams_exact AND events >= 1 AND categories_exact
           FROM pgevents.log_stats(0)), 'log_stats(0): events and streams are estimates, categories still counted');
SELECT ok((SELECT NOT events_exact AND NOT streams_exact AND NOT last_hour_exact AND events >= 1
           FROM pgevents.category_stats(p_category => 'statsTestA', p_count_budget => 0)),
  'category_stats(count_budget 0): estimates, flagged');
SELECT ok((SELECT NOT events_exact AND events >= 4 FROM pgevents.category_stats(p_category => 'statsTestA', p_count_budget => 3)),
  'category_stats: a budget smaller than the category gives an estimate, never below what was counted');
SELECT ok((SELECT bool_and(NOT exact) FROM pgevents.event_name_stats('statsTestA', 10, 1)),
  'event_name_stats: beyond the budget, estimates from the latest events');

-- Bad arguments.
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.category_stats(p_limit => 0)$$) ->> 'sqlstate', 'PE106', 'category_stats: limit 0 is PE106');
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.category_stats(p_limit => 10001)$$) #>> '{detail,field}', 'limit', 'category_stats: limit 10001 is PE106 on limit');
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.log_stats(100001)$$) #>> '{detail,field}', 'count_budget',
  'log_stats: a budget beyond the setting stats_max_count is PE106 on count_budget');
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.log_stats(-1)$$) ->> 'sqlstate', 'PE106', 'log_stats: a negative budget is PE106');
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.category_stats(p_after => E'bad\x01')$$) ->> 'sqlstate', 'PE101', 'category_stats: an invalid p_after is PE101');
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.category_stats(p_category => '')$$) ->> 'sqlstate', 'PE101', 'category_stats: an empty category is PE101');
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.event_name_stats(repeat('x', 300))$$) ->> 'sqlstate', 'PE101', 'event_name_stats: a too long category is PE101');
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.event_name_stats(NULL, -5)$$) ->> 'sqlstate', 'PE106', 'event_name_stats: a bad limit is PE106');

-- The internal helpers are not for readers.
SELECT is(pg_temp.error_of($$SELECT pgevents.estimate_events('statsTestA', NULL)$$) ->> 'sqlstate', '42501', 'a reader cannot call estimate_events');
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.first_event_at(now())$$) ->> 'sqlstate', '42501', 'a reader cannot call first_event_at');
SELECT is(pg_temp.error_of($$SELECT pgevents.stats_count_budget(1)$$) ->> 'sqlstate', '42501', 'a reader cannot call stats_count_budget');
SELECT is((SELECT count(*) FROM pgevents.events WHERE category LIKE 'statsTest%'), 5::bigint, 'nothing changed');
RESET ROLE;

SELECT ok(NOT has_function_privilege('public', 'pgevents.log_stats(integer)', 'EXECUTE'), 'PUBLIC cannot call log_stats');
SELECT is((SELECT sequence_number FROM pgevents.first_event_at(
             (SELECT observed_at FROM pgevents.events WHERE category = 'statsTestB'))),
          (SELECT min(sequence_number) FROM pgevents.events WHERE observed_at >= (SELECT observed_at FROM pgevents.events WHERE category = 'statsTestB')),
  'first_event_at: the first event recorded at or after a time');
SELECT is((SELECT count(*) FROM pgevents.first_event_at(clock_timestamp() + interval '1 hour')), 0::bigint,
  'first_event_at: nothing recorded after a future time');
SELECT ok(pgevents.estimate_events('statsTestA', NULL) >= 1 AND pgevents.estimate_events(NULL, NULL, 'streams') >= 1,
  'estimate_events: planner estimates, at least 1');

SELECT * FROM finish();
ROLLBACK;
