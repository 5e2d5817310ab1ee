-- pgevents.load_projection
--
-- - No such projection: no rows (unknown id, or the id under another name)
-- - Saved projection: exactly the row save_projection returned
-- - Invalid name or id: PE101
-- - Runs as pgevents_reader
BEGIN;
\ir helpers.psql
SELECT plan(8);

CREATE TEMP TABLE saved AS
  SELECT * FROM pgevents.save_projection('profile', 'ada', '{"type": "log"}', '{"age": 36}', '{}');
GRANT SELECT ON saved TO pgevents_reader;
SET LOCAL ROLE pgevents_reader;

SELECT has_function('pgevents', 'load_projection', ARRAY['text', 'text'], 'load_projection(name, id) exists');
SELECT function_returns('pgevents', 'load_projection', ARRAY['text', 'text'], 'setof pgevents.projections', 'load_projection returns setof pgevents.projections');
SELECT volatility_is('pgevents', 'load_projection', ARRAY['text', 'text'], 'stable', 'load_projection is STABLE');

SELECT is_empty($$SELECT * FROM pgevents.load_projection('profile', 'bob')$$, 'Unknown id: no rows');
SELECT is_empty($$SELECT * FROM pgevents.load_projection('audit', 'ada')$$, 'The id under another name: no rows');
SELECT results_eq($$SELECT * FROM pgevents.load_projection('profile', 'ada')$$, $$SELECT * FROM saved$$,
  'Saved projection: the row save_projection returned');
SELECT throws_ok($$SELECT * FROM pgevents.load_projection('', 'ada')$$, 'PE101', NULL, 'Empty name: PE101');
SELECT throws_ok($$SELECT * FROM pgevents.load_projection('profile', E'a\nb')$$, 'PE101', NULL, 'Id with a control character: PE101');

SELECT * FROM finish();
ROLLBACK;
