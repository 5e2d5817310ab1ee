-- pgevents.evaluate_condition, through pgevents.append (it is internal)
--
-- Fixtures: stream ("condition", "two-events") has events at positions 0 and 1;
-- ("condition", "empty") has none. Most scenarios append an empty list, which
-- writes nothing but still evaluates the condition.
-- - No condition, none, JSON null: always met
-- - position_is(null), position_is(n), stream_is_empty, stream_exists: met and
--   not met, each with its own SQLSTATE (PE001, PE002, PE003)
-- - and: all met (empty and is met), fails with the first failed child's code
-- - or: one met (empty or is not met), fails with PE005 listing every failure
-- - Nested and/or
-- - An unmet condition writes nothing; a met one writes
-- - DETAIL names the failed condition, category, stream and latest position
-- - Malformed conditions and unknown types: PE103
-- - Size limits (a hostile condition must not hold the stream lock): more
--   than 65536 bytes as JSON, more than 32 levels of and/or, more than 1000
--   conditions: PE103 naming the limit, checked before the stream lock (a
--   second session holding the lock does not delay the refusal); at the
--   limits, conditions are evaluated; an or of 16,000 alternatives is refused
-- (Custom condition types: register_condition_type_test.sql.)
BEGIN;
\ir helpers.psql
SELECT plan(85);

-- Runs as pgevents_writer, the least-privileged role that may append; the
-- few owner-only steps (dblink, plan checks) RESET ROLE around themselves.
SET LOCAL ROLE pgevents_writer;

SELECT is((SELECT count(*) FROM pgevents.append('condition', 'two-events', pg_temp.new_events(2))), 2::bigint,
  'Fixture: a stream with events at positions 0 and 1');

-- No condition
SELECT lives_ok($$SELECT * FROM pgevents.append('condition', 'empty', '[]', NULL)$$, 'Stream is empty: no condition is met');
SELECT lives_ok($$SELECT * FROM pgevents.append('condition', 'two-events', '[]', NULL)$$, 'Stream has events: no condition is met');
SELECT lives_ok($$SELECT * FROM pgevents.append('condition', 'empty', '[]', '{"type": "none"}')$$, 'Stream is empty: none is met');
SELECT lives_ok($$SELECT * FROM pgevents.append('condition', 'two-events', '[]', '{"type": "none"}')$$, 'Stream has events: none is met');
SELECT lives_ok($$SELECT * FROM pgevents.append('condition', 'two-events', '[]', 'null')$$, 'Stream has events: a JSON null condition is met');

-- position_is
SELECT lives_ok($$SELECT * FROM pgevents.append('condition', 'empty', '[]', '{"type": "position_is", "position": null}')$$,
  'Stream is empty: position_is(null) is met');
SELECT throws_ok($$SELECT * FROM pgevents.append('condition', 'two-events', '[]', '{"type": "position_is", "position": null}')$$,
  'PE001', NULL, 'Stream has events: position_is(null) is not met: PE001');
SELECT lives_ok($$SELECT * FROM pgevents.append('condition', 'two-events', '[]', '{"type": "position_is", "position": 1}')$$,
  'Stream is at position 1: position_is(1) is met');
SELECT throws_ok($$SELECT * FROM pgevents.append('condition', 'two-events', '[]', '{"type": "position_is", "position": 0}')$$,
  'PE001', NULL, 'Stream is at position 1: position_is(0) is not met: PE001');
SELECT throws_ok($$SELECT * FROM pgevents.append('condition', 'two-events', '[]', '{"type": "position_is", "position": 2}')$$,
  'PE001', NULL, 'Stream is at position 1: position_is(2) is not met: PE001');
SELECT throws_ok($$SELECT * FROM pgevents.append('condition', 'empty', '[]', '{"type": "position_is", "position": 0}')$$,
  'PE001', NULL, 'Stream is empty: position_is(0) is not met: PE001');
SELECT is(
  pg_temp.error_of($$SELECT * FROM pgevents.append('condition', 'two-events', '[]', '{"type": "position_is", "position": 0}')$$) -> 'detail',
  '{"code": "PE001", "condition": {"type": "position_is", "position": 0}, "category": "condition", "stream": "two-events", "position": 1}'::jsonb,
  'PE001 DETAIL: code, failed condition, category, stream, latest position');
SELECT is(
  pg_temp.error_of($$SELECT * FROM pgevents.append('condition', 'empty', '[]', '{"type": "position_is", "position": 0}')$$) #> '{detail,position}',
  'null'::jsonb,
  'Stream is empty: DETAIL position is null');

