-- Stream heads (migration 00013): every append that writes stores its
-- stream's latest position, transaction id and observed_at in the stream's
-- row of pgevents.streams, and the next append reads them there instead of
-- reading the latest event.
-- - After append, append_streams, append_batch (two items on one stream),
--   an import with observed_at, and a condition check without events, the
--   head equals the stream's latest event.
-- - A head that is not known (NULL: a row older than migration 00013, or a
--   stream with events and no row at all, older than migration 00004): the
--   append reads the latest event, writes at the right position, and
--   stores the head.
-- - Conditions against a known head: position_is (met, not met with the
--   position in DETAIL), stream_exists; a custom condition still gets the
--   whole latest event.
-- - The migration's backfill fills every row from the latest event and
--   leaves a row without events NULL.
BEGIN;
\ir helpers.psql
SELECT plan(24);

SELECT columns_are('pgevents', 'streams', ARRAY['category', 'stream', 'position', 'transaction_id', 'observed_at'],
  'pgevents.streams holds the head: position, transaction_id, observed_at');

-- The head of a stream is its latest event's (position, transaction_id, observed_at).
CREATE FUNCTION pg_temp.head_ok(p_category text, p_stream text) RETURNS boolean
  LANGUAGE sql AS $$
  SELECT (s.position, s.transaction_id, s.observed_at) IS NOT DISTINCT FROM (l.position, l.transaction_id, l.observed_at)
     AND s.position IS NOT NULL
    FROM pgevents.streams s
    LEFT JOIN LATERAL (SELECT e.* FROM pgevents.events e WHERE e.category = s.category AND e.stream = s.stream
                        ORDER BY e.position DESC LIMIT 1) l ON true
   WHERE s.category = p_category AND s.stream = p_stream
$$;

SET LOCAL ROLE pgevents_writer;
SELECT results_eq($$SELECT position FROM pgevents.append('streamHeadsTest', 'a', pg_temp.new_events(3))$$,
  $$VALUES (0::bigint), (1::bigint), (2::bigint)$$, 'A new stream: positions 0..2');
RESET ROLE;
SELECT ok(pg_temp.head_ok('streamHeadsTest', 'a'), 'append: the head is the latest event');
SET LOCAL ROLE pgevents_writer;
SELECT results_eq($$SELECT position FROM pgevents.append('streamHeadsTest', 'a', pg_temp.new_events(2), '{"type": "position_is", "position": 2}')$$,
  $$VALUES (3::bigint), (4::bigint)$$, 'position_is met against the head: positions 3..4');
RESET ROLE;
SELECT ok(pg_temp.head_ok('streamHeadsTest', 'a'), 'append again: the head moved to position 4');
SET LOCAL ROLE pgevents_writer;
SELECT throws_ok($$SELECT * FROM pgevents.append('streamHeadsTest', 'a', pg_temp.new_events(1), '{"type": "position_is", "position": 3}')$$,
  'PE001', NULL, 'position_is not met against the head: PE001');
SELECT is(pg_temp.error_of($$SELECT * FROM pgevents.append('streamHeadsTest', 'a', pg_temp.new_events(1), '{"type": "position_is", "position": 3}')$$) -> 'detail' -> 'position',
  '4'::jsonb, 'PE001 DETAIL: the head''s position');
SELECT is((SELECT count(*) FROM pgevents.append('streamHeadsTest', 'a', '[]', '{"type": "stream_exists"}')), 0::bigint,
  'A condition check without events: met, nothing written');
RESET ROLE;
SELECT ok(pg_temp.head_ok('streamHeadsTest', 'a'), 'a condition check leaves the head');

-- append_streams and append_batch (two items on one stream: the second sees the first).
SET LOCAL ROLE pgevents_writer;
SELECT is((SELECT count(*) FROM pgevents.append_streams('streamHeadsTest', '{"a": {"events": [{"name": "X", "payload": 1}]}, "b": {"events": [{"name": "X", "payload": 1}]}}')),
  2::bigint, 'append_streams writes two streams');
RESET ROLE;
SELECT ok(pg_temp.head_ok('streamHeadsTest', 'a') AND pg_temp.head_ok('streamHeadsTest', 'b'), 'append_streams: both heads are the latest events');
SET LOCAL ROLE pgevents_writer;
SELECT results_eq($$SELECT item, error_code, position FROM pgevents.append_batch('[
    {"category": "streamHeadsTest", "stream": "b", "events": [{"name": "Y", "payload": 1}, {"name": "Y", "payload": 2}]},
    {"category": "streamHeadsTest", "stream": "b", "events": [{"name": "Z", "payload": 1}], "condition": {"type": "position_is", "position": 2}},
    {"category": "streamHeadsTest", "stream": "b", "events": [{"name": "Z", "payload": 2}], "condition": {"type": "position_is", "position": 2}}
  ]') ORDER BY 1, 3$$,
  $$VALUES (0, NULL::text, 1::bigint), (0, NULL, 2::bigint), (1, NULL, 3::bigint), (2, 'PE001', NULL::bigint)$$,
  'append_batch: the second item on a stream sees the first''s head, the third the second''s');
