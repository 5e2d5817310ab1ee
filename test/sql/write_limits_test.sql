-- Write limits: event size, nesting depth, events and bytes per call (PE112;
-- issue 8, items 8 and 4)
--
-- - The limits are installation settings with defaults (max_event_size
--   1048576, max_event_depth 64, max_append_events 10000, max_append_size
--   16777216); the owner may change them within their floors (65536, 32,
--   100, 65536) and nobody else may change them at all
-- - Depth: a payload or metadata nesting max_event_depth levels is accepted,
--   one more is PE112 naming events[i].payload / .metadata, with DETAIL
--   {field, reason, limit, setting}; a 10,001-level payload is PE112 too
-- - Size: payload + metadata as JSON text (PostgreSQL's output; absent
--   metadata is null) up to max_event_size bytes, one byte more is PE112
--   naming events[i]; measured on the text, so numbers written with a large
--   exponent (8 bytes of jsonb, 16,002 characters of text) count in full
-- - Count and batch size: PE112 naming the events (or "streams" for the
--   totals of append_streams)
-- - Limits are checked before the events' shape, and nothing is written
-- Runs as a LOGIN member of pgevents_writer; the owner changes the settings.
BEGIN;
\ir helpers.psql
SELECT plan(37);

CREATE ROLE pgevents_test_limits_writer LOGIN IN ROLE pgevents_writer;
CREATE FUNCTION pg_temp.nest(p_depth int) RETURNS jsonb LANGUAGE sql AS $$
  SELECT (repeat('[', p_depth) || repeat(']', p_depth))::jsonb
$$;
CREATE FUNCTION pg_temp.nest_objects(p_depth int) RETURNS jsonb LANGUAGE sql AS $$
  SELECT (repeat('{"k": ', p_depth - 1) || '{}' || repeat('}', p_depth - 1))::jsonb
$$;
CREATE FUNCTION pg_temp.event(p_payload jsonb, p_metadata jsonb DEFAULT NULL) RETURNS jsonb LANGUAGE sql AS $$
  SELECT jsonb_strip_nulls(jsonb_build_object('name', 'E', 'payload', p_payload, 'metadata', p_metadata))
    || jsonb_build_object('payload', p_payload)
$$;
CREATE FUNCTION pg_temp.append_as_writer(p_events jsonb, p_stream text DEFAULT 's') RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE _e jsonb;
BEGIN
  SET LOCAL ROLE pgevents_test_limits_writer;
  _e := pg_temp.error_of(format('SELECT * FROM pgevents.append(%L, %L, %L)', 'limits', p_stream, p_events));
  RESET ROLE;
  RETURN _e;
END $$;

-- The settings.
SELECT results_eq(
  $$SELECT name, value FROM pgevents.settings WHERE name IN ('max_event_size', 'max_event_depth', 'max_append_events', 'max_append_size') ORDER BY name$$,
  $$VALUES ('max_append_events', '10000'::jsonb), ('max_append_size', '16777216'), ('max_event_depth', '64'), ('max_event_size', '1048576')$$,
  'Default limits');
SELECT throws_ok($$UPDATE pgevents.settings SET value = '65535' WHERE name = 'max_event_size'$$, '23514', NULL, 'max_event_size below its floor 65536: refused');
SELECT throws_ok($$UPDATE pgevents.settings SET value = '31' WHERE name = 'max_event_depth'$$, '23514', NULL, 'max_event_depth below its floor 32: refused');
SELECT throws_ok($$UPDATE pgevents.settings SET value = '1000' WHERE name = 'max_event_depth'$$, '23514', NULL, 'max_event_depth above 999: refused');
SELECT throws_ok($$UPDATE pgevents.settings SET value = '99' WHERE name = 'max_append_events'$$, '23514', NULL, 'max_append_events below its floor 100: refused');
SELECT throws_ok($$UPDATE pgevents.settings SET value = '"1048576"' WHERE name = 'max_append_size'$$, '23514', NULL, 'A limit given as a string: refused');
SELECT throws_ok($$UPDATE pgevents.settings SET value = '100000.5' WHERE name = 'max_event_size'$$, '23514', NULL, 'A limit that is not an integer: refused');
SET LOCAL ROLE pgevents_test_limits_writer;
SELECT throws_ok($$UPDATE pgevents.settings SET value = '999999999' WHERE name = 'max_event_size'$$, '42501', NULL, 'Writer: may not change a limit');
RESET ROLE;

-- Depth.
SELECT is(pg_temp.append_as_writer(jsonb_build_array(pg_temp.event(pg_temp.nest(64), pg_temp.nest_objects(64)))), NULL,
  'Payload and metadata nesting 64 levels (the limit): accepted');
SELECT is(pg_temp.append_as_writer(jsonb_build_array(pg_temp.event(pg_temp.nest(65)))) ->> 'sqlstate', 'PE112',
  'Payload nesting 65 levels: PE112');
