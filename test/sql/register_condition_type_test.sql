-- pgevents.register_condition_type, and custom conditions through pgevents.append
--
-- Fixtures: functions in the schema pgevents_fixtures (created and rolled back here).
-- - A function (text, text, pgevents.events, jsonb) RETURNS boolean registers
-- - Registering a type again replaces its function
-- - Bad names (pattern, built-in names) and bad signatures: PE108
-- - A custom condition gets the category, the stream, the latest event (all
--   fields NULL when the stream is empty) and the whole condition object
-- - Met: written; not met (false or NULL): PE004 and nothing written
-- - Custom conditions nest inside and/or
-- - It may read anything, and runs with the owner's privileges, so a writer
--   that cannot call the function itself can still use the condition
-- - Unregistered type: PE103
-- Attacks by a least-privileged LOGIN role (a member of pgevents_writer only)
-- that owns a schema of its own:
-- - A function it owns cannot be registered (PE108), nor a SECURITY DEFINER
--   one it owns
-- - A registration of such a function from before the check (inserted as the
--   owner), then swapped by the attacker (CREATE OR REPLACE) for a body that
--   forges an event below the fence and grants itself the owner role: the
--   append is refused with PE103, no event is forged, no membership gained
-- - A registered function the owner later gives away (ALTER FUNCTION OWNER)
--   is refused at call time (PE103)
BEGIN;
\ir helpers.psql
SELECT plan(59);

SELECT has_function('pgevents', 'register_condition_type', ARRAY['text', 'regprocedure'], 'register_condition_type(type, function) exists');
SELECT volatility_is('pgevents', 'register_condition_type', ARRAY['text', 'regprocedure'], 'volatile', 'register_condition_type is VOLATILE');
SELECT isnt_definer('pgevents', 'register_condition_type', ARRAY['text', 'regprocedure'], 'register_condition_type is not SECURITY DEFINER (owner only)');

CREATE SCHEMA pgevents_fixtures;
REVOKE ALL ON SCHEMA pgevents_fixtures FROM PUBLIC;
-- Met when the stream's latest event has the condition's "name" (null: empty stream).
CREATE FUNCTION pgevents_fixtures.latest_name_is(p_category text, p_stream text, p_latest pgevents.events, p_condition jsonb)
  RETURNS boolean LANGUAGE sql AS $$ SELECT p_latest.name IS NOT DISTINCT FROM p_condition ->> 'name' $$;
-- Met when category and stream are the ones the condition names.
CREATE FUNCTION pgevents_fixtures.target_is(p_category text, p_stream text, p_latest pgevents.events, p_condition jsonb)
  RETURNS boolean LANGUAGE sql AS $$ SELECT p_category = p_condition ->> 'category' AND p_stream = p_condition ->> 'stream' $$;
-- Reads the log: met while the category holds fewer than "max" events.
CREATE FUNCTION pgevents_fixtures.category_below(p_category text, p_stream text, p_latest pgevents.events, p_condition jsonb)
  RETURNS boolean LANGUAGE sql AS $$
  SELECT (SELECT count(*) FROM pgevents.events e WHERE e.category = p_category) < (p_condition ->> 'max')::bigint $$;
-- Met when every field of the latest event is NULL.
CREATE FUNCTION pgevents_fixtures.latest_is_null(p_category text, p_stream text, p_latest pgevents.events, p_condition jsonb)
  RETURNS boolean LANGUAGE sql AS $$ SELECT p_latest IS NULL $$;
CREATE FUNCTION pgevents_fixtures.returns_null(p_category text, p_stream text, p_latest pgevents.events, p_condition jsonb)
  RETURNS boolean LANGUAGE sql AS $$ SELECT NULL::boolean $$;
CREATE FUNCTION pgevents_fixtures.always(p_category text, p_stream text, p_latest pgevents.events, p_condition jsonb)
  RETURNS boolean LANGUAGE sql AS $$ SELECT true $$;
CREATE FUNCTION pgevents_fixtures.never(p_category text, p_stream text, p_latest pgevents.events, p_condition jsonb)
  RETURNS boolean LANGUAGE sql AS $$ SELECT false $$;
CREATE FUNCTION pgevents_fixtures.dropped(p_category text, p_stream text, p_latest pgevents.events, p_condition jsonb)
  RETURNS boolean LANGUAGE sql AS $$ SELECT true $$;
