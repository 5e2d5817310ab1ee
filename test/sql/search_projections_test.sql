-- pgevents.search_projections
--
-- - Every projection of the name, by id, when there are no filters; none of other names
-- - Filters: equal (type-aware, null = missing), not_equal, ranges (numbers
--   numerically, strings in byte order, other types never), in, contains
--   (array element, sub-object), regex
-- - Sort: asc/desc with nulls last/first, id as tie-breaker; similarity (pg_trgm)
-- - Paging: offset/limit, after/before an id, an unknown anchor gives no rows
-- - Malformed query: PE110 naming the field
-- - Values never reach the SQL text: quotes and SQL in values and path keys are data
-- - Plans: equality and a sorted range on an indexed path use the
--   expression index; contains uses the GIN index over state
-- - Runs as pgevents_reader
BEGIN;
\ir helpers.psql
SELECT plan(25);

-- The search plan of a query: the compiled statement, prepared with its
-- parameters (pgevents.projection_query_params) and explained with their values
-- (a custom plan, as EXECUTE ... USING gets).
CREATE FUNCTION pg_temp.search_plan(p_query jsonb) RETURNS text
  LANGUAGE plpgsql AS $$
DECLARE
  _plan json;
  _types text;
  _args text;
BEGIN
  SELECT string_agg('jsonb', ', '), string_agg(format('%L::jsonb', u.v), ', ' ORDER BY u.o) INTO _types, _args
    FROM unnest(pgevents.projection_query_params(p_query)) WITH ORDINALITY AS u(v, o);
  EXECUTE 'PREPARE search_plan_query(' || _types || ') AS ' || pgevents.compile_projection_query(p_query);
  EXECUTE 'EXPLAIN (FORMAT JSON) EXECUTE search_plan_query(' || _args || ')' INTO _plan;
  DEALLOCATE search_plan_query;
  RETURN _plan::text;
END;
$$;

-- The ids a query returns, in order.
CREATE FUNCTION pg_temp.ids(p_query jsonb) RETURNS text[]
  LANGUAGE sql AS $$ SELECT COALESCE(array_agg(id), '{}') FROM pgevents.search_projections(p_query) $$;

SELECT count(*) FROM (VALUES
  ('p1', '{"name": "Ada Lovelace", "email": "ada@example.com", "age": 36, "tags": ["admin", "math"], "address": {"city": "London"}}'),
  ('p2', '{"name": "Grace Hopper", "email": "grace@navy.mil", "age": 85, "tags": ["navy"], "score": "90"}'),
  ('p3', '{"name": "Alan Turing", "email": "alan@example.com", "age": 41.0, "tags": ["math"], "address": {"city": "London", "zip": null}}'),
  ('p4', '{"name": "ada", "age": 9, "tags": []}'),
  ('p5', '{"name": "Bob''s", "email": null, "age": "old"}')
) AS v(id, state), LATERAL pgevents.save_projection('profile', v.id, '{"type": "log"}', v.state::jsonb, '{}') \gset ignored_
SELECT count(*) FROM pgevents.save_projection('audit', 'p1', '{"type": "log"}', '{"age": 36}') \gset ignored_
SET LOCAL ROLE pgevents_reader;

SELECT has_function('pgevents', 'search_projections', ARRAY['jsonb'], 'search_projections(query) exists');
SELECT function_returns('pgevents', 'search_projections', ARRAY['jsonb'], 'setof pgevents.projections', 'search_projections returns setof pgevents.projections');

SELECT is(pg_temp.ids('{"name": "profile"}'), '{p1,p2,p3,p4,p5}', 'No filters: every projection of the name, by id');
SELECT is(pg_temp.ids('{"name": "profile", "filters": [{"path": ["state", "age"], "op": "equal", "value": 41}]}'), '{p3}',
  'equal: numbers compare numerically (41 = 41.0)');
SELECT is(pg_temp.ids('{"name": "profile", "filters": [{"path": ["state", "email"], "op": "equal", "value": null}]}'), '{p4,p5}',
  'equal null: missing or JSON null');
SELECT is(pg_temp.ids('{"name": "profile", "filters": [{"path": ["state", "age"], "op": "not_equal", "value": 36}]}'), '{p2,p3,p4,p5}',
  'not_equal: other values and other types match');
SELECT is(pg_temp.ids('{"name": "profile", "filters": [{"path": ["state", "age"], "op": "less_than", "value": 40}]}'), '{p1,p4}',
  'less_than a number: numeric order, strings never');
SELECT is(pg_temp.ids('{"name": "profile", "filters": [{"path": ["state", "name"], "op": "greater_than_or_equal", "value": "a"}]}'), '{p4}',
  'greater_than_or_equal a string: byte order (lower case after upper case)');
