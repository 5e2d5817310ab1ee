-- Event validation: the fast check (pgevents.is_valid_event, aggregated over
-- a batch by write_stream) and the precise one (pgevents.check_events)
--
-- - They agree: every event is_valid_event rejects makes check_events raise
--   (PE101/PE102), and every event it accepts passes check_events; the one
--   documented exception is a well-shaped timestamp that names no real
--   instant, which write_stream parses (PE102) before taking any lock
-- - check_events reports the first problem of a batch, in order
-- - check_name and is_valid_event are inlined by the planner (no function
--   call on the hot path); a SET clause or a mutable body would silently stop
--   that, so the plans are checked
-- - A name's validity: 1..255 characters, no control characters
BEGIN;
\ir helpers.psql
SELECT plan(16);

-- The VERBOSE plan (output expressions included), as text.
CREATE FUNCTION pg_temp.verbose_plan_of(p_sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  _line text;
  _plan text := '';
BEGIN
  FOR _line IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || p_sql LOOP
    _plan := _plan || _line || E'\n';
  END LOOP;
  RETURN _plan;
END;
$$;

CREATE TEMP TABLE cases (label text, event jsonb);
INSERT INTO cases VALUES
  ('minimal', '{"name": "A", "payload": 1}'),
  ('every field', '{"id": "0190a6e0-0000-7000-8000-000000000001", "name": "A", "payload": {"x": [1, 2]}, "metadata": {"m": true}, "occurred_at": "2026-01-02T03:04:05.123456Z", "observed_at": "2026-01-02 03:04:05+01:00"}'),
  ('payload null', '{"name": "A", "payload": null}'),
  ('id null', '{"id": null, "name": "A", "payload": 1}'),
  ('id upper case', '{"id": "0190A6E0-0000-7000-8000-00000000000F", "name": "A", "payload": 1}'),
  ('timestamps null', '{"name": "A", "payload": 1, "occurred_at": null, "observed_at": null}'),
  ('name of 255 characters', jsonb_build_object('name', repeat('é', 255), 'payload', 1)),
  ('name with spaces and unicode', '{"name": "Order Placed ✓", "payload": 1}'),
  ('not an object: array', '[{"name": "A", "payload": 1}]'),
  ('not an object: string', '"A"'),
  ('not an object: null', 'null'),
  ('unknown field', '{"name": "A", "payload": 1, "type": "x"}'),
  ('name missing', '{"payload": 1}'),
  ('name null', '{"name": null, "payload": 1}'),
  ('name a number', '{"name": 1, "payload": 1}'),
  ('name empty', '{"name": "", "payload": 1}'),
  ('name of 256 characters', jsonb_build_object('name', repeat('a', 256), 'payload', 1)),
  ('name with a newline', '{"name": "A\nB", "payload": 1}'),
  ('name with a tab', '{"name": "A\tB", "payload": 1}'),
  ('name with DEL', jsonb_build_object('name', 'A' || chr(127), 'payload', 1)),
  ('payload missing', '{"name": "A"}'),
  ('id not a UUID', '{"id": "abc", "name": "A", "payload": 1}'),
  ('id a number', '{"id": 1, "name": "A", "payload": 1}'),
  ('id without hyphens', '{"id": "0190a6e000007000800000000000000f", "name": "A", "payload": 1}'),
  ('id an object', '{"id": {}, "name": "A", "payload": 1}'),
  ('id of 36 hyphens', jsonb_build_object('id', repeat('-', 36), 'name', 'A', 'payload', 1)),
  ('id with a fifth hyphen', '{"id": "0190a6e0-0000-7000-8000-0000-0000000", "name": "A", "payload": 1}'),
  ('id with a hyphen moved', '{"id": "0190a6e00-000-7000-8000-00000000000f", "name": "A", "payload": 1}'),
  ('id with a non-hex letter', '{"id": "0190a6e0-0000-7000-8000-00000000000g", "name": "A", "payload": 1}'),
  ('id one character long', '{"id": "0190a6e0-0000-7000-8000-00000000000fa", "name": "A", "payload": 1}'),
  ('id with a multibyte character', '{"id": "0190a6e0-0000-7000-8000-00000000000é", "name": "A", "payload": 1}'),
  ('id in braces', '{"id": "{0190a6e0-0000-7000-8000-00000000000f}", "name": "A", "payload": 1}'),
  ('occurred_at without offset', '{"name": "A", "payload": 1, "occurred_at": "2026-01-02T03:04:05"}'),
  ('occurred_at a number', '{"name": "A", "payload": 1, "occurred_at": 1700000000}'),
  ('observed_at a date only', '{"name": "A", "payload": 1, "observed_at": "2026-01-02"}'),
  ('observed_at an object', '{"name": "A", "payload": 1, "observed_at": {}}');

CREATE FUNCTION pg_temp.check_passes(p_event jsonb) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pgevents.check_events(jsonb_build_array(p_event), 'events');
  RETURN true;
EXCEPTION WHEN SQLSTATE 'PE101' OR SQLSTATE 'PE102' THEN
  RETURN false;
END;
$$;

SELECT is_empty(
  $$SELECT label, pgevents.is_valid_event(event), pg_temp.check_passes(event) FROM cases
     WHERE pgevents.is_valid_event(event) IS DISTINCT FROM pg_temp.check_passes(event)$$,
  'is_valid_event and check_events agree on every case');
SELECT is((SELECT count(*) FROM cases WHERE pgevents.is_valid_event(event)), 8::bigint,
  'The eight valid cases are valid (the rest are not)');
SELECT ok(pgevents.is_valid_event('{"name": "A", "payload": 1, "occurred_at": "2026-02-30T00:00:00Z"}')
  AND NOT pg_temp.check_passes('{"name": "A", "payload": 1, "occurred_at": "2026-02-30T00:00:00Z"}'),
  'The documented exception: a well-shaped timestamp that is no real instant passes the fast check only');
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.append('validate', 'v-1', '[{"name": "A", "payload": 1, "occurred_at": "2026-02-30T00:00:00Z"}]', '{"type": "position_is", "position": 7}')$$) ->> 'sqlstate',
  'PE102', 'write_stream parses such a timestamp before the condition: PE102, not PE001');