-- Wrong signatures.
CREATE FUNCTION pgevents_fixtures.returns_int(p_category text, p_stream text, p_latest pgevents.events, p_condition jsonb)
  RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
CREATE FUNCTION pgevents_fixtures.three_args(p_category text, p_stream text, p_condition jsonb)
  RETURNS boolean LANGUAGE sql AS $$ SELECT true $$;
CREATE FUNCTION pgevents_fixtures.json_condition(p_category text, p_stream text, p_latest pgevents.events, p_condition json)
  RETURNS boolean LANGUAGE sql AS $$ SELECT true $$;
CREATE FUNCTION pgevents_fixtures.returns_set(p_category text, p_stream text, p_latest pgevents.events, p_condition jsonb)
  RETURNS SETOF boolean LANGUAGE sql AS $$ SELECT true $$;

-- Registration
SELECT lives_ok($$SELECT pgevents.register_condition_type('latest_name_is', 'pgevents_fixtures.latest_name_is(text, text, pgevents.events, jsonb)')$$,
  'A function with the right signature registers');
SELECT is((SELECT function FROM pgevents.condition_types WHERE type = 'latest_name_is'),
  'pgevents_fixtures.latest_name_is(text, text, pgevents.events, jsonb)'::regprocedure,
  'The registration is listed in pgevents.condition_types');
SELECT lives_ok($$SELECT pgevents.register_condition_type('swapped', 'pgevents_fixtures.always(text, text, pgevents.events, jsonb)')$$
  || $$; SELECT pgevents.register_condition_type('swapped', 'pgevents_fixtures.never(text, text, pgevents.events, jsonb)')$$,
  'Registering a type again lives');
SELECT is((SELECT function FROM pgevents.condition_types WHERE type = 'swapped'),
  'pgevents_fixtures.never(text, text, pgevents.events, jsonb)'::regprocedure,
  'Registering a type again replaces its function');
SELECT lives_ok(format($$SELECT pgevents.register_condition_type(%L, 'pgevents_fixtures.always(text, text, pgevents.events, jsonb)')$$, 'a' || repeat('b', 62)),
  'A type name of 63 characters registers');

-- The fixtures the condition tests below use, registered the supported way.
SELECT pgevents.register_condition_type(t, f::regprocedure) FROM (VALUES
  ('target_is', 'pgevents_fixtures.target_is(text, text, pgevents.events, jsonb)'),
  ('category_below', 'pgevents_fixtures.category_below(text, text, pgevents.events, jsonb)'),
  ('latest_is_null', 'pgevents_fixtures.latest_is_null(text, text, pgevents.events, jsonb)'),
  ('returns_null', 'pgevents_fixtures.returns_null(text, text, pgevents.events, jsonb)'),
  ('dropped', 'pgevents_fixtures.dropped(text, text, pgevents.events, jsonb)')) AS r(t, f);

-- Bad names: PE108
SELECT throws_ok($$SELECT pgevents.register_condition_type(NULL, 'pgevents_fixtures.always(text, text, pgevents.events, jsonb)')$$, 'PE108', NULL, 'Type NULL: PE108');
SELECT throws_ok($$SELECT pgevents.register_condition_type('', 'pgevents_fixtures.always(text, text, pgevents.events, jsonb)')$$, 'PE108', NULL, 'Type empty: PE108');
SELECT throws_ok($$SELECT pgevents.register_condition_type('Quota', 'pgevents_fixtures.always(text, text, pgevents.events, jsonb)')$$, 'PE108', NULL, 'Type with an upper-case letter: PE108');
SELECT throws_ok($$SELECT pgevents.register_condition_type('1quota', 'pgevents_fixtures.always(text, text, pgevents.events, jsonb)')$$, 'PE108', NULL, 'Type starting with a digit: PE108');
SELECT throws_ok($$SELECT pgevents.register_condition_type('my-quota', 'pgevents_fixtures.always(text, text, pgevents.events, jsonb)')$$, 'PE108', NULL, 'Type with a dash: PE108');
SELECT throws_ok(format($$SELECT pgevents.register_condition_type(%L, 'pgevents_fixtures.always(text, text, pgevents.events, jsonb)')$$, repeat('a', 64)),
  'PE108', NULL, 'Type of 64 characters: PE108');