-- stream_is_empty
SELECT lives_ok($$SELECT * FROM pgevents.append('condition', 'empty', '[]', '{"type": "stream_is_empty"}')$$,
  'Stream is empty: stream_is_empty is met');
SELECT throws_ok($$SELECT * FROM pgevents.append('condition', 'two-events', '[]', '{"type": "stream_is_empty"}')$$,
  'PE002', NULL, 'Stream has events: stream_is_empty is not met: PE002');

-- stream_exists
SELECT lives_ok($$SELECT * FROM pgevents.append('condition', 'two-events', '[]', '{"type": "stream_exists"}')$$,
  'Stream has events: stream_exists is met');
SELECT throws_ok($$SELECT * FROM pgevents.append('condition', 'empty', '[]', '{"type": "stream_exists"}')$$,
  'PE003', NULL, 'Stream is empty: stream_exists is not met: PE003');
SELECT is(
  pg_temp.error_of($$SELECT * FROM pgevents.append('condition', 'empty', '[]', '{"type": "stream_exists"}')$$) -> 'detail',
  '{"code": "PE003", "condition": {"type": "stream_exists"}, "category": "condition", "stream": "empty", "position": null}'::jsonb,
  'PE003 DETAIL: code, failed condition, category, stream, position null');

-- and
SELECT lives_ok($$SELECT * FROM pgevents.append('condition', 'empty', '[]', '{"type": "and", "conditions": []}')$$,
  'Stream is empty: and() is met');
SELECT lives_ok($$SELECT * FROM pgevents.append('condition', 'two-events', '[]', '{"type": "and", "conditions": []}')$$,
  'Stream has events: and() is met');
SELECT lives_ok($$SELECT * FROM pgevents.append('condition', 'two-events', '[]',
  '{"type": "and", "conditions": [{"type": "stream_exists"}, {"type": "position_is", "position": 1}]}')$$,
  'Stream is at position 1: and(stream_exists, position_is(1)) is met');
SELECT throws_ok($$SELECT * FROM pgevents.append('condition', 'two-events', '[]',
  '{"type": "and", "conditions": [{"type": "stream_exists"}, {"type": "position_is", "position": 0}]}')$$,
  'PE001', NULL, 'Stream is at position 1: and(stream_exists, position_is(0)) is not met: PE001, the failed child''s code');
SELECT is(
  pg_temp.error_of($$SELECT * FROM pgevents.append('condition', 'two-events', '[]',
    '{"type": "and", "conditions": [{"type": "stream_exists"}, {"type": "position_is", "position": 0}]}')$$) #> '{detail,condition}',
  '{"type": "position_is", "position": 0}'::jsonb,
  'and not met: DETAIL names the failed child, not the and');
SELECT throws_ok($$SELECT * FROM pgevents.append('condition', 'two-events', '[]',
  '{"type": "and", "conditions": [{"type": "stream_is_empty"}, {"type": "position_is", "position": 0}]}')$$,
  'PE002', NULL, 'Stream has events: and(stream_is_empty, position_is(0)) is not met: PE002, the first failed child');
SELECT throws_ok($$SELECT * FROM pgevents.append('condition', 'empty', '[]',
  '{"type": "and", "conditions": [{"type": "stream_is_empty"}, {"type": "stream_exists"}]}')$$,
  'PE003', NULL, 'Stream is empty: and(stream_is_empty, stream_exists) is not met: PE003');

-- or
SELECT throws_ok($$SELECT * FROM pgevents.append('condition', 'empty', '[]', '{"type": "or", "conditions": []}')$$,
  'PE005', NULL, 'Stream is empty: or() is not met: PE005');
SELECT throws_ok($$SELECT * FROM pgevents.append('condition', 'two-events', '[]', '{"type": "or", "conditions": []}')$$,
  'PE005', NULL, 'Stream has events: or() is not met: PE005');
SELECT lives_ok($$SELECT * FROM pgevents.append('condition', 'two-events', '[]',
  '{"type": "or", "conditions": [{"type": "position_is", "position": 0}, {"type": "position_is", "position": 1}]}')$$,
  'Stream is at position 1: or(position_is(0), position_is(1)) is met');
SELECT lives_ok($$SELECT * FROM pgevents.append('condition', 'empty', '[]',
  '{"type": "or", "conditions": [{"type": "stream_is_empty"}, {"type": "stream_exists"}]}')$$,
  'Stream is empty: or(stream_is_empty, stream_exists) is met');