SELECT is(pgevents.is_valid_event(NULL), false, 'is_valid_event(NULL) is false, never NULL');

SELECT is(pg_temp.error_of($$SELECT pgevents.check_events('[{"name": "A", "payload": 1}, {"name": "", "payload": 1}, {"name": "B"}]', 'events')$$) #>> '{detail,field}',
  'events[1].name', 'check_events names the first problem, in batch order');
SELECT is(pg_temp.error_of($$SELECT pgevents.check_events('[{"id": "0190a6e0-0000-7000-8000-00000000000a", "name": "A", "payload": 1}, {"id": "0190A6E0-0000-7000-8000-00000000000A", "name": "B", "payload": 1}]', 'events')$$) #>> '{detail,field}',
  'events[1].id', 'check_events: the same id twice (any letter case) names the second');
SELECT is(pgevents.check_events('[]', 'events')::text, '', 'check_events: an empty batch is valid');
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.append('validate', 'v-2', '[{"id": "0190a6e0-0000-7000-8000-00000000000a", "name": "A", "payload": 1}, {"id": "0190A6E0-0000-7000-8000-00000000000A", "name": "B", "payload": 1}]')$$) #>> '{detail,field}',
  'events[1].id', 'append: the same id twice in other letter case is found by the fast path too (PE102 on the second)');
SELECT lives_ok($$SELECT * FROM pgevents.append('validate', 'v-3', '[{"id": "0190a6e0-0000-7000-8000-0000000000a1", "name": "A", "payload": 1}]')$$, 'Setup: one stored event');
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.append('validate', 'v-3', '[{"id": "0190a6e0-0000-7000-8000-0000000000a1", "name": "A", "payload": 1}, {"id": "0190a6e0-0000-7000-8000-0000000000a2", "name": "B", "payload": 1}]')$$) #>> '{detail,id}',
  '0190a6e0-0000-7000-8000-0000000000a2', 'PE107 for a partly stored batch names the id that is not stored');
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.append('validate', 'v-3', '[{"id": "0190a6e0-0000-7000-8000-0000000000a1", "name": "A", "payload": 1}, {"name": "B", "payload": 1}]')$$) #>> '{detail,id}',
  '0190a6e0-0000-7000-8000-0000000000a1', 'PE107 when events without ids were added to a stored batch names the stored id');

SELECT doesnt_match(pg_temp.verbose_plan_of($$SELECT pgevents.check_name('f', n) FROM (VALUES ('a'), ('b')) AS v(n)$$),
  'check_name\(', 'check_name is inlined (the plan calls no check_name)');
SELECT doesnt_match(pg_temp.verbose_plan_of($$SELECT pgevents.is_valid_event(e) FROM (VALUES ('{}'::jsonb), ('[]')) AS v(e)$$),
  'is_valid_event\(', 'is_valid_event is inlined (the plan calls no is_valid_event)');
SELECT throws_ok($$SELECT pgevents.check_name('category', repeat('a', 256))$$, 'PE101',
  'pgevents: invalid category: must be at most 255 characters (got 256)', 'check_name: too long, with the reason');

SELECT matches(pg_temp.verbose_plan_of($$SELECT pgevents.check_name('f', n) FROM (VALUES ('a'), ('b')) AS v(n)$$),
  'check_invalid_name', 'The inlined check_name still calls check_invalid_name for an invalid name');

SELECT * FROM finish();
ROLLBACK;