SELECT throws_ok($$SELECT pgevents.register_condition_type('none', 'pgevents_fixtures.always(text, text, pgevents.events, jsonb)')$$, 'PE108', NULL, 'Built-in type none: PE108');
SELECT throws_ok($$SELECT pgevents.register_condition_type('position_is', 'pgevents_fixtures.always(text, text, pgevents.events, jsonb)')$$, 'PE108', NULL, 'Built-in type position_is: PE108');
SELECT throws_ok($$SELECT pgevents.register_condition_type('stream_is_empty', 'pgevents_fixtures.always(text, text, pgevents.events, jsonb)')$$, 'PE108', NULL, 'Built-in type stream_is_empty: PE108');
SELECT throws_ok($$SELECT pgevents.register_condition_type('stream_exists', 'pgevents_fixtures.always(text, text, pgevents.events, jsonb)')$$, 'PE108', NULL, 'Built-in type stream_exists: PE108');
SELECT throws_ok($$SELECT pgevents.register_condition_type('and', 'pgevents_fixtures.always(text, text, pgevents.events, jsonb)')$$, 'PE108', NULL, 'Built-in type and: PE108');
SELECT throws_ok($$SELECT pgevents.register_condition_type('or', 'pgevents_fixtures.always(text, text, pgevents.events, jsonb)')$$, 'PE108', NULL, 'Built-in type or: PE108');

-- Bad signatures: PE108
SELECT throws_ok($$SELECT pgevents.register_condition_type('quota', 'pgevents_fixtures.returns_int(text, text, pgevents.events, jsonb)')$$, 'PE108', NULL, 'Function returns int: PE108');
SELECT throws_ok($$SELECT pgevents.register_condition_type('quota', 'pgevents_fixtures.three_args(text, text, jsonb)')$$, 'PE108', NULL, 'Function takes three arguments: PE108');
SELECT throws_ok($$SELECT pgevents.register_condition_type('quota', 'pgevents_fixtures.json_condition(text, text, pgevents.events, json)')$$, 'PE108', NULL, 'Function takes json, not jsonb: PE108');
SELECT throws_ok($$SELECT pgevents.register_condition_type('quota', 'pgevents_fixtures.returns_set(text, text, pgevents.events, jsonb)')$$, 'PE108', NULL, 'Function returns a set: PE108');
SELECT throws_ok($$SELECT pgevents.register_condition_type('quota', NULL)$$, 'PE108', NULL, 'Function NULL: PE108');
SELECT is_empty($$SELECT * FROM pgevents.condition_types WHERE type = 'quota'$$, 'Refused registrations leave no row');

-- Using custom conditions
SELECT lives_ok($$SELECT * FROM pgevents.append('custom', 'custom-1', '[]', '{"type": "latest_name_is", "name": null}')$$,
  'Stream is empty: latest_name_is(null) is met (the latest event''s fields are NULL)');
SELECT lives_ok($$SELECT * FROM pgevents.append('custom', 'custom-1', '[]', '{"type": "latest_is_null"}')$$,
  'Stream is empty: the function receives a latest event whose fields are all NULL');
SELECT results_eq(
  $$SELECT name, position FROM pgevents.append('custom', 'custom-1', '[{"name": "Opened", "payload": {}}]', '{"type": "latest_name_is", "name": null}')$$,
  $$VALUES ('Opened', 0::bigint)$$,
  'Met custom condition: the events are written');
SELECT lives_ok($$SELECT * FROM pgevents.append('custom', 'custom-1', '[]', '{"type": "latest_name_is", "name": "Opened"}')$$,
  'Latest event is Opened: latest_name_is(Opened) is met');
SELECT throws_ok($$SELECT * FROM pgevents.append('custom', 'custom-1', '[{"name": "Closed", "payload": {}}]', '{"type": "latest_name_is", "name": "Closed"}')$$,
  'PE004', NULL, 'Latest event is Opened: latest_name_is(Closed) is not met: PE004');
SELECT is(pgevents.stream_position('custom', 'custom-1'), 0::bigint, 'Unmet custom condition: nothing written');
SELECT is(
  pg_temp.error_of($$SELECT * FROM pgevents.append('custom', 'custom-1', '[]', '{"type": "latest_name_is", "name": "Closed"}')$$) -> 'detail',
  '{"code": "PE004", "condition": {"type": "latest_name_is", "name": "Closed"}, "category": "custom", "stream": "custom-1", "position": 0}'::jsonb,
  'PE004 DETAIL: code, the whole custom condition, category, stream, position');
SELECT throws_ok($$SELECT * FROM pgevents.append('custom', 'custom-1', '[]', '{"type": "returns_null"}')$$,
  'PE004', NULL, 'Function returns NULL: not met: PE004');