SELECT lives_ok($$SELECT * FROM pgevents.append('condition', 'two-events', '[]',
  '{"type": "or", "conditions": [{"type": "stream_is_empty"}, {"type": "stream_exists"}]}')$$,
  'Stream has events: or(stream_is_empty, stream_exists) is met');
SELECT throws_ok($$SELECT * FROM pgevents.append('condition', 'two-events', '[]',
  '{"type": "or", "conditions": [{"type": "position_is", "position": 0}, {"type": "stream_is_empty"}]}')$$,
  'PE005', NULL, 'Stream is at position 1: or(position_is(0), stream_is_empty) is not met: PE005');
SELECT is(
  pg_temp.error_of($$SELECT * FROM pgevents.append('condition', 'two-events', '[]',
    '{"type": "or", "conditions": [{"type": "position_is", "position": 0}, {"type": "stream_is_empty"}]}')$$) -> 'detail',
  '{"code": "PE005", "category": "condition", "stream": "two-events", "position": 1,
    "condition": {"type": "or", "conditions": [{"type": "position_is", "position": 0}, {"type": "stream_is_empty"}]},
    "failures": [{"code": "PE001", "condition": {"type": "position_is", "position": 0}},
                 {"code": "PE002", "condition": {"type": "stream_is_empty"}}]}'::jsonb,
  'PE005 DETAIL: the or, and every alternative''s failure in order');

-- Nested
SELECT lives_ok($$SELECT * FROM pgevents.append('condition', 'two-events', '[]',
  '{"type": "and", "conditions": [{"type": "and", "conditions": [{"type": "and", "conditions": []}]}]}')$$,
  'and(and(and())) is met');
SELECT throws_ok($$SELECT * FROM pgevents.append('condition', 'two-events', '[]',
  '{"type": "or", "conditions": [{"type": "or", "conditions": []}]}')$$,
  'PE005', NULL, 'or(or()) is not met: PE005');
SELECT lives_ok($$SELECT * FROM pgevents.append('condition', 'two-events', '[]',
  '{"type": "or", "conditions": [
     {"type": "and", "conditions": [{"type": "stream_exists"}, {"type": "position_is", "position": 0}]},
     {"type": "and", "conditions": [{"type": "stream_exists"}, {"type": "position_is", "position": 1}]}]}')$$,
  'Stream is at position 1: or(and(stream_exists, position_is(0)), and(stream_exists, position_is(1))) is met');
SELECT lives_ok($$SELECT * FROM pgevents.append('condition', 'empty', '[]',
  '{"type": "and", "conditions": [
     {"type": "or", "conditions": [{"type": "stream_exists"}, {"type": "position_is", "position": null}]},
     {"type": "stream_is_empty"}]}')$$,
  'Stream is empty: and(or(stream_exists, position_is(null)), stream_is_empty) is met');
SELECT throws_ok($$SELECT * FROM pgevents.append('condition', 'two-events', '[]',
  '{"type": "and", "conditions": [
     {"type": "or", "conditions": [{"type": "position_is", "position": 5}, {"type": "stream_exists"}]},
     {"type": "or", "conditions": []}]}')$$,
  'PE005', NULL, 'and(or(position_is(5), stream_exists), or()) is not met: PE005 from the inner or');
SELECT is(
  pg_temp.error_of($$SELECT * FROM pgevents.append('condition', 'two-events', '[]',
    '{"type": "or", "conditions": [
       {"type": "and", "conditions": [{"type": "stream_exists"}, {"type": "position_is", "position": 7}]},
       {"type": "stream_is_empty"}]}')$$) #> '{detail,failures}',
  '[{"code": "PE001", "condition": {"type": "position_is", "position": 7}},
    {"code": "PE002", "condition": {"type": "stream_is_empty"}}]'::jsonb,
  'or(and(stream_exists, position_is(7)), stream_is_empty) not met: failures name the innermost failed conditions');

-- Unmet writes nothing, met writes
SELECT throws_ok($$SELECT * FROM pgevents.append('condition', 'two-events', pg_temp.new_events(3), '{"type": "position_is", "position": 0}')$$,
  'PE001', NULL, 'Three events under an unmet position_is(0): PE001');
SELECT is(pgevents.stream_position('condition', 'two-events'), 1::bigint, 'Unmet condition: nothing written');
SELECT throws_ok($$SELECT * FROM pgevents.append('condition', 'empty', pg_temp.new_events(1), '{"type": "stream_exists"}')$$,
  'PE003', NULL, 'An event under an unmet stream_exists on an empty stream: PE003');
