-- pgevents.stream_position
--
-- - Stream is empty: NULL
-- - Stream has events: the highest position (latest + 1 = count)
-- - Other streams and categories do not count
-- - It builds a position_is condition that is met
-- - Invalid names: PE101
BEGIN;
\ir helpers.psql
SELECT plan(11);

-- Runs as pgevents_writer, the least-privileged role that may append; the
-- few owner-only steps (dblink, plan checks) RESET ROLE around themselves.
SET LOCAL ROLE pgevents_writer;

SELECT has_function('pgevents', 'stream_position', ARRAY['text', 'text'], 'stream_position(category, stream) exists');
SELECT function_returns('pgevents', 'stream_position', ARRAY['text', 'text'], 'bigint', 'stream_position returns bigint');
SELECT volatility_is('pgevents', 'stream_position', ARRAY['text', 'text'], 'stable', 'stream_position is STABLE');

SELECT is(pgevents.stream_position('streamPosition', 'stream-1'), NULL, 'Stream is empty: NULL');
SELECT count(*) FROM pgevents.append('streamPosition', 'stream-1', pg_temp.new_events(1)) \gset ignored_
SELECT is(pgevents.stream_position('streamPosition', 'stream-1'), 0::bigint, 'Stream has one event: 0');
SELECT count(*) FROM pgevents.append('streamPosition', 'stream-1', pg_temp.new_events(3)) \gset ignored_
SELECT count(*) FROM pgevents.append('streamPosition', 'stream-2', pg_temp.new_events(7)) \gset ignored_
SELECT count(*) FROM pgevents.append('otherCategory', 'stream-1', pg_temp.new_events(9)) \gset ignored_
SELECT is(pgevents.stream_position('streamPosition', 'stream-1'), 3::bigint, 'Stream has four events: 3, whatever other streams hold');
SELECT lives_ok(
  format($$SELECT * FROM pgevents.append('streamPosition', 'stream-1', '[]', '{"type": "position_is", "position": %s}')$$,
         pgevents.stream_position('streamPosition', 'stream-1')),
  'position_is(stream_position(...)) is met');

SELECT throws_ok($$SELECT pgevents.stream_position(NULL, 'stream-1')$$, 'PE101', NULL, 'Category NULL: PE101');
SELECT throws_ok($$SELECT pgevents.stream_position('streamPosition', '')$$, 'PE101', NULL, 'Stream empty: PE101');
SELECT throws_ok($$SELECT pgevents.stream_position('streamPosition', NULL)$$, 'PE101', NULL, 'Stream NULL: PE101');
SELECT throws_ok(format($$SELECT pgevents.stream_position(%L, 's')$$, repeat('x', 256)), 'PE101', NULL, 'Category of 256 characters: PE101');

SELECT * FROM finish();
ROLLBACK;
