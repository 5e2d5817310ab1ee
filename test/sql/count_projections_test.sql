-- pgevents.count_projections
--
-- - Counts the projections of the name matching every filter; none of other names
-- - Sort and page are ignored (but validated)
-- - Malformed query: PE110 naming the field (DETAIL)
-- - Runs as pgevents_reader
BEGIN;
\ir helpers.psql
SELECT plan(8);

SELECT count(*) FROM generate_series(1, 10) g,
  LATERAL pgevents.save_projection('profile', 'p' || g, '{"type": "log"}', jsonb_build_object('n', g)) \gset ignored_
SELECT count(*) FROM pgevents.save_projection('audit', 'p1', '{"type": "log"}', '{"n": 1}') \gset ignored_
SET LOCAL ROLE pgevents_reader;

SELECT has_function('pgevents', 'count_projections', ARRAY['jsonb'], 'count_projections(query) exists');
SELECT function_returns('pgevents', 'count_projections', ARRAY['jsonb'], 'bigint', 'count_projections returns bigint');
SELECT is(pgevents.count_projections('{"name": "profile"}'), 10::bigint, 'Every projection of the name');
SELECT is(pgevents.count_projections('{"name": "nobody"}'), 0::bigint, 'Unknown name: 0');
SELECT is(pgevents.count_projections('{"name": "profile", "filters": [{"path": ["state", "n"], "op": "greater_than", "value": 7},
  {"path": ["state", "n"], "op": "not_equal", "value": 9}]}'), 2::bigint, 'Filters are ANDed');
SELECT is(pgevents.count_projections('{"name": "profile", "sort": [{"path": ["state", "n"]}], "page": {"offset": 5, "limit": 1}}'), 10::bigint,
  'Sort and page are ignored');
SELECT throws_ok($$SELECT pgevents.count_projections('{"name": "profile", "page": {"limit": 0}}')$$, 'PE110', NULL,
  'A malformed page is still rejected: PE110');
SELECT is(pg_temp.error_of($$SELECT pgevents.count_projections('{"name": "profile", "filters": [{"path": ["state", "n"], "op": "in", "value": 1}]}')$$) #>> '{detail,field}',
  'filters[0].value', 'PE110 DETAIL names the field');

SELECT * FROM finish();
ROLLBACK;