RESET ROLE;
SELECT ok(pg_temp.head_ok('streamHeadsTest', 'b'), 'append_batch: the head is the latest event');

-- An import (observed_at given) stores its last observed_at.
UPDATE pgevents.settings SET value = 'true' WHERE name = 'allow_observed_at';
SET LOCAL ROLE pgevents_writer;
SELECT is((SELECT max(position) FROM pgevents.append('streamHeadsTest', 'c',
  '[{"name": "I", "payload": 1, "observed_at": "2999-01-01T00:00:00Z"}, {"name": "I", "payload": 2, "observed_at": "2999-01-02T00:00:00Z"}]')),
  1::bigint, 'An import of two events');
RESET ROLE;
SELECT is((SELECT observed_at FROM pgevents.streams WHERE category = 'streamHeadsTest' AND stream = 'c'), '2999-01-02T00:00:00Z'::timestamptz,
  'import: the head holds the last observed_at');
SET LOCAL ROLE pgevents_writer;
SELECT is((SELECT observed_at FROM pgevents.append('streamHeadsTest', 'c', pg_temp.new_events(1))), '2999-01-02T00:00:00Z'::timestamptz,
  'the next append''s observed_at does not go back behind the head''s');
RESET ROLE;
UPDATE pgevents.settings SET value = 'false' WHERE name = 'allow_observed_at';

-- A custom condition still gets the whole latest event.
CREATE SCHEMA pgevents_heads_fixtures;
CREATE FUNCTION pgevents_heads_fixtures.latest_name_is(p_category text, p_stream text, p_latest pgevents.events, p_condition jsonb)
  RETURNS boolean LANGUAGE sql AS $$ SELECT p_latest.name IS NOT DISTINCT FROM p_condition ->> 'name' $$;
SELECT pgevents.register_condition_type('heads_latest_name_is', 'pgevents_heads_fixtures.latest_name_is(text, text, pgevents.events, jsonb)');
SET LOCAL ROLE pgevents_writer;
SELECT is((SELECT count(*) FROM pgevents.append('streamHeadsTest', 'b', pg_temp.new_events(1),
  '{"type": "and", "conditions": [{"type": "stream_exists"}, {"type": "heads_latest_name_is", "name": "Z"}]}')),
  1::bigint, 'A custom condition (inside "and") sees the latest event''s name');
SELECT throws_ok($$SELECT * FROM pgevents.append('streamHeadsTest', 'b', pg_temp.new_events(1), '{"type": "heads_latest_name_is", "name": "Z"}')$$,
  'PE004', NULL, '... and its new name: not met, PE004');
RESET ROLE;

-- A head that is not known: a row from before migration 00013.
UPDATE pgevents.streams SET position = NULL, transaction_id = NULL, observed_at = NULL
 WHERE category = 'streamHeadsTest' AND stream = 'a';
SET LOCAL ROLE pgevents_writer;
SELECT results_eq($$SELECT position FROM pgevents.append('streamHeadsTest', 'a', pg_temp.new_events(1), '{"type": "position_is", "position": 5}')$$,
  $$VALUES (6::bigint)$$, 'Unknown head: the append reads the latest event (condition met, next position)');
RESET ROLE;
SELECT ok(pg_temp.head_ok('streamHeadsTest', 'a'), '... and stores the head');

-- A stream with events but no row (from before migration 00004).
INSERT INTO pgevents.events (id, category, stream, position, name, payload, metadata, occurred_at, observed_at)
  VALUES (gen_random_uuid(), 'streamHeadsTest', 'old', 0, 'Old', '{}', 'null', now(), now()),
         (gen_random_uuid(), 'streamHeadsTest', 'old', 1, 'Old', '{}', 'null', now(), now());
SET LOCAL ROLE pgevents_writer;
SELECT results_eq($$SELECT position FROM pgevents.append('streamHeadsTest', 'old', pg_temp.new_events(1), '{"type": "position_is", "position": 1}')$$,
  $$VALUES (2::bigint)$$, 'A stream without a row: the append reads the latest event');
RESET ROLE;
SELECT ok(pg_temp.head_ok('streamHeadsTest', 'old'), '... creates the row with the head');

-- The migration's backfill (its UPDATE statement, read from the file).
\set backfill `sed -n '/^UPDATE pgevents.streams s$/,/;$/p' migrations/00013_stream_heads.sql`
UPDATE pgevents.streams SET position = NULL, transaction_id = NULL, observed_at = NULL WHERE category = 'streamHeadsTest';
INSERT INTO pgevents.streams (category, stream) VALUES ('streamHeadsTest', 'empty');
:backfill
SELECT ok((SELECT bool_and(pg_temp.head_ok('streamHeadsTest', s)) FROM unnest(ARRAY['a', 'b', 'c', 'old']) AS s),
  'backfill: every row with events gets its latest event''s head');
SELECT is((SELECT position FROM pgevents.streams WHERE category = 'streamHeadsTest' AND stream = 'empty'), NULL::bigint,
  'backfill: a row without events stays NULL (not known)');

SELECT * FROM finish();
ROLLBACK;
