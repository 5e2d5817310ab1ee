-- observed_at: only imports may set it, never backwards (issue 8, item 9)
--
-- - The installation setting allow_observed_at is false by default: an
--   append that gives observed_at (not null) is PE102 naming the first such
--   event's observed_at, and writes nothing; null means absent
-- - Only the owner may switch it on; then a given observed_at is kept,
--   unless it is earlier than the one before it (the stream's latest, or the
--   batch's previous event): PE102 naming it, the reason giving the latest
--   as RFC 3339 UTC, nothing written; an equal one is accepted
-- - A default observed_at is the clock, or the stream's latest observed_at
--   when that is later (an import dated ahead of the clock): it never goes
--   backwards
-- Runs as a LOGIN member of pgevents_writer; the owner flips the switch.
BEGIN;
\ir helpers.psql
SELECT plan(17);

CREATE ROLE pgevents_test_import_writer LOGIN IN ROLE pgevents_writer;
SET LOCAL ROLE pgevents_test_import_writer;

-- Off by default.
SELECT is((SELECT value FROM pgevents.settings WHERE name = 'allow_observed_at'), 'false'::jsonb, 'allow_observed_at is false by default');
SELECT is(
  pg_temp.error_of($$SELECT * FROM pgevents.append('imports', 'i1', '[{"name": "A", "payload": 1}, {"name": "B", "payload": 2, "observed_at": "2000-01-01T00:00:00Z"}]')$$),
  '{"sqlstate": "PE102", "message": "pgevents: invalid events[1].observed_at: may only be set by imports, and the installation does not allow them (setting allow_observed_at)", "detail": {"field": "events[1].observed_at", "reason": "may only be set by imports, and the installation does not allow them (setting allow_observed_at)"}}'::jsonb,
  'Off: observed_at given: PE102 naming the first event that gives it');
SELECT is(
  pg_temp.error_of($$SELECT * FROM pgevents.append_streams('imports', '{"i1": {"events": [{"name": "A", "payload": 1, "observed_at": "2000-01-01T00:00:00Z"}]}}')$$) -> 'detail' ->> 'field',
  'streams["i1"].events[0].observed_at', 'Off: append_streams too, naming the stream');
SELECT is(pgevents.stream_position('imports', 'i1'), NULL, 'Off: nothing written');
SELECT lives_ok($$SELECT * FROM pgevents.append('imports', 'i0', '[{"name": "A", "payload": 1, "observed_at": null}]')$$,
  'Off: observed_at null is absent: accepted');
SELECT throws_ok($$UPDATE pgevents.settings SET value = 'true' WHERE name = 'allow_observed_at'$$, '42501', NULL,
  'A writer may not switch imports on');

-- On (the owner).
RESET ROLE;
UPDATE pgevents.settings SET value = 'true' WHERE name = 'allow_observed_at';
SET LOCAL ROLE pgevents_test_import_writer;
SELECT results_eq(
  $$SELECT observed_at FROM pgevents.append('imports', 'i1', '[
      {"name": "A", "payload": 1, "observed_at": "2000-01-01T00:00:00Z"},
      {"name": "B", "payload": 2, "observed_at": "2000-01-01T00:00:00Z"},
      {"name": "C", "payload": 3, "observed_at": "2001-01-01T00:00:00+01:00"}]')$$,
  $$VALUES ('2000-01-01 00:00:00+00'::timestamptz), ('2000-01-01 00:00:00+00'), ('2000-12-31 23:00:00+00')$$,
  'On: observed_at given in increasing (or equal) order: kept');
SELECT is(
  pg_temp.error_of($$SELECT * FROM pgevents.append('imports', 'i1', '[{"name": "D", "payload": 4, "observed_at": "2000-06-01T00:00:00Z"}]')$$) -> 'detail',
  '{"field": "events[0].observed_at", "reason": "must not be earlier than the observed_at before it in the stream (2000-12-31T23:00:00.000000Z)"}'::jsonb,
  'On: earlier than the stream''s latest: PE102 naming it and the latest');
SELECT is(
  pg_temp.error_of($$SELECT * FROM pgevents.append('imports', 'i1', '[{"name": "D", "payload": 4, "observed_at": "2002-01-01T00:00:00Z"}, {"name": "E", "payload": 5, "observed_at": "2001-06-01T00:00:00Z"}]')$$) -> 'detail' ->> 'field',
  'events[1].observed_at', 'On: earlier than the previous event of the batch: PE102 naming it');
SELECT is(
  pg_temp.error_of($$SELECT * FROM pgevents.append('imports', 'i2', '[{"name": "A", "payload": 1}, {"name": "B", "payload": 2, "observed_at": "2001-01-01T00:00:00Z"}]')$$) -> 'detail' ->> 'field',
  'events[1].observed_at', 'On: a past import after a default (the clock) in the same batch: PE102');
SELECT is(pgevents.stream_position('imports', 'i1'), 2::bigint, 'On: the refused appends wrote nothing');
SELECT is(pgevents.stream_position('imports', 'i2'), NULL, 'On: nothing written to the new stream either');
SELECT lives_ok($$SELECT * FROM pgevents.append('imports', 'i1', '[{"name": "F", "payload": 6, "observed_at": "2000-12-31T23:00:00Z"}]')$$,
  'On: equal to the latest: accepted');
SELECT ok((SELECT observed_at >= now() - interval '1 minute' FROM pgevents.append('imports', 'i1', '[{"name": "G", "payload": 7}]')),
  'On: a default after a past import is the clock');

-- An import dated ahead of the clock: later defaults do not go back.
SELECT lives_ok($$SELECT * FROM pgevents.append('imports', 'i3', '[{"name": "A", "payload": 1, "observed_at": "2999-01-01T00:00:00Z"}]')$$,
  'On: an import dated ahead of the clock: accepted');
SELECT is((SELECT observed_at FROM pgevents.append('imports', 'i3', '[{"name": "B", "payload": 2}, {"name": "C", "payload": 3, "occurred_at": "2020-01-01T00:00:00Z"}]') LIMIT 1),
  '2999-01-01 00:00:00+00'::timestamptz, 'A default after it is not earlier: it takes the latest observed_at');
SELECT is((SELECT array_agg(observed_at ORDER BY position) = array_agg(observed_at ORDER BY observed_at, position)
             FROM pgevents.read_stream('imports', 'i3')), true, 'observed_at never goes backwards along the stream');

SELECT * FROM finish();
ROLLBACK;
