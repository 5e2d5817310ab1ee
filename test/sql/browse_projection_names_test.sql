-- pgevents.browse_projection_names
--
-- - The distinct projection names in byte order, key-set paged by p_after
--   and p_limit
-- - Callable by pgevents_reader and pgevents_writer
-- - p_limit outside 1..1000: PE106
BEGIN;
\ir helpers.psql
SELECT plan(5);

SELECT count(*) FROM (VALUES ('browseNamesB', '1'), ('browseNamesA', '1'), ('browseNamesA', '2'), ('browseNamesa', '1')) AS v(n, i),
  LATERAL pgevents.save_projection(v.n, v.i, '{"type": "log"}', '{}', '{}') \gset ignored_

SET LOCAL ROLE pgevents_reader;
SELECT results_eq(
  $$SELECT name FROM pgevents.browse_projection_names('browseNames', 3)$$,
  $$VALUES ('browseNamesA'), ('browseNamesB'), ('browseNamesa')$$,
  'Reader: distinct names in byte order after p_after');
SELECT results_eq(
  $$SELECT name FROM pgevents.browse_projection_names('browseNamesA', 1)$$,
  $$VALUES ('browseNamesB')$$,
  'Key-set paging');
SELECT throws_ok($$SELECT * FROM pgevents.browse_projection_names(NULL, 0)$$, 'PE106', NULL, 'p_limit 0: PE106');
SELECT throws_ok($$SELECT * FROM pgevents.browse_projection_names(NULL, 1001)$$, 'PE106', NULL, 'p_limit 1001: PE106');
SET LOCAL ROLE pgevents_writer;
SELECT is((SELECT count(*) FROM pgevents.browse_projection_names('browseNames', 10)), 3::bigint, 'Writer may call it too');

SELECT * FROM finish();
ROLLBACK;
