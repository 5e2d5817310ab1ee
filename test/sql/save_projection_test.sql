-- pgevents.save_projection
--
-- - New projection: inserted with created_at = updated_at, source normalised
-- - Same (name, id) again: state and metadata replaced, updated_at advances,
--   the first source and created_at kept
-- - Same id under another name: a separate projection
-- - NULL state / metadata: stored as JSON null
-- - Invalid name or id: PE101 (DETAIL field); invalid source: PE104; source
--   with an invalid category: PE101
-- - Runs as pgevents_writer (through the function only); pgevents_reader may not save
BEGIN;
\ir helpers.psql
SELECT plan(17);

SET LOCAL ROLE pgevents_writer;

SELECT has_function('pgevents', 'save_projection', ARRAY['text', 'text', 'jsonb', 'jsonb', 'jsonb'], 'save_projection(name, id, source, state, metadata) exists');
SELECT function_returns('pgevents', 'save_projection', ARRAY['text', 'text', 'jsonb', 'jsonb', 'jsonb'], 'setof pgevents.projections', 'save_projection returns setof pgevents.projections');
SELECT volatility_is('pgevents', 'save_projection', ARRAY['text', 'text', 'jsonb', 'jsonb', 'jsonb'], 'volatile', 'save_projection is VOLATILE');

CREATE TEMP TABLE first_save AS
  SELECT * FROM pgevents.save_projection('profile', 'ada', '{"type": "stream", "category": "user", "stream": "ada", "extra": 1}',
    '{"age": 36}', '{"v": 1}');
SELECT results_eq(
  $$SELECT name COLLATE "default", id COLLATE "default", source, state, metadata, created_at = updated_at FROM first_save$$,
  $$VALUES ('profile'::text, 'ada'::text, '{"type": "stream", "category": "user", "stream": "ada"}'::jsonb, '{"age": 36}'::jsonb, '{"v": 1}'::jsonb, true)$$,
  'New projection: inserted, source normalised, created_at = updated_at');

CREATE TEMP TABLE second_save AS
  SELECT * FROM pgevents.save_projection('profile', 'ada', '{"type": "log"}', '{"age": 37}', NULL);
SELECT results_eq(
  $$SELECT s.source, s.state, s.metadata, s.created_at = f.created_at, s.updated_at > f.updated_at FROM second_save s, first_save f$$,
  $$VALUES ('{"type": "stream", "category": "user", "stream": "ada"}'::jsonb, '{"age": 37}'::jsonb, 'null'::jsonb, true, true)$$,
  'Same (name, id): state and metadata replaced (NULL is JSON null), first source and created_at kept, updated_at advances');
SELECT results_eq(
  $$SELECT state FROM pgevents.load_projection('profile', 'ada')$$,
  $$VALUES ('{"age": 37}'::jsonb)$$,
  'The upsert is what load returns');

SELECT is((SELECT state FROM pgevents.save_projection('audit', 'ada', '{"type": "category", "category": "user"}', NULL)), 'null'::jsonb,
  'Same id under another name: a separate projection, NULL state is JSON null');
SELECT is((SELECT count(*) FROM pgevents.load_projection('profile', 'ada')) + (SELECT count(*) FROM pgevents.load_projection('audit', 'ada')), 2::bigint,
  'Two projections with the id ada');

SELECT throws_ok($$SELECT * FROM pgevents.save_projection('', 'x', '{"type": "log"}', '{}')$$, 'PE101', NULL, 'Empty name: PE101');
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.save_projection('profile', NULL, '{"type": "log"}', '{}')$$) #>> '{detail,field}', 'id', 'NULL id: PE101 naming id');
SELECT throws_ok($$SELECT * FROM pgevents.save_projection('profile', repeat('x', 256), '{"type": "log"}', '{}')$$, 'PE101', NULL, 'Id over 255 characters: PE101');
SELECT throws_ok($$SELECT * FROM pgevents.save_projection('profile', 'x', '{"type": "stream", "stream": "s"}', '{}')$$, 'PE104', NULL, 'Stream source without a category: PE104');
SELECT throws_ok($$SELECT * FROM pgevents.save_projection('profile', 'x', '{"type": "topic"}', '{}')$$, 'PE104', NULL, 'Unknown source type: PE104');
SELECT throws_ok($$SELECT * FROM pgevents.save_projection('profile', 'x', NULL, '{}')$$, 'PE104', NULL, 'NULL source: PE104');
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.save_projection('profile', 'x', '{"type": "category", "category": ""}', '{}')$$) #>> '{detail,field}',
  'category', 'Source with an empty category: PE101 naming category');

SELECT throws_ok($$INSERT INTO pgevents.projections VALUES ('p', 'x', '{"type": "log"}', '{}', '{}', now(), now())$$, '42501', NULL,
  'pgevents_writer cannot insert into the table directly');
SET LOCAL ROLE pgevents_reader;
SELECT throws_ok($$SELECT * FROM pgevents.save_projection('profile', 'x', '{"type": "log"}', '{}')$$, '42501', NULL,
  'pgevents_reader may not save');

SELECT * FROM finish();
ROLLBACK;