SELECT is_empty($$SELECT * FROM pgevents.read_stream('condition', 'empty')$$, 'Unmet condition on an empty stream: it stays empty');
SELECT throws_ok($$SELECT * FROM pgevents.append('condition', 'two-events', pg_temp.new_events(1), '{"type": "or", "conditions": []}')$$,
  'PE005', NULL, 'An event under or(): PE005');
SELECT is(pgevents.stream_position('condition', 'two-events'), 1::bigint, 'Unmet or: nothing written');
SELECT results_eq(
  $$SELECT position FROM pgevents.append('condition', 'two-events', pg_temp.new_events(2), '{"type": "position_is", "position": 1}')$$,
  $$VALUES (2::bigint), (3::bigint)$$,
  'Met position_is(1): the events are written at 2 and 3');
SELECT results_eq(
  $$SELECT position FROM pgevents.append('condition', 'new', pg_temp.new_events(1), '{"type": "and", "conditions": [{"type": "stream_is_empty"}, {"type": "position_is", "position": null}]}')$$,
  $$VALUES (0::bigint)$$,
  'Met and(stream_is_empty, position_is(null)) on a new stream: written at 0');

-- Malformed: PE103
SELECT throws_ok($$SELECT * FROM pgevents.append('condition', 'two-events', '[]', '"position_is"')$$, 'PE103', NULL, 'Condition is a string: PE103');
SELECT throws_ok($$SELECT * FROM pgevents.append('condition', 'two-events', '[]', '[]')$$, 'PE103', NULL, 'Condition is an array: PE103');
SELECT throws_ok($$SELECT * FROM pgevents.append('condition', 'two-events', '[]', '1')$$, 'PE103', NULL, 'Condition is a number: PE103');
SELECT throws_ok($$SELECT * FROM pgevents.append('condition', 'two-events', '[]', '{}')$$, 'PE103', NULL, 'Condition without type: PE103');
SELECT throws_ok($$SELECT * FROM pgevents.append('condition', 'two-events', '[]', '{"type": null}')$$, 'PE103', NULL, 'Condition type null: PE103');
SELECT throws_ok($$SELECT * FROM pgevents.append('condition', 'two-events', '[]', '{"type": 5}')$$, 'PE103', NULL, 'Condition type a number: PE103');
SELECT throws_ok($$SELECT * FROM pgevents.append('condition', 'two-events', '[]', '{"type": "no_such_type"}')$$, 'PE103', NULL, 'Unknown condition type: PE103');
SELECT throws_ok($$SELECT * FROM pgevents.append('condition', 'two-events', '[]', '{"type": "POSITION_IS", "position": 1}')$$, 'PE103', NULL, 'Types are case-sensitive: POSITION_IS is unknown: PE103');
SELECT throws_ok($$SELECT * FROM pgevents.append('condition', 'two-events', '[]', '{"type": "position_is"}')$$, 'PE103', NULL, 'position_is without position: PE103');
SELECT throws_ok($$SELECT * FROM pgevents.append('condition', 'two-events', '[]', '{"type": "position_is", "position": "1"}')$$, 'PE103', NULL, 'position_is with a string position: PE103');
SELECT throws_ok($$SELECT * FROM pgevents.append('condition', 'two-events', '[]', '{"type": "position_is", "position": -1}')$$, 'PE103', NULL, 'position_is with a negative position: PE103');
SELECT throws_ok($$SELECT * FROM pgevents.append('condition', 'two-events', '[]', '{"type": "position_is", "position": 1.5}')$$, 'PE103', NULL, 'position_is with a fractional position: PE103');
SELECT throws_ok($$SELECT * FROM pgevents.append('condition', 'two-events', '[]', '{"type": "position_is", "position": 1e30}')$$, 'PE103', NULL, 'position_is with a position beyond bigint: PE103');
SELECT throws_ok($$SELECT * FROM pgevents.append('condition', 'two-events', '[]', '{"type": "and"}')$$, 'PE103', NULL, 'and without conditions: PE103');
SELECT throws_ok($$SELECT * FROM pgevents.append('condition', 'two-events', '[]', '{"type": "or", "conditions": {"type": "none"}}')$$, 'PE103', NULL, 'or with an object for conditions: PE103');
SELECT throws_ok($$SELECT * FROM pgevents.append('condition', 'two-events', '[]', '{"type": "and", "conditions": [{"type": "none"}, "none"]}')$$, 'PE103', NULL, 'and with a child that is not an object: PE103');
SELECT throws_ok($$SELECT * FROM pgevents.append('condition', 'two-events', '[]',
  '{"type": "or", "conditions": [{"type": "stream_is_empty"}, {"type": "and", "conditions": [{"type": "position_is", "position": "x"}]}]}')$$,
  'PE103', NULL, 'Malformed condition nested two levels down: PE103');