SELECT is(pg_temp.ids('{"name": "profile", "filters": [{"path": ["state", "age"], "op": "in", "value": [9, "old", 85.0]}]}'), '{p2,p4,p5}',
  'in: any of the values, type-aware');
SELECT is(pg_temp.ids('{"name": "profile", "filters": [{"path": ["state", "tags"], "op": "contains", "value": "math"}]}'), '{p1,p3}',
  'contains: a list contains an element');
SELECT is(pg_temp.ids('{"name": "profile", "filters": [{"path": ["state", "address"], "op": "contains", "value": {"zip": null}}]}'), '{p3}',
  'contains: an object contains a sub-object');
SELECT is(pg_temp.ids('{"name": "profile", "filters": [{"path": ["state", "email"], "op": "regex_matches", "value": "@example\\.com$"}]}'), '{p1,p3}',
  'regex_matches: POSIX regex on strings');

SELECT is(pg_temp.ids('{"name": "profile", "sort": [{"path": ["state", "age"], "order": "desc"}]}'), '{p2,p3,p1,p4,p5}',
  'Sort desc: numbers descending, then strings (types in reverse jsonb order)');
SELECT is(pg_temp.ids('{"name": "profile", "sort": [{"path": ["state", "address", "city"]}]}'), '{p1,p3,p2,p4,p5}',
  'Sort asc: nulls and missing last, id breaks ties');
SELECT is(pg_temp.ids('{"name": "profile", "sort": [{"similarity": "ada lovelace", "path": ["state", "name"], "order": "desc"}], "page": {"limit": 2}}'),
  '{p1,p4}', 'Similarity sort (pg_trgm), most similar first');

SELECT is(pg_temp.ids('{"name": "profile", "page": {"offset": 1, "limit": 2}}'), '{p2,p3}', 'Offset paging');
SELECT is(pg_temp.ids('{"name": "profile", "sort": [{"path": ["state", "age"]}], "page": {"after": "p1", "limit": 2}}'), '{p3,p2}',
  'Key-set: after an id, under the sort');
SELECT is(pg_temp.ids('{"name": "profile", "sort": [{"path": ["state", "age"]}], "page": {"before": "p2", "limit": 2}}'), '{p1,p3}',
  'Key-set: before an id, returned in sort order');
SELECT is(pg_temp.ids('{"name": "profile", "page": {"after": "nobody"}}'), '{}', 'Key-set from an unknown id: no rows');

SELECT throws_ok($$SELECT * FROM pgevents.search_projections('{"name": "profile", "filters": [{"path": ["state"], "op": "like", "value": 1}]}')$$,
  'PE110', NULL, 'Malformed query: PE110');

SELECT is(pg_temp.ids($q${"name": "profile", "filters": [{"path": ["state", "name"], "op": "equal", "value": "Bob's"},
  {"path": ["state", "x'); DELETE FROM pgevents.projections; --"], "op": "equal", "value": null},
  {"path": ["state", "name"], "op": "regex_matches", "value": "'; DROP TABLE pgevents.projections; --|."}]}$q$), '{p5}',
  'Quotes and SQL in values and path keys are data');

RESET ROLE;
INSERT INTO pgevents.projections (name, id, source, state, metadata, created_at, updated_at)
  SELECT 'profile', 'f' || g, '{"type": "log"}',
         jsonb_build_object('email', 'u' || g || '@example.com', 'age', g % 90, 'tags', jsonb_build_array('t' || g % 1000)), '{}', now(), now()
    FROM generate_series(1, 20000) g;
SELECT ok(pgevents.add_projection_index('profile', '{state,email}') IS NOT NULL AND pgevents.add_projection_index('profile', '{state,age}') IS NOT NULL,
  'Expression indexes added');
-- (flush the GIN index's pending list, as VACUUM would, so its cost is real)
SELECT gin_clean_pending_list('pgevents.projections_state_idx') \gset ignored_
ANALYZE pgevents.projections;
SELECT matches(pg_temp.search_plan('{"name": "profile", "filters": [{"path": ["state", "email"], "op": "equal", "value": "u7@example.com"}]}'),
  '"Index Name": "projections_profile_state_email_[0-9a-f]{12}_idx"', 'Plan: equality on an indexed path uses its expression index');
SELECT matches(pg_temp.search_plan('{"name": "profile", "filters": [{"path": ["state", "age"], "op": "greater_than", "value": 50}],
    "sort": [{"path": ["state", "age"]}], "page": {"after": "f100", "limit": 10}}'),
  '"Index Name": "projections_profile_state_age_[0-9a-f]{12}_idx"', 'Plan: a sorted range with key-set paging uses the expression index');
SELECT matches(pg_temp.search_plan('{"name": "profile", "filters": [{"path": ["state", "tags"], "op": "contains", "value": "t7"}]}'),
  '"Index Name": "projections_state_idx"', 'Plan: contains uses the GIN index over state');

SELECT * FROM finish();
ROLLBACK;
