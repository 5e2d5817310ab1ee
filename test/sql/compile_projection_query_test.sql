-- pgevents.compile_projection_query
--
-- - Returns one statement whose parameters are the query's values
--   (pgevents.projection_query_params): no value, in any position, appears in
--   the SQL text
-- - Path keys are quoted literals; indices are integers
-- - Malformed queries: PE110 with DETAIL {"field", "reason"} naming the field
-- - Owner-only: pgevents_reader and pgevents_writer may not call it
BEGIN;
\ir helpers.psql
SELECT plan(14);

SELECT has_function('pgevents', 'compile_projection_query', ARRAY['jsonb', 'text'], 'compile_projection_query(query, mode) exists');
SELECT volatility_is('pgevents', 'compile_projection_query', ARRAY['jsonb', 'text'], 'stable', 'compile_projection_query is STABLE');

SELECT unalike(pgevents.compile_projection_query($q${"name": "secret-name",
    "filters": [{"path": ["state", "k"], "op": "equal", "value": "secret-1"},
                {"path": ["state", "k"], "op": "in", "value": ["secret-2", 12345678]},
                {"path": ["state", "k"], "op": "contains", "value": {"x": "secret-3"}},
                {"path": ["state", "k"], "op": "regex_matches", "value": "secret-4"}],
    "sort": [{"similarity": "secret-5", "path": ["state", "k"]}],
    "page": {"after": "secret-6", "limit": 20}}$q$, 'search'),
  '%secret%', 'No value reaches the SQL text');
SELECT unalike(pgevents.compile_projection_query('{"name": "p", "page": {"limit": 9876}}', 'search'), '%9876%', 'Not even the limit');
SELECT alike(pgevents.compile_projection_query($q${"name": "p", "filters": [{"path": ["state", "it's", 3], "op": "equal", "value": 1}]}$q$, 'count'),
  $q$%(pg_catalog.jsonb_path_query_first(p.state -> 'it''s'::text, 'strict $[3]'::jsonpath, '{}'::jsonb, true))%$q$,
  'Path keys are quoted literals, indices integers (an array-index step reads arrays only)');
SELECT alike(pgevents.compile_projection_query('{"name": "p"}', 'count'), 'SELECT pg_catalog.count(*)%', 'Count mode counts');

SELECT throws_ok($$SELECT pgevents.compile_projection_query('[]', 'search')$$, 'PE110', NULL, 'Not an object: PE110');
SELECT is(pg_temp.error_of($$SELECT pgevents.compile_projection_query('{"name": "p", "filter": []}', 'search')$$) -> 'detail',
  '{"field": "filter", "reason": "unknown field (expected name, filters, sort, page)"}', 'Unknown key: PE110 naming it');
SELECT is(pg_temp.error_of($$SELECT pgevents.compile_projection_query('{"name": "p", "filters": [{"path": ["state", "tags", -1], "op": "equal", "value": 1}]}', 'search')$$) #>> '{detail,field}',
  'filters[0].path[2]', 'Negative index: PE110 naming the path element');
SELECT is(pg_temp.error_of($$SELECT pgevents.compile_projection_query('{"name": "p", "filters": [{"path": ["state"], "op": "regex_matches", "value": "(unclosed"}]}', 'search')$$) #>> '{detail,field}',
  'filters[0].value', 'Invalid regex: PE110 naming the value');
SELECT is(pg_temp.error_of($$SELECT pgevents.compile_projection_query('{"name": "p", "sort": [{"path": ["id"], "order": "up"}]}', 'search')$$) #>> '{detail,field}',
  'sort[0].order', 'Unknown order: PE110 naming it');
SELECT is(pg_temp.error_of($$SELECT pgevents.compile_projection_query('{"name": "p", "page": {"offset": 1, "after": "x"}}', 'search')$$) #>> '{detail,field}',
  'page', 'Offset with after: PE110 naming page');

SET LOCAL ROLE pgevents_reader;
SELECT throws_ok($$SELECT pgevents.compile_projection_query('{"name": "p"}', 'search')$$, '42501', NULL, 'pgevents_reader may not call it');
RESET ROLE;
SET LOCAL ROLE pgevents_writer;
SELECT throws_ok($$SELECT pgevents.compile_projection_query('{"name": "p"}', 'search')$$, '42501', NULL, 'pgevents_writer may not call it');

SELECT * FROM finish();
ROLLBACK;