SELECT is(
  pg_temp.error_of($$SELECT * FROM pgevents.append('condition', 'two-events', '[]',
    '{"type": "or", "conditions": [{"type": "stream_is_empty"}, {"type": "and", "conditions": [{"type": "position_is", "position": "x"}]}]}')$$) #>> '{detail,field}',
  'condition.conditions[1].conditions[0].position',
  'PE103 DETAIL field is the path to the malformed part');
SELECT throws_ok($$SELECT * FROM pgevents.append('condition', 'two-events', pg_temp.new_events(1), '{"type": "no_such_type"}')$$, 'PE103', NULL, 'Unknown type with events: PE103');
SELECT is(pgevents.stream_position('condition', 'two-events'), 3::bigint, 'Malformed condition: nothing written');

-- Evaluation of and/or stops at the first decisive child, but the whole tree
-- is validated first, so a malformed or unknown condition anywhere is refused
-- whatever the stream's state.
SELECT throws_ok($$SELECT * FROM pgevents.append('condition', 'two-events', '[]',
  '{"type": "or", "conditions": [{"type": "none"}, {"type": "no_such_type"}]}')$$,
  'PE103', NULL, 'or(none, unknown type): PE103, whatever the stream''s state');
SELECT throws_ok($$SELECT * FROM pgevents.append('condition', 'two-events', '[]',
  '{"type": "or", "conditions": [{"type": "stream_exists"}, "garbage"]}')$$,
  'PE103', NULL, 'or(stream_exists, "garbage"): PE103, whatever the stream''s state');
SELECT throws_ok($$SELECT * FROM pgevents.append('condition', 'two-events', '[]',
  '{"type": "and", "conditions": [{"type": "position_is", "position": 0}, {"type": "no_such_type"}]}')$$,
  'PE103', NULL, 'and(unmet position_is(0), unknown type): PE103, not PE001');

-- Size limits, checked before anything is locked.
SELECT is(
  pg_temp.error_of(format($$SELECT * FROM pgevents.append('condition', 'two-events', '[]', %L)$$,
    jsonb_build_object('type', 'or', 'conditions', (SELECT jsonb_agg(jsonb_build_object('type', 'position_is', 'position', i)) FROM generate_series(1, 1000) AS i)))),
  '{"sqlstate": "PE103", "message": "pgevents: invalid condition: has more than 1000 conditions (got 1001, and/or included)", "detail": {"field": "condition", "reason": "has more than 1000 conditions (got 1001, and/or included)"}}'::jsonb,
  'An or of 1000 alternatives (1001 conditions): PE103 naming the limit');
SELECT lives_ok(format($$SELECT * FROM pgevents.append('condition', 'two-events', '[]', %L)$$,
    jsonb_build_object('type', 'or', 'conditions', (SELECT jsonb_agg(jsonb_build_object('type', 'position_is', 'position', i)) FROM generate_series(1, 999) AS i))),
  'An or of 999 alternatives (1000 conditions, the last one met): evaluated');
SELECT throws_ok(format($$SELECT * FROM pgevents.append('condition', 'two-events', '[]', %L)$$,
    jsonb_build_object('type', 'or', 'conditions', (SELECT jsonb_agg(jsonb_build_object('type', 'position_is', 'position', i + 10)) FROM generate_series(1, 999) AS i))),
  'PE005', NULL, 'An or of 999 unmet alternatives: PE005');
