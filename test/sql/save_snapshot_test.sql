-- pgevents.save_snapshot, pgevents.load_snapshot, pgevents.drop_snapshots
--
-- - New snapshot: stored at its position; load returns it for its version only
-- - A later position replaces it; an earlier or equal one keeps the stored one
-- - Another version of the same projector: a row of its own; drop_snapshots
--   with a version drops only the older versions, without one all of them
-- - Names of 255 four-byte characters (three in the key): stored
-- - Invalid input: PE101 (names), PE140 (version < 1, negative position, a
--   position beyond the stream's latest, an empty stream), PE115 (state too
--   large); nothing is written
-- - Runs as pgevents_writer (through the functions only); pgevents_reader
--   may load but not save or drop, and neither may write the table
BEGIN;
\ir helpers.psql
SELECT plan(25);

SELECT count(*) FROM pgevents.append('snap', 'ada', pg_temp.new_events(10)) \gset ignored_
SELECT count(*) FROM pgevents.append(repeat('😀', 255), repeat('😀', 255), pg_temp.new_events(1)) \gset ignored_

SET LOCAL ROLE pgevents_writer;

SELECT has_function('pgevents', 'save_snapshot', ARRAY['text', 'integer', 'text', 'text', 'bigint', 'jsonb', 'jsonb'], 'save_snapshot exists');
SELECT volatility_is('pgevents', 'save_snapshot', ARRAY['text', 'integer', 'text', 'text', 'bigint', 'jsonb', 'jsonb'], 'volatile', 'save_snapshot is VOLATILE');
SELECT volatility_is('pgevents', 'load_snapshot', ARRAY['text', 'integer', 'text', 'text'], 'stable', 'load_snapshot is STABLE');

SELECT results_eq(
  $$SELECT version, position, state, metadata FROM pgevents.save_snapshot('count', 1, 'snap', 'ada', 4, '{"n": 5}', '{"m": 1}')$$,
  $$VALUES (1, 4::bigint, '{"n": 5}'::jsonb, '{"m": 1}'::jsonb)$$,
  'New snapshot: stored at its position');
SELECT results_eq(
  $$SELECT position, state FROM pgevents.load_snapshot('count', 1, 'snap', 'ada')$$,
  $$VALUES (4::bigint, '{"n": 5}'::jsonb)$$,
  'load_snapshot returns it');
SELECT is((SELECT count(*) FROM pgevents.load_snapshot('count', 2, 'snap', 'ada')), 0::bigint,
  'Another version: no snapshot (older or newer versions are ignored)');
SELECT is((SELECT count(*) FROM pgevents.load_snapshot('count', 1, 'snap', 'bob')), 0::bigint,
  'Another stream: no snapshot');

SELECT results_eq(
  $$SELECT position, state FROM pgevents.save_snapshot('count', 1, 'snap', 'ada', 9, '{"n": 10}', NULL)$$,
  $$VALUES (9::bigint, '{"n": 10}'::jsonb)$$,
  'A later position replaces the snapshot');
SELECT results_eq(
  $$SELECT position, state FROM pgevents.save_snapshot('count', 1, 'snap', 'ada', 2, '{"n": 3}', NULL)$$,
  $$VALUES (9::bigint, '{"n": 10}'::jsonb)$$,
  'An earlier position keeps the stored snapshot (and returns it)');
SELECT results_eq(
  $$SELECT position, state, metadata FROM pgevents.load_snapshot('count', 1, 'snap', 'ada')$$,
  $$VALUES (9::bigint, '{"n": 10}'::jsonb, 'null'::jsonb)$$,
  'The furthest snapshot is what load returns (NULL metadata is JSON null)');

SELECT is((SELECT position FROM pgevents.save_snapshot('count', 2, 'snap', 'ada', 0, '{"total": 1}')), 0::bigint,
  'Version 2: a row of its own');
SELECT is((SELECT count(*) FROM pgevents.snapshots WHERE name = 'count'), 2::bigint, 'Two versions stored');

SELECT is((SELECT position FROM pgevents.save_snapshot(repeat('😀', 255), 1, repeat('😀', 255), repeat('😀', 255), 0, '{}')), 0::bigint,
  'Name, category and stream of 255 four-byte characters: stored');

SELECT throws_ok($$SELECT * FROM pgevents.save_snapshot('', 1, 'snap', 'ada', 0, '{}')$$, 'PE101', NULL, 'Empty name: PE101');
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.save_snapshot('count', 1, 'snap', E'a\nb', 0, '{}')$$) #>> '{detail,field}', 'stream',
  'Control character in the stream: PE101 naming stream');
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.save_snapshot('count', 0, 'snap', 'ada', 0, '{}')$$),
  '{"sqlstate": "PE140", "message": "pgevents: invalid version: must be at least 1", "detail": {"field": "version", "reason": "must be at least 1"}}'::jsonb,
  'Version 0: PE140 naming version');
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.save_snapshot('count', 1, 'snap', 'ada', -1, '{}')$$) #>> '{detail,field}', 'position',
  'Negative position: PE140 naming position');
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.save_snapshot('count', 1, 'snap', 'ada', 10, '{}')$$) ->> 'sqlstate', 'PE140',
  'A position beyond the stream''s latest: PE140');
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.save_snapshot('count', 1, 'snap', 'nobody', 0, '{}')$$) ->> 'sqlstate', 'PE140',
  'A snapshot of an empty stream: PE140');
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.save_snapshot('count', 1, 'snap', 'ada', 9, pg_catalog.jsonb_build_object('s', repeat('x', 1048577)))$$) ->> 'sqlstate', 'PE115',
  'A state over projection_max_json_bytes: PE115');
SELECT results_eq(
  $$SELECT position, state FROM pgevents.load_snapshot('count', 1, 'snap', 'ada')$$,
  $$VALUES (9::bigint, '{"n": 10}'::jsonb)$$,
  'Nothing was written by the failed saves');
SELECT throws_ok($$INSERT INTO pgevents.snapshots VALUES ('count', 1, 'snap', 'ada', 0, '{}', '{}', now())$$, '42501', NULL,
  'pgevents_writer cannot insert into the table directly');

SELECT is(pgevents.drop_snapshots('count', 2), 1::bigint, 'drop_snapshots(name, 2) drops version 1 only');
SELECT is(pgevents.drop_snapshots('count'), 1::bigint, 'drop_snapshots(name) drops the rest');

SET LOCAL ROLE pgevents_reader;
SELECT throws_ok($$SELECT * FROM pgevents.save_snapshot('count', 1, 'snap', 'ada', 0, '{}')$$, '42501', NULL,
  'pgevents_reader may not save');

SELECT * FROM finish();
ROLLBACK;
