-- Projection store limits (issue 8, items 1, 7, 11, 13, 19): hostile input
-- from least-privileged login roles
--
-- - Attacks run as LOGIN roles that are members of pgevents_reader
--   (searches, counts) or pgevents_writer (saves) only
-- - An "in" list of 100,000 values: PE110 (the query document is over
--   262144 bytes), not gigabytes of planner memory; 1,001 values: PE110 on the
--   value; 1,000 values: allowed
-- - The compiled statement of an "in" of 1,000 values is exactly as long as
--   that of 1 value: one array parameter, no reference per value
-- - Paths of 10,000 and 33 steps, keys over 256 bytes, 65 filters, 9 and
--   1,000 sort keys, filter values nested 33 levels, a query nested 70
--   levels, regexes over 1024 bytes, with back-references, lookaround, a
--   bounded repetition of a group or over 256 repetitions,
--   similarity texts over 1024 bytes, an anchor id over 255 characters:
--   PE110 naming the field (never 42601, 54000, 54001 or 54011)
-- - An array-index step on a scalar is missing (jsonb -> 0 on a scalar
--   would return the scalar)
-- - Names, ids and source names of 255 four-byte characters save and locate
--   (the (name, source) index holds a hash of the source)
-- - The search functions run with jit = off
-- - States and metadata over 1 MiB or nested over 256 levels (and 10,001):
--   PE115 naming the field, nothing written
BEGIN;
\ir helpers.psql
SELECT plan(55);

CREATE ROLE pgevents_limits_reader LOGIN IN ROLE pgevents_reader;
CREATE ROLE pgevents_limits_writer LOGIN IN ROLE pgevents_writer;