SELECT is(pg_temp.append_as_writer(jsonb_build_array(pg_temp.event(pg_temp.nest(65)))) -> 'detail',
  '{"field": "events[0].payload", "reason": "must nest arrays and objects at most 64 levels deep", "limit": 64, "setting": "max_event_depth"}'::jsonb,
  'PE112 DETAIL: field, reason, limit and setting');
SELECT is(pg_temp.append_as_writer(jsonb_build_array(pg_temp.event('1', pg_temp.nest_objects(65)))) -> 'detail' ->> 'field', 'events[0].metadata',
  'Metadata nesting 65 levels of objects: PE112 naming the metadata');
SELECT is(pg_temp.append_as_writer(jsonb_build_array(pg_temp.event('1'), pg_temp.event(jsonb_build_object('a', pg_temp.nest(64))))) -> 'detail' ->> 'field',
  'events[1].payload', 'The second event nests 65 levels under a key: PE112 naming it');
SELECT is(pg_temp.append_as_writer(jsonb_build_array(pg_temp.event(pg_temp.nest(10001)))) ->> 'sqlstate', 'PE112',
  'A payload nesting 10,001 levels (beyond Go''s decoder): PE112');
SELECT is(pg_temp.append_as_writer(jsonb_build_array(pg_temp.event(pg_temp.nest(65)) || '{"bogus": 1}')) ->> 'sqlstate', 'PE112',
  'Over a limit and invalid: the limit is reported first');
UPDATE pgevents.settings SET value = '32' WHERE name = 'max_event_depth';
SELECT is(pg_temp.append_as_writer(jsonb_build_array(pg_temp.event(pg_temp.nest(32)))), NULL, 'Depth limit lowered to 32: 32 levels accepted');
SELECT is(pg_temp.append_as_writer(jsonb_build_array(pg_temp.event(pg_temp.nest(33)))) -> 'detail' ->> 'limit', '32',
  'Depth limit lowered to 32: 33 levels (the smallest such event) is PE112 with limit 32');
UPDATE pgevents.settings SET value = '100' WHERE name = 'max_event_depth';
SELECT is(pg_temp.append_as_writer(jsonb_build_array(pg_temp.event(pg_temp.nest(100)))), NULL, 'Depth limit raised to 100: 100 levels accepted');
SELECT is(pg_temp.append_as_writer(jsonb_build_array(pg_temp.event(pg_temp.nest(101)))) ->> 'sqlstate', 'PE112', 'Depth limit raised to 100: 101 levels is PE112');
UPDATE pgevents.settings SET value = '64' WHERE name = 'max_event_depth';

-- Size: payload "xxx…" (n + 2 bytes of text) and absent metadata (null, 4).
SELECT is(pg_temp.append_as_writer(jsonb_build_array(pg_temp.event(to_jsonb(repeat('x', 1048570))))), NULL,
  'Payload + metadata of exactly 1048576 bytes of JSON text: accepted');
SELECT is(pg_temp.append_as_writer(jsonb_build_array(pg_temp.event(to_jsonb(repeat('x', 1048571))))) -> 'detail',
  '{"field": "events[0]", "reason": "payload and metadata must be at most 1048576 bytes of JSON (got 1048577)", "limit": 1048576, "setting": "max_event_size"}'::jsonb,
  'One byte more: PE112 naming the event, with the size');
SELECT is(pg_temp.append_as_writer(jsonb_build_array(pg_temp.event('{}', to_jsonb(repeat('é', 600000))))) -> 'detail' ->> 'field',
  'events[0]', 'Metadata counts, in bytes (600,000 two-byte characters): PE112');
SELECT is(pg_temp.append_as_writer(jsonb_build_array(pg_temp.event(to_jsonb(repeat(E'\x01', 200000))))) -> 'detail' ->> 'field',
  'events[0]', 'Escapes count as printed (200,000 control characters, 6 bytes each): PE112');
SELECT is(pg_temp.append_as_writer(('[{"name": "E", "payload": [' || repeat('0e-16000, ', 99) || '0e-16000]}]')::jsonb) ->> 'sqlstate',
  'PE112', 'Numbers written with a large exponent count as printed (100 × 16,002 bytes from a 1 kB request): PE112');
UPDATE pgevents.settings SET value = '65536' WHERE name = 'max_event_size';
SELECT is(pg_temp.append_as_writer(jsonb_build_array(pg_temp.event(to_jsonb(repeat('x', 65531))))) -> 'detail' ->> 'limit',
  '65536', 'Size limit lowered to 65536: 65537 bytes is PE112 with limit 65536');
SELECT is(pg_temp.append_as_writer(jsonb_build_array(pg_temp.event(to_jsonb(repeat('x', 65530))))), NULL,
  'Size limit lowered to 65536: 65536 bytes accepted');