SELECT lives_ok($$SELECT * FROM pgevents.append('custom', 'custom-1', '[]', '{"type": "target_is", "category": "custom", "stream": "custom-1"}')$$,
  'The function receives the category and the stream');
SELECT throws_ok($$SELECT * FROM pgevents.append('custom', 'custom-2', '[]', '{"type": "target_is", "category": "custom", "stream": "custom-1"}')$$,
  'PE004', NULL, 'Another stream: target_is is not met: PE004');
SELECT lives_ok($$SELECT * FROM pgevents.append('custom', 'custom-2', '[{"name": "A", "payload": 1}]', '{"type": "category_below", "max": 2}')$$,
  'A condition may read the log: category_below(2) with one event is met');
SELECT throws_ok($$SELECT * FROM pgevents.append('custom', 'custom-3', '[{"name": "A", "payload": 1}]', '{"type": "category_below", "max": 2}')$$,
  'PE004', NULL, 'category_below(2) with two events is not met: PE004');

-- Nested
SELECT throws_ok($$SELECT * FROM pgevents.append('custom', 'custom-1', '[]',
  '{"type": "and", "conditions": [{"type": "stream_exists"}, {"type": "latest_name_is", "name": "Closed"}]}')$$,
  'PE004', NULL, 'and(stream_exists, unmet custom): PE004');
SELECT lives_ok($$SELECT * FROM pgevents.append('custom', 'custom-1', '[]',
  '{"type": "or", "conditions": [{"type": "latest_name_is", "name": "Closed"}, {"type": "position_is", "position": 0}]}')$$,
  'or(unmet custom, met position_is(0)): met');
SELECT is(
  pg_temp.error_of($$SELECT * FROM pgevents.append('custom', 'custom-1', '[]',
    '{"type": "or", "conditions": [{"type": "latest_name_is", "name": "Closed"}, {"type": "stream_is_empty"}]}')$$) #> '{detail,failures}',
  '[{"code": "PE004", "condition": {"type": "latest_name_is", "name": "Closed"}}, {"code": "PE002", "condition": {"type": "stream_is_empty"}}]'::jsonb,
  'or(unmet custom, unmet stream_is_empty): PE005 lists the custom failure as PE004');

-- Privileges: the writer has no access to pgevents_fixtures, yet the condition runs (as the owner)
SET LOCAL ROLE pgevents_writer;
SELECT throws_ok($$SELECT pgevents_fixtures.latest_name_is('custom', 'custom-1', NULL, '{}')$$,
  '42501', NULL, 'The writer cannot call the condition function itself');
SELECT results_eq(
  $$SELECT position FROM pgevents.append('custom', 'custom-1', '[{"name": "Closed", "payload": {}}]', '{"type": "latest_name_is", "name": "Opened"}')$$,
  $$VALUES (1::bigint)$$,
  'The writer appends under a custom condition: it runs with the owner''s privileges');
RESET ROLE;

-- Unregistered, and no longer existing functions
SELECT throws_ok($$SELECT * FROM pgevents.append('custom', 'custom-1', '[]', '{"type": "quota"}')$$,
  'PE103', NULL, 'Unregistered type: PE103');
DROP FUNCTION pgevents_fixtures.dropped(text, text, pgevents.events, jsonb);
SELECT throws_ok($$SELECT * FROM pgevents.append('custom', 'custom-1', '[]', '{"type": "dropped"}')$$,
  'PE103', NULL, 'Registered function dropped: PE103 (an unusable type), not a syntax error');

-- Attacks by an application role (LOGIN, member of pgevents_writer only).
CREATE ROLE pgevents_test_attacker LOGIN;
GRANT pgevents_writer TO pgevents_test_attacker;
CREATE SCHEMA pgevents_attacker AUTHORIZATION pgevents_test_attacker;
SET LOCAL ROLE pgevents_test_attacker;
CREATE FUNCTION pgevents_attacker.harmless(p_category text, p_stream text, p_latest pgevents.events, p_condition jsonb)
  RETURNS boolean LANGUAGE sql AS $$ SELECT true $$;
CREATE FUNCTION pgevents_attacker.definer(p_category text, p_stream text, p_latest pgevents.events, p_condition jsonb)
  RETURNS boolean LANGUAGE sql SECURITY DEFINER AS $$ SELECT true $$;