SELECT is(
  jsonb_array_length(pg_temp.error_of(format($$SELECT * FROM pgevents.append('condition', 'two-events', '[]', %L)$$,
    jsonb_build_object('type', 'or', 'conditions', (SELECT jsonb_agg(jsonb_build_object('type', 'position_is', 'position', i + 10)) FROM generate_series(1, 999) AS i)))) #> '{detail,failures}'),
  999, 'PE005 lists all 999 failures');
SELECT is(
  pg_temp.error_of(format($$SELECT * FROM pgevents.append('condition', 'two-events', '[]', %L)$$,
    jsonb_build_object('type', 'or', 'conditions', (SELECT jsonb_agg(jsonb_build_object('type', 'position_is', 'position', 999)) FROM generate_series(1, 16000))))) -> 'detail',
  '{"field": "condition", "reason": "is larger than 65536 bytes as JSON (got 672030)"}'::jsonb,
  'The audit''s or of 16,000 alternatives: PE103, too large (bytes of the jsonb text form)');
SELECT is(
  pg_temp.error_of(format($$SELECT * FROM pgevents.append('condition', 'two-events', '[]', %L)$$,
    jsonb_build_object('type', 'position_is', 'position', 1, 'padding', repeat('x', 65536)))) -> 'detail',
  '{"field": "condition", "reason": "is larger than 65536 bytes as JSON (got 65589)"}'::jsonb,
  'A single condition with a large extra field: PE103, too large');
SELECT throws_ok(format($$SELECT * FROM pgevents.append('condition', 'two-events', '[]', %L)$$,
    jsonb_build_object('type', 'position_is', 'position', 1, 'padding', repeat('x', 65536 - 53))),
  'PE001', NULL, 'A condition of exactly 65536 bytes: evaluated (not met: PE001, not PE103)');
-- n levels: n - 1 single-operand ands around stream_exists.
CREATE FUNCTION pg_temp.nested(n int) RETURNS jsonb LANGUAGE sql AS $$
  SELECT (repeat('{"type": "and", "conditions": [', n - 1) || '{"type": "stream_exists"}' || repeat(']}', n - 1))::jsonb $$;
SELECT lives_ok(format($$SELECT * FROM pgevents.append('condition', 'two-events', '[]', %L)$$, pg_temp.nested(32)),
  '32 levels of and: evaluated');
SELECT throws_ok(format($$SELECT * FROM pgevents.append('condition', 'empty', '[]', %L)$$, pg_temp.nested(32)),
  'PE003', NULL, '32 levels of and on an empty stream: the innermost stream_exists fails: PE003');
SELECT is(
  pg_temp.error_of(format($$SELECT * FROM pgevents.append('condition', 'two-events', '[]', %L)$$, pg_temp.nested(33))) -> 'detail',
  '{"field": "condition", "reason": "nests and/or conditions deeper than 32 levels"}'::jsonb,
  '33 levels: PE103, too deep');
SELECT is(
  pg_temp.error_of(format($$SELECT * FROM pgevents.append('condition', 'two-events', '[]', %L)$$, pg_temp.nested(2000))) ->> 'sqlstate',
  'PE103', '2000 levels: PE103 (no stack overflow)');
SELECT is(
  pg_temp.error_of(format($$SELECT * FROM pgevents.append_streams('condition', %L)$$,
    jsonb_build_object('two-events', jsonb_build_object('events', '[]'::jsonb, 'condition', pg_temp.nested(33))))) -> 'detail',
  '{"field": "condition", "reason": "nests and/or conditions deeper than 32 levels"}'::jsonb,
  'append_streams: the same limits');

-- Before the lock: a second session holds the stream's lock (an append in an
-- open transaction); a refused condition fails at once, a valid one waits.
RESET ROLE; -- dblink needs a superuser (trust authentication)
SELECT dblink_connect('locker', pg_temp.dsn()) \gset ignored_
SELECT dblink_exec('locker', 'BEGIN') \gset ignored_
SELECT n FROM dblink('locker', $$SELECT count(*) FROM pgevents.append('condition', 'locked', '[{"name": "A", "payload": 1}]')$$) AS t(n bigint) \gset ignored_
SET LOCAL ROLE pgevents_writer;
SET LOCAL lock_timeout = '50ms';
SELECT throws_ok(format($$SELECT * FROM pgevents.append('condition', 'locked', '[{"name": "B", "payload": 1}]', %L)$$, pg_temp.nested(33)),
  'PE103', NULL, 'Stream locked by another session: a too deep condition is refused (PE103) without waiting for the lock');
SELECT throws_ok($$SELECT * FROM pgevents.append('condition', 'locked', '[{"name": "B", "payload": 1}]', '{"type": "stream_is_empty"}')$$,
  '55P03', NULL, 'Control: a valid condition waits for the lock (here: lock_timeout, 55P03)');
RESET lock_timeout;
RESET ROLE;
SELECT dblink_exec('locker', 'ROLLBACK') \gset ignored_
SELECT dblink_disconnect('locker') \gset ignored_
SET LOCAL ROLE pgevents_writer;
SELECT is(pgevents.stream_position('condition', 'locked'), NULL, 'Nothing was written to the locked stream');

SELECT * FROM finish();
ROLLBACK;