UPDATE pgevents.settings SET value = '1048576' WHERE name = 'max_event_size';

-- Events per call and bytes per call.
SELECT is(pg_temp.append_as_writer((SELECT jsonb_agg(pg_temp.event(to_jsonb(i))) FROM generate_series(1, 10001) i)) -> 'detail',
  '{"field": "events", "reason": "must hold at most 10000 events (got 10001)", "limit": 10000, "setting": "max_append_events"}'::jsonb,
  '10,001 events: PE112 naming the events');
UPDATE pgevents.settings SET value = '100' WHERE name = 'max_append_events';
SELECT is(pg_temp.append_as_writer((SELECT jsonb_agg(pg_temp.event(to_jsonb(i))) FROM generate_series(1, 100) i), 'hundred'), NULL,
  'max_append_events lowered to 100: 100 events accepted');
SELECT is(pg_temp.append_as_writer((SELECT jsonb_agg(pg_temp.event(to_jsonb(i))) FROM generate_series(1, 101) i)) -> 'detail' ->> 'limit',
  '100', 'max_append_events lowered to 100: 101 events is PE112');
UPDATE pgevents.settings SET value = '10000' WHERE name = 'max_append_events';
UPDATE pgevents.settings SET value = '65536' WHERE name = 'max_append_size';
SELECT is(pg_temp.append_as_writer(jsonb_build_array(pg_temp.event(to_jsonb(repeat('x', 40000))), pg_temp.event(to_jsonb(repeat('y', 40000))))) -> 'detail',
  jsonb_build_object('field', 'events', 'reason', 'must be at most 65536 bytes of JSON (got 80060)', 'limit', 65536, 'setting', 'max_append_size'),
  'max_append_size lowered to 65536: two events of 40 kB each are within max_event_size but the batch is PE112');
UPDATE pgevents.settings SET value = '16777216' WHERE name = 'max_append_size';
SELECT is((SELECT count(*) FROM pgevents.events WHERE category = 'limits'), 105::bigint,
  'Nothing was written by the refused appends (only the accepted 5 events and 100)');

-- append_streams: the totals of the call, and each stream's events.
SET LOCAL ROLE pgevents_test_limits_writer;
SELECT is(pg_temp.error_of(format('SELECT * FROM pgevents.append_streams(%L, %L)', 'limitsStreams', jsonb_build_object(
    'a', jsonb_build_object('events', (SELECT jsonb_agg(pg_temp.event(to_jsonb(i))) FROM generate_series(1, 6000) i)),
    'b', jsonb_build_object('events', (SELECT jsonb_agg(pg_temp.event(to_jsonb(i))) FROM generate_series(1, 4001) i))))) -> 'detail',
  '{"field": "streams", "reason": "must hold at most 10000 events in all (got 10001)", "limit": 10000, "setting": "max_append_events"}'::jsonb,
  'append_streams: 6,000 + 4,001 events: PE112 naming the streams');
SELECT is(pg_temp.error_of(format('SELECT * FROM pgevents.append_streams(%L, %L)', 'limitsStreams', jsonb_build_object(
    'a', jsonb_build_object('events', jsonb_build_array(pg_temp.event(to_jsonb(repeat('x', 9000000))))),
    'b', jsonb_build_object('events', jsonb_build_array(pg_temp.event(to_jsonb(repeat('y', 9000000)))))))) -> 'detail' ->> 'field',
  'streams', 'append_streams: 2 × 9 MB of events (over max_append_size in all): PE112 naming the streams');
SELECT is(pg_temp.error_of(format('SELECT * FROM pgevents.append_streams(%L, %L)', 'limitsStreams', jsonb_build_object(
    'a', jsonb_build_object('events', jsonb_build_array(pg_temp.event('1'))),
    'b', jsonb_build_object('events', jsonb_build_array(pg_temp.event('1'), pg_temp.event('1', pg_temp.nest(65))))))) -> 'detail' ->> 'field',
  'streams["b"].events[1].metadata', 'append_streams: an event nesting too deep is named with its stream');
SELECT is((SELECT count(*) FROM pgevents.read_category('limitsStreams')), 0::bigint, 'append_streams: nothing written');
RESET ROLE;
SELECT is((SELECT count(*) FROM pgevents.events WHERE category = 'limitsStreams'), 0::bigint, 'append_streams: nothing written (not even uncommitted)');

-- The same limits hold for an owner-installed default, whatever the row.
DELETE FROM pgevents.settings WHERE name = 'max_event_depth';
SELECT is(pg_temp.append_as_writer(jsonb_build_array(pg_temp.event(pg_temp.nest(65)))) -> 'detail' ->> 'limit', '64',
  'A deleted limit setting falls back to its default');

SELECT * FROM finish();
ROLLBACK;
