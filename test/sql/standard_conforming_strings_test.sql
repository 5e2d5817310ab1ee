-- Appends under standard_conforming_strings = off (issue 8, item 12)
--
-- - A session may set standard_conforming_strings = off; function bodies are
--   parsed under the session's setting, so a backslash in a pattern literal
--   (\d) would lose its meaning and every valid timestamp would be PE102.
--   The patterns use [0-9]: timestamps and ids are accepted, and invalid ones
--   are still refused.
-- - No function body of the write path holds a backslash in a literal
--   outside an E'' string (which does not depend on the setting).
-- Set before anything compiles the functions in this session.
SET standard_conforming_strings = off;
SET escape_string_warning = off;
BEGIN;
\ir helpers.psql
SELECT plan(7);

CREATE ROLE pgevents_test_scs_writer LOGIN IN ROLE pgevents_writer;
SET LOCAL ROLE pgevents_test_scs_writer;
SELECT is(current_setting('standard_conforming_strings'), 'off', 'standard_conforming_strings is off');
SELECT results_eq(
  $$SELECT occurred_at, id FROM pgevents.append('scs', 's1', '[{"name": "A", "payload": 1, "id": "0190a6e0-0000-7000-8000-0000000000aa", "occurred_at": "2020-01-02T03:04:05.123456+02:00"}]')$$,
  $$VALUES ('2020-01-02 01:04:05.123456+00'::timestamptz, '0190a6e0-0000-7000-8000-0000000000aa'::uuid)$$,
  'A valid occurred_at and id: accepted and stored');
SELECT lives_ok($$SELECT * FROM pgevents.append_streams('scs', '{"s2": {"events": [{"name": "A", "payload": 1, "occurred_at": "2020-01-02 03:04:05Z"}]}}')$$,
  'append_streams with occurred_at: accepted');
SELECT throws_ok($$SELECT * FROM pgevents.append('scs', 's1', '[{"name": "A", "payload": 1, "occurred_at": "2020-01-02T03:04:05"}]')$$,
  'PE102', NULL, 'A timestamp without an offset: still PE102');
SELECT throws_ok($$SELECT * FROM pgevents.append('scs', 's1', '[{"name": "A", "payload": 1, "occurred_at": "dddd-dd-ddTdd:dd:ddZ"}]')$$,
  'PE102', NULL, 'Letters d where digits belong (what \d would match with the setting off): PE102');
SELECT throws_ok($$SELECT * FROM pgevents.append('scs', 's1', '[{"name": "A", "payload": 1, "id": "not-a-uuid"}]')$$,
  'PE102', NULL, 'An invalid id: still PE102');
RESET ROLE;
SELECT is_empty($$
  SELECT p.proname FROM pg_proc p
   WHERE p.pronamespace = 'pgevents'::regnamespace
     AND p.proname IN ('write_stream', 'append', 'append_streams', 'is_valid_event', 'check_events', 'parse_timestamp',
                       'check_name', 'check_write_limits', 'lock_stream', 'lock_scope', 'raise_limit', 'any_event_stored')
     AND regexp_replace(p.prosrc, E'E''([^'']|'''')*''', '', 'g') ~ E'''[^'']*\\\\'$$,
  'No literal with a backslash in the write path''s function bodies (E'''' strings aside)');

SELECT * FROM finish();
ROLLBACK;
