-- pgevents.add_projection_index (and projection_index_definition)
--
-- - Creates a partial btree index WHERE name = p_name on the path's keys and
--   returns its name; again: a no-op returning the same name
-- - Integers in canonical form are array indices, other elements object keys
-- - The definition can be had with CONCURRENTLY, to run out of band
-- - id / name paths (the primary key serves them), bad roots, empty paths: PE110
-- - Owner-only
BEGIN;
\ir helpers.psql
SELECT plan(11);

SELECT has_function('pgevents', 'add_projection_index', ARRAY['text', 'text[]'], 'add_projection_index(name, path) exists');
SELECT pgevents.add_projection_index('profile', '{state,email}') AS email_index \gset
SELECT is(:'email_index', pgevents.add_projection_index('profile', '{state,email}'), 'Adding it again returns the same name');
SELECT is((SELECT count(*) FROM pg_indexes WHERE schemaname = 'pgevents' AND indexname = :'email_index'), 1::bigint, 'The index exists once');
SELECT matches((SELECT indexdef FROM pg_indexes WHERE indexname = :'email_index'),
  $re$USING btree .*state -> 'email'::text.*, id\) WHERE \(name = 'profile'::text\)$re$, 'A partial btree on the path''s keys and id');
SELECT ok((SELECT NOT indisunique FROM pg_index WHERE indexrelid = ('pgevents.' || quote_ident(:'email_index'))::regclass), 'Not unique');
SELECT alike(pgevents.projection_index_definition('profile', '{state,tags,0}'), $$%pg_catalog.jsonb_path_query_first(state -> 'tags'::text, 'strict $[0]'::jsonpath, '{}'::jsonb, true)%$$,
  'A canonical integer is an array index');
SELECT alike(pgevents.projection_index_definition('profile', '{state,007}'), $$%(state -> '007'::text)%$$,
  'A non-canonical integer is an object key');
SELECT alike(pgevents.projection_index_definition('profile', '{metadata,tenant}', true), 'CREATE INDEX CONCURRENTLY IF NOT EXISTS %',
  'The definition with CONCURRENTLY, for big tables');
SELECT throws_ok($$SELECT pgevents.add_projection_index('profile', '{id}')$$, 'PE110', NULL, 'id: PE110 (the primary key serves it)');
SELECT throws_ok($$SELECT pgevents.add_projection_index('profile', '{body,x}')$$, 'PE110', NULL, 'Unknown root: PE110');
SET LOCAL ROLE pgevents_writer;
SELECT throws_ok($$SELECT pgevents.add_projection_index('profile', '{state,x}')$$, '42501', NULL, 'pgevents_writer may not add indexes');

SELECT * FROM finish();
ROLLBACK;
