-- pgevents.browse_summary
--
-- - One row: the planner's estimate of the number of events once the table
--   is analyzed, when it was analyzed, and the latest sequence number and its
--   observed_at
-- - Callable by pgevents_reader and pgevents_writer; the internal
--   browse_estimated_rows is not
BEGIN;
\ir helpers.psql
SELECT plan(7);

SELECT count(*) FROM pgevents.append('browseSummary', 's1', pg_temp.new_events(4)) \gset ignored_
ANALYZE pgevents.events;

SET LOCAL ROLE pgevents_reader;
SELECT is((SELECT count(*) FROM pgevents.browse_summary()), 1::bigint, 'One row');
SELECT is((SELECT estimated_events FROM pgevents.browse_summary()), (SELECT count(*) FROM pgevents.events),
  'Just analyzed: the estimate is the number of events');
SELECT ok((SELECT analyzed_at IS NOT NULL FROM pgevents.browse_summary()), 'analyzed_at is set');
SELECT results_eq(
  $$SELECT last_sequence_number, last_observed_at FROM pgevents.browse_summary()$$,
  $$SELECT sequence_number, observed_at FROM pgevents.events ORDER BY sequence_number DESC LIMIT 1$$,
  'The latest sequence number and its observed_at');
SET LOCAL ROLE pgevents_writer;
SELECT is((SELECT count(*) FROM pgevents.browse_summary()), 1::bigint, 'Writer may call it too');
RESET ROLE;
SELECT ok(NOT has_function_privilege('pgevents_reader', 'pgevents.browse_estimated_rows(regclass)', 'EXECUTE')
          AND NOT has_function_privilege('pgevents_writer', 'pgevents.browse_estimated_rows(regclass)', 'EXECUTE'),
  'browse_estimated_rows is internal: neither role may call it');
CREATE TEMP TABLE never_analyzed (i int);
SELECT is(pgevents.browse_estimated_rows('pg_temp.never_analyzed'::regclass), NULL::bigint,
  'A table never analyzed: no estimate');

SELECT * FROM finish();
ROLLBACK;