-- The SQLSTATE and DETAIL field of the error a statement raises ("PE110 filters"),
-- or 'ok' when it succeeds.
CREATE FUNCTION pg_temp.err(p_sql text) RETURNS text
  LANGUAGE sql AS $$
  SELECT COALESCE((SELECT e ->> 'sqlstate' || COALESCE(' ' || (e #>> '{detail,field}'), '') FROM (SELECT pg_temp.error_of(p_sql) AS e) x
                    WHERE e IS NOT NULL), 'ok')
$$;

-- A query on "profile" with the given filters (a JSON array).
CREATE FUNCTION pg_temp.q(p_filters jsonb, p_rest jsonb DEFAULT '{}') RETURNS jsonb
  LANGUAGE sql AS $$ SELECT jsonb_build_object('name', 'profile', 'filters', p_filters) || p_rest $$;

-- An "in" filter on state.k with n string values.
CREATE FUNCTION pg_temp.in_filter(n int) RETURNS jsonb
  LANGUAGE sql AS $$
  SELECT jsonb_build_array(jsonb_build_object('path', '["state", "k"]'::jsonb, 'op', 'in',
    'value', COALESCE((SELECT jsonb_agg('v' || g) FROM generate_series(1, n) g), '[]')))
$$;

-- A path of "state" then n keys "k".
CREATE FUNCTION pg_temp.long_path(n int) RETURNS jsonb
  LANGUAGE sql AS $$ SELECT '["state"]'::jsonb || (SELECT jsonb_agg('k'::text) FROM generate_series(1, n)) $$;

-- A value nested n levels: [[...[1]...]].
CREATE FUNCTION pg_temp.nested(n int) RETURNS jsonb
  LANGUAGE sql AS $$ SELECT (repeat('[', n) || '1' || repeat(']', n))::jsonb $$;

-- A regex_matches filter on state.name.
CREATE FUNCTION pg_temp.regex(p_pattern text) RETURNS jsonb
  LANGUAGE sql AS $$
  SELECT pg_temp.q(jsonb_build_array(jsonb_build_object('path', '["state", "name"]'::jsonb, 'op', 'regex_matches', 'value', p_pattern)))
$$;

-- A name of 255 four-byte characters (1,020 bytes), pseudo-random (so that
-- it does not compress) and different per seed.
CREATE FUNCTION pg_temp.wide(p_seed int) RETURNS text
  LANGUAGE sql AS $$
  SELECT string_agg(chr(65536 + ('x' || substr(md5(p_seed || '-' || g), 1, 5))::bit(20)::int), '' ORDER BY g)
    FROM generate_series(1, 255) g
$$;

-- Fixtures, saved as the writer.
SET LOCAL ROLE pgevents_limits_writer;
SELECT count(*) FROM (VALUES
  ('p1', '{"name": "Ada", "k": "v1", "v": 1, "arr": [1, 2], "text": "abc"}'),
  ('p2', '"text state"'),
  ('p3', '{"name": "Bob", "k": "v2", "v": [1], "arr": [3]}')
) AS v(id, state), LATERAL pgevents.save_projection('profile', v.id, '{"type": "log"}', v.state::jsonb, '{}') \gset ignored_
RESET ROLE;

-- Searches, as a reader login.
SET LOCAL ROLE pgevents_limits_reader;
SELECT is(current_user::text, 'pgevents_limits_reader', 'Searches run as a login role that is only a pgevents_reader member');

SELECT is(pg_temp.err(format('SELECT * FROM pgevents.search_projections(%L)', pg_temp.q(pg_temp.in_filter(100000)))),
  'PE110 query', 'in of 100,000 values: PE110, the document is over 262144 bytes');
SELECT is(pg_temp.err(format('SELECT pgevents.count_projections(%L)', pg_temp.q(pg_temp.in_filter(100000)))),
  'PE110 query', 'in of 100,000 values, count: PE110');
SELECT is(pg_temp.err(format('SELECT * FROM pgevents.search_projections(%L)', pg_temp.q(pg_temp.in_filter(1001)))),
  'PE110 filters[0].value', 'in of 1,001 values: PE110 on the value');
SELECT is((SELECT array_agg(id ORDER BY id) FROM pgevents.search_projections(pg_temp.q(pg_temp.in_filter(1000)))), '{p1,p3}',
  'in of 1,000 values: allowed');
SELECT is(pg_temp.err(format('SELECT * FROM pgevents.search_projections(%L)',
    pg_temp.q(jsonb_build_array(jsonb_build_object('path', '["state", "k"]'::jsonb, 'op', 'equal', 'value', repeat('x', 300000)))))),
  'PE110 query', 'A document over 262144 bytes (a 300,000-byte string): PE110 on the query');

SELECT is(pg_temp.err(format('SELECT * FROM pgevents.search_projections(%L)',
    pg_temp.q(jsonb_build_array(jsonb_build_object('path', pg_temp.long_path(10000), 'op', 'equal', 'value', 1))))),
  'PE110 filters[0].path', 'Path of 10,000 steps: PE110 (was 54001/42601)');
SELECT is(pg_temp.err(format('SELECT * FROM pgevents.search_projections(%L)',
    pg_temp.q(jsonb_build_array(jsonb_build_object('path', pg_temp.long_path(33), 'op', 'equal', 'value', 1))))),
  'PE110 filters[0].path', 'Path of 33 steps: PE110');
SELECT is(pg_temp.err(format('SELECT * FROM pgevents.search_projections(%L)',
    pg_temp.q(jsonb_build_array(jsonb_build_object('path', pg_temp.long_path(32), 'op', 'equal', 'value', 1))))),
  'ok', 'Path of 32 steps: allowed');
SELECT is(pg_temp.err(format('SELECT * FROM pgevents.search_projections(%L)',
    jsonb_build_object('name', 'profile', 'sort', jsonb_build_array(jsonb_build_object('path', pg_temp.long_path(10000)))))),
  'PE110 sort[0].path', 'Sort path of 10,000 steps: PE110');
SELECT is(pg_temp.err(format('SELECT * FROM pgevents.search_projections(%L)',
    pg_temp.q(jsonb_build_array(jsonb_build_object('path', jsonb_build_array('state', repeat(chr(128512), 65)), 'op', 'equal', 'value', 1))))),
  'PE110 filters[0].path[1]', 'Object key of 260 bytes (65 four-byte characters): PE110 on the key');

SELECT is(pg_temp.err(format('SELECT * FROM pgevents.search_projections(%L)',
    pg_temp.q((SELECT jsonb_agg(jsonb_build_object('path', '["state", "k"]'::jsonb, 'op', 'equal', 'value', g)) FROM generate_series(1, 65) g)))),
  'PE110 filters', '65 filters: PE110');
SELECT is(pg_temp.err(format('SELECT * FROM pgevents.search_projections(%L)',
    pg_temp.q((SELECT jsonb_agg(jsonb_build_object('path', '["state", "k"]'::jsonb, 'op', 'not_equal', 'value', g)) FROM generate_series(1, 64) g)))),
  'ok', '64 filters: allowed');
SELECT is(pg_temp.err(format('SELECT * FROM pgevents.search_projections(%L)',
    jsonb_build_object('name', 'profile', 'sort', (SELECT jsonb_agg(jsonb_build_object('path', jsonb_build_array('state', 'k' || g))) FROM generate_series(1, 9) g)))),
  'PE110 sort', '9 sort keys: PE110');
SELECT is(pg_temp.err(format('SELECT * FROM pgevents.search_projections(%L)',
    jsonb_build_object('name', 'profile', 'sort', (SELECT jsonb_agg(jsonb_build_object('path', jsonb_build_array('state', 'k' || g))) FROM generate_series(1, 1000) g)))),
  'PE110 sort', '1,000 sort keys: PE110 (was 54011)');
SELECT is(pg_temp.err(format('SELECT * FROM pgevents.search_projections(%L)',
    jsonb_build_object('name', 'profile', 'sort', (SELECT jsonb_agg(jsonb_build_object('path', jsonb_build_array('state', 'k' || g), 'order', 'desc')) FROM generate_series(1, 8) g),
      'page', '{"after": "p1"}'::jsonb))),
  'ok', '8 sort keys with key-set paging: allowed');

SELECT is(pg_temp.err(format('SELECT * FROM pgevents.search_projections(%L)',
    pg_temp.q(jsonb_build_array(jsonb_build_object('path', '["state"]'::jsonb, 'op', 'contains', 'value', pg_temp.nested(33)))))),
  'PE110 filters[0].value', 'A filter value nested 33 levels: PE110 on the value');
SELECT is(pg_temp.err(format('SELECT * FROM pgevents.search_projections(%L)',
    pg_temp.q(jsonb_build_array(jsonb_build_object('path', '["state"]'::jsonb, 'op', 'contains', 'value', pg_temp.nested(32)))))),
  'ok', 'A filter value nested 32 levels: allowed');
SELECT is(pg_temp.err(format('SELECT * FROM pgevents.search_projections(%L)',
    pg_temp.q(jsonb_build_array(jsonb_build_object('path', '["state"]'::jsonb, 'op', 'contains', 'value', pg_temp.nested(70)))))),
  'PE110 query', 'A document nested over 64 levels: PE110 on the query');

SELECT is(pg_temp.err(format('SELECT * FROM pgevents.search_projections(%L)', pg_temp.regex(repeat('a', 1025)))),
  'PE110 filters[0].value', 'Regex of 1,025 bytes: PE110');
SELECT is(pg_temp.err(format('SELECT * FROM pgevents.search_projections(%L)', pg_temp.regex('(a*)*' || chr(92) || '1'))),
  'PE110 filters[0].value', 'Regex with a back-reference: PE110');
SELECT is(pg_temp.error_of(format('SELECT * FROM pgevents.search_projections(%L)', pg_temp.regex('(a)' || chr(92) || '1'))) #>> '{detail,reason}',
  'back-references (' || chr(92) || '1 to ' || chr(92) || '9) are not allowed', 'The reason names back-references');
SELECT is(pg_temp.err(format('SELECT * FROM pgevents.search_projections(%L)', pg_temp.regex('^(?=a)'))),
  'PE110 filters[0].value', 'Regex with a lookahead: PE110');
SELECT is(pg_temp.err(format('SELECT * FROM pgevents.search_projections(%L)', pg_temp.regex('(?<!b)a'))),
  'PE110 filters[0].value', 'Regex with a lookbehind: PE110');
SELECT is(pg_temp.error_of(format('SELECT * FROM pgevents.search_projections(%L)', pg_temp.regex('(((a{0,6}){0,6}){0,6}){0,6}b'))) #>> '{detail,reason}',
  'a bounded repetition {m,n} of a group is not allowed', 'Regex with a bounded repetition of a group (nested copies): PE110');
SELECT is(pg_temp.error_of(format('SELECT * FROM pgevents.search_projections(%L)', pg_temp.regex(repeat('a{0,255}', 120) || 'b'))) #>> '{detail,reason}',
  'must repeat at most 256 times in total (each *, + or ? counts 1, {m,n} its largest bound; got 30600)',
  'Regex repeating 30,600 times (5.7 s to compile before): PE110');
SELECT is(pg_temp.err(format('SELECT * FROM pgevents.search_projections(%L)', pg_temp.regex(repeat('a?', 257)))),
  'PE110 filters[0].value', 'Regex with 257 quantifiers: PE110');
SELECT is(pg_temp.err(format('SELECT * FROM pgevents.search_projections(%L)', pg_temp.regex(repeat('a?', 256) || '[0-9]{0}'))),
  'ok', 'Regex with 256 repetitions: allowed');
SELECT is((SELECT array_agg(id ORDER BY id) FROM pgevents.search_projections(pg_temp.regex(chr(92) || chr(92) || '1|^Ada' || chr(92) || 'y|[' || chr(92) || 'w]'))),
  '{p1,p3}', 'An escaped backslash followed by a digit, \y and classes are allowed');
SELECT is(pg_temp.err(format('SELECT * FROM pgevents.search_projections(%L)',
    jsonb_build_object('name', 'profile', 'sort', jsonb_build_array(jsonb_build_object('path', '["state", "name"]'::jsonb, 'similarity', repeat('a', 1025)))))),
  'PE110 sort[0].similarity', 'Similarity text of 1,025 bytes: PE110');
SELECT is(pg_temp.err(format('SELECT * FROM pgevents.search_projections(%L)',
    jsonb_build_object('name', 'profile', 'page', jsonb_build_object('after', repeat('p', 256))))),
  'PE110 page.after', 'Anchor id of 256 characters: PE110');

-- Array-index steps on scalars are missing (item 19).
SELECT is((SELECT array_agg(id) FROM pgevents.search_projections(
    pg_temp.q('[{"path": ["state", "v", 0], "op": "equal", "value": 1}]'))), '{p3}',
  'Index 0 on the scalar 1 is missing: only the array [1] matches');
SELECT is((SELECT array_agg(id) FROM pgevents.search_projections(
    pg_temp.q('[{"path": ["state", 0], "op": "not_equal", "value": null}]'))), NULL,
  'Index 0 on a bare string state is missing');
SELECT is((SELECT array_agg(id) FROM pgevents.search_projections(
    pg_temp.q('[{"path": ["state", "text", 0], "op": "equal", "value": "abc"}]'))), NULL,
  'Index 0 on a string value is missing');
SELECT is((SELECT array_agg(id ORDER BY id) FROM pgevents.search_projections(
    pg_temp.q('[{"path": ["state", "arr", 0], "op": "greater_than", "value": 0}]'))), '{p1,p3}',
  'Index 0 on an array is its first element');
SELECT is(pgevents.count_projections(pg_temp.q('[{"path": ["state", "v", 0], "op": "equal", "value": null}]')), 2::bigint,
  'count: index 0 on a scalar or a missing value is null');
RESET ROLE;

-- The compiled statement (owner-only function): bounded by the number of
-- filters, not by the length of an "in" list.
SELECT is(length(pgevents.compile_projection_query(pg_temp.q(pg_temp.in_filter(1000)))),
          length(pgevents.compile_projection_query(pg_temp.q(pg_temp.in_filter(1)))),
  'in of 1,000 values compiles to a statement exactly as long as in of 1 value');
SELECT alike(pgevents.compile_projection_query(pg_temp.q(pg_temp.in_filter(1000))), '%= ANY (pgevents.projection_in_strings($3))%',
  'in compiles to one array parameter: = ANY ($3)');
SELECT is((SELECT count(*) FROM regexp_matches(pgevents.compile_projection_query(pg_temp.q(pg_temp.in_filter(1000))), '[$]3', 'g')), 1::bigint,
  'The list''s parameter is referenced once');
SELECT is((SELECT count(*) FROM regexp_matches(pgevents.compile_projection_query(jsonb_build_object('name', 'profile',
    'filters', pg_temp.in_filter(5) || '[{"path": ["state", "v"], "op": "equal", "value": 1}]'::jsonb,
    'sort', '[{"path": ["state", "name"], "similarity": "ada"}]'::jsonb, 'page', '{"after": "p1"}'::jsonb)), '[$]1[^0-9]', 'g')) < 20, true,
  'The name parameter is referenced a bounded number of times; the whole query never is');
SELECT is(cardinality(pgevents.projection_query_params(pg_temp.q(pg_temp.in_filter(3)))), 74, 'projection_query_params: 74 parameters');
SELECT is((pgevents.projection_query_params(pg_temp.q(pg_temp.in_filter(3))))[3], '["v1", "v2", "v3"]'::jsonb,
  'projection_query_params: $3 is the first filter''s value');

-- JIT compilation of a large statement's expressions took minutes and
-- gigabytes (64 "in" filters on 32-step paths: 12 minutes, 7 GB); the search
-- functions run without it.
SELECT ok((SELECT 'jit=off' = ANY (proconfig) FROM pg_proc WHERE oid = 'pgevents.search_projections(jsonb)'::regprocedure),
  'search_projections runs with jit = off');
SELECT ok((SELECT 'jit=off' = ANY (proconfig) FROM pg_proc WHERE oid = 'pgevents.count_projections(jsonb)'::regprocedure),
  'count_projections runs with jit = off');

-- Saves, as a writer login.
SET LOCAL ROLE pgevents_limits_writer;
SELECT is(current_user::text, 'pgevents_limits_writer', 'Saves run as a login role that is only a pgevents_writer member');
SELECT is(pg_temp.err(format('SELECT * FROM pgevents.save_projection(%L, %L, %L, %L)', pg_temp.wide(1), pg_temp.wide(2),
    jsonb_build_object('type', 'stream', 'category', pg_temp.wide(3), 'stream', pg_temp.wide(4)), '{"n": 1}')),
  'ok', 'Name, id, category and stream of 255 four-byte characters: saved (was 54000)');
SELECT is((SELECT p.id FROM pgevents.locate_projection(pg_temp.wide(1),
    jsonb_build_object('type', 'stream', 'category', pg_temp.wide(3), 'stream', pg_temp.wide(4))) p), pg_temp.wide(2),
  'and located by that source');
SELECT is(pg_temp.err(format('SELECT * FROM pgevents.save_projection(%L, %L, %L, %L)', 'profile', 'big', '{"type": "log"}',
    jsonb_build_object('s', repeat('x', 1048576)))),
  'PE115 state', 'State over 1 MiB: PE115 on the state');
SELECT is(pg_temp.err(format('SELECT * FROM pgevents.save_projection(%L, %L, %L, %L, %L)', 'profile', 'big', '{"type": "log"}', '{}',
    jsonb_build_object('s', repeat('x', 1048576)))),
  'PE115 metadata', 'Metadata over 1 MiB: PE115 on the metadata');
SELECT is(pg_temp.err(format('SELECT * FROM pgevents.save_projection(%L, %L, %L, %L)', 'profile', 'deep', '{"type": "log"}', pg_temp.nested(257))),
  'PE115 state', 'State nested 257 levels: PE115');
SELECT is(pg_temp.err(format('SELECT * FROM pgevents.save_projection(%L, %L, %L, %L, %L)', 'profile', 'deep', '{"type": "log"}', '{}', pg_temp.nested(10001))),
  'PE115 metadata', 'Metadata nested 10,001 levels: PE115');
SELECT is(pg_temp.err(format('SELECT * FROM pgevents.save_projection(%L, %L, %L, %L)', 'profile', 'p1', '{"type": "log"}', pg_temp.nested(10001))),
  'PE115 state', 'An update to a state nested 10,001 levels: PE115');
SELECT is(pgevents.count_projections('{"name": "profile"}'), 3::bigint, 'Nothing was written by the refused saves');
SELECT is((SELECT state FROM pgevents.load_projection('profile', 'p1')) ->> 'name', 'Ada', 'The refused update left the state as it was');
SELECT is(pg_temp.err(format('SELECT * FROM pgevents.save_projection(%L, %L, %L, %L)', 'profile', 'deep', '{"type": "log"}', pg_temp.nested(256))),
  'ok', 'State nested 256 levels: saved');

SELECT * FROM finish();
ROLLBACK;
