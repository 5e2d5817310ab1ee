-- pgevents.locate_projection
--
-- - No projection of the name has the source: no rows
-- - One has it: that row (the source compared in normal form: key order and
--   extra keys do not matter)
-- - Several have it: PE111 with DETAIL {"field": "source", "ids": [two of them]}
-- - Invalid source: PE104; invalid name: PE101
-- - Plan: the (name, md5(source)) index
BEGIN;
\ir helpers.psql
SELECT plan(10);

SELECT count(*) FROM pgevents.save_projection('profile', 'ada', '{"type": "stream", "category": "user", "stream": "ada"}', '{}') \gset ignored_
SELECT count(*) FROM pgevents.save_projection('profile', 'all-1', '{"type": "category", "category": "user"}', '{}') \gset ignored_
SELECT count(*) FROM pgevents.save_projection('profile', 'all-2', '{"type": "category", "category": "user"}', '{}') \gset ignored_
SELECT count(*) FROM pgevents.save_projection('audit', 'log', '{"type": "log"}', '{}') \gset ignored_
SET LOCAL ROLE pgevents_reader;

SELECT has_function('pgevents', 'locate_projection', ARRAY['text', 'jsonb'], 'locate_projection(name, source) exists');
SELECT function_returns('pgevents', 'locate_projection', ARRAY['text', 'jsonb'], 'setof pgevents.projections', 'locate_projection returns setof pgevents.projections');

SELECT is_empty($$SELECT * FROM pgevents.locate_projection('profile', '{"type": "log"}')$$, 'No projection of the name has the source: no rows');
SELECT is((SELECT id FROM pgevents.locate_projection('profile', '{"stream": "ada", "category": "user", "type": "stream", "x": 1}')), 'ada',
  'One projection has the source: that row, whatever the key order or extra keys');
SELECT is((SELECT id FROM pgevents.locate_projection('audit', '{"type": "log"}')), 'log', 'Located under its own name');
SELECT throws_ok($$SELECT * FROM pgevents.locate_projection('profile', '{"type": "category", "category": "user"}')$$, 'PE111', NULL,
  'Several projections have the source: PE111');
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.locate_projection('profile', '{"type": "category", "category": "user"}')$$) -> 'detail',
  '{"field": "source", "reason": "more than one projection has this source", "ids": ["all-1", "all-2"]}'::jsonb,
  'PE111 DETAIL names the field and two of the ids');
SELECT throws_ok($$SELECT * FROM pgevents.locate_projection('profile', '{"type": "stream", "category": "user"}')$$, 'PE104', NULL,
  'Stream source without a stream: PE104');
SELECT throws_ok($$SELECT * FROM pgevents.locate_projection('', '{"type": "log"}')$$, 'PE101', NULL, 'Empty name: PE101');

RESET ROLE;
SELECT count(*) FROM generate_series(1, 300) g,
  LATERAL pgevents.save_projection('fill', 'f' || g, jsonb_build_object('type', 'stream', 'category', 'c', 'stream', 's' || g), '{}') \gset ignored_
ANALYZE pgevents.projections;
SELECT matches(pg_temp.plan_of($$SELECT * FROM pgevents.projections p WHERE p.name = 'fill'
    AND pg_catalog.md5(p.source::text) = pg_catalog.md5('{"type": "stream", "category": "c", "stream": "s7"}'::jsonb::text)
    AND p.source = '{"type": "stream", "category": "c", "stream": "s7"}'$$),
  '"Index Name": "projections_name_source_idx"', 'Plan: the (name, md5(source)) index serves the lookup locate_projection runs');

SELECT * FROM finish();
ROLLBACK;