RESET ROLE;
SELECT throws_ok($$SELECT pgevents.register_condition_type('harmless', 'pgevents_attacker.harmless(text, text, pgevents.events, jsonb)')$$,
  'PE108', NULL, 'A function owned by an application role cannot be registered: PE108');
SELECT is(pg_temp.error_of($$SELECT pgevents.register_condition_type('harmless', 'pgevents_attacker.harmless(text, text, pgevents.events, jsonb)')$$) #>> '{detail,field}',
  'function', 'PE108 DETAIL names the field function');
SELECT throws_ok($$SELECT pgevents.register_condition_type('definer', 'pgevents_attacker.definer(text, text, pgevents.events, jsonb)')$$,
  'PE108', NULL, 'A SECURITY DEFINER function owned by an application role cannot be registered: PE108');
SELECT is_empty($$SELECT * FROM pgevents.condition_types WHERE type IN ('harmless', 'definer')$$, 'Refused: no row');

-- A registration made before registrations were checked (as the owner, directly).
INSERT INTO pgevents.condition_types VALUES ('harmless', 'pgevents_attacker.harmless(text, text, pgevents.events, jsonb)')
  ON CONFLICT (type) DO NOTHING;
SET LOCAL ROLE pgevents_test_attacker;
SELECT is(session_user::text || '/' || current_user::text, 'postgres/pgevents_test_attacker', 'The attack runs as the attacker');
-- The swap: forge an event below the fence, and become the owner.
CREATE OR REPLACE FUNCTION pgevents_attacker.harmless(p_category text, p_stream text, p_latest pgevents.events, p_condition jsonb)
  RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO pgevents.events (transaction_id, id, category, stream, position, name, payload, metadata, occurred_at, observed_at)
    VALUES ('3'::xid8, gen_random_uuid(), 'forged', 'forged', 0, 'Forged', '{}', 'null', now(), now());
  EXECUTE format('GRANT %I TO pgevents_test_attacker',
    (SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'pgevents'));
  RETURN true;
END;
$$;
SELECT throws_ok($$SELECT * FROM pgevents.append('custom', 'attacked', '[{"name": "A", "payload": 1}]', '{"type": "harmless"}')$$,
  'PE103', NULL, 'Swapped function owned by the attacker: the append is refused (PE103), the function never runs');
SELECT throws_ok($$SELECT * FROM pgevents.append('custom', 'attacked', '[]', '{"type": "or", "conditions": [{"type": "stream_is_empty"}, {"type": "harmless"}]}')$$,
  'PE103', NULL, 'Also nested in an or whose first alternative is met (validated before evaluation): PE103');
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.append_streams('custom', '{"attacked": {"events": [], "condition": {"type": "harmless"}}}')$$) ->> 'sqlstate',
  'PE103', 'And through append_streams: PE103');
RESET ROLE;
SELECT is_empty($$SELECT * FROM pgevents.events WHERE category IN ('forged', 'custom') AND stream IN ('forged', 'attacked')$$,
  'After the attack: no forged event, nothing appended');
SELECT ok(NOT pg_has_role('pgevents_test_attacker', (SELECT nspowner FROM pg_namespace WHERE nspname = 'pgevents'), 'MEMBER'),
  'After the attack: the attacker is not a member of the owner role');
SELECT ok(NOT (SELECT rolsuper FROM pg_roles WHERE rolname = 'pgevents_test_attacker'), 'After the attack: the attacker is no superuser');
DELETE FROM pgevents.condition_types WHERE type = 'harmless';

-- A function the owner registered, then gave away: refused at call time.
CREATE FUNCTION pgevents_fixtures.given_away(p_category text, p_stream text, p_latest pgevents.events, p_condition jsonb)
  RETURNS boolean LANGUAGE sql AS $$ SELECT true $$;
SELECT lives_ok($$SELECT pgevents.register_condition_type('given_away', 'pgevents_fixtures.given_away(text, text, pgevents.events, jsonb)')$$,
  'A function owned by the owner registers');
ALTER FUNCTION pgevents_fixtures.given_away(text, text, pgevents.events, jsonb) OWNER TO pgevents_test_attacker;
SELECT throws_ok($$SELECT * FROM pgevents.append('custom', 'given-away', '[{"name": "A", "payload": 1}]', '{"type": "given_away"}')$$,
  'PE103', NULL, 'A registered function now owned by another role is refused at call time: PE103');
SELECT is(pgevents.stream_position('custom', 'given-away'), NULL, 'Refused: nothing written');

SELECT * FROM finish();
ROLLBACK;
