-- pgevents.read_log_by_sequence (the legacy sequence_number_after(n) read)
--
-- - Visible events after a sequence number, in sequence order; limit; an
--   optional category filter
-- - Not fenced: this transaction's own events are returned
-- - Invalid category: PE101; limit below -1: PE106
-- - Documented limit: safe for resuming only under the log scope
--   * stream scope: a transaction holding a lower sequence number commits
--     after a reader passed it, and the resuming reader skips that event
--   * log scope: the second writer waits for the first; nothing is skipped
-- Committed data: the two-session scenarios (dblink) run before the test
-- transaction in categories "readLogBySequenceTest*", record what a reader
-- saw in psql variables, and are deleted at the end.
\ir helpers.psql
SET session_replication_role = replica; -- (superuser) lets the cleanup DELETE past the immutability trigger
DELETE FROM pgevents.events WHERE category LIKE 'readLogBySequenceTest%';
RESET session_replication_role;

-- Stream scope: the holder appends E1 and stays open; the writer commits E2.
SELECT COALESCE(max(sequence_number), 0) AS start_seq FROM pgevents.events \gset
SELECT dblink_connect('holder', pg_temp.dsn()) \gset ignored_
SELECT dblink_exec('holder', 'BEGIN') \gset ignored_
SELECT n FROM dblink('holder', $$SELECT count(*) FROM pgevents.append('readLogBySequenceTestStream', 'holder', '[{"name": "E1", "payload": 1}]')$$) AS t(n bigint) \gset ignored_
SELECT count(*) FROM pgevents.append('readLogBySequenceTestStream', 'writer', '[{"name": "E2", "payload": 2}]') \gset ignored_
SELECT string_agg(r.name, ',' ORDER BY r.ordinality) AS first_read, max(r.sequence_number) AS reader_seq
  FROM pgevents.read_log_by_sequence(:start_seq, -1, 'readLogBySequenceTestStream') WITH ORDINALITY AS r \gset
SELECT dblink_exec('holder', 'COMMIT') \gset ignored_
SELECT coalesce(string_agg(r.name, ',' ORDER BY r.ordinality), '') AS resumed_read
  FROM pgevents.read_log_by_sequence(:reader_seq, -1, 'readLogBySequenceTestStream') WITH ORDINALITY AS r \gset

-- Log scope: the holder appends F1 under the log lock and stays open; the
-- writer's log-scoped append of F2 must wait for it.
SELECT COALESCE(max(sequence_number), 0) AS start_seq FROM pgevents.events \gset
SELECT dblink_exec('holder', 'BEGIN') \gset ignored_
SELECT n FROM dblink('holder', $$SELECT count(*) FROM pgevents.append('readLogBySequenceTestLog', 'holder', '[{"name": "F1", "payload": 1}]', NULL, 'log')$$) AS t(n bigint) \gset ignored_
SELECT dblink_connect('writer', pg_temp.dsn()) \gset ignored_
SELECT pid AS writer_pid FROM dblink('writer', 'SELECT pg_backend_pid()') AS t(pid int) \gset
SELECT dblink_send_query('writer', $$SELECT count(*) FROM pgevents.append('readLogBySequenceTestLog', 'writer', '[{"name": "F2", "payload": 2}]', NULL, 'log')$$) \gset ignored_
SELECT set_config('pgevents_test.writer_pid', :'writer_pid', false) \gset ignored_
DO $$
BEGIN -- wait (at most 10 s) until the writer is blocked on a lock
  FOR i IN 1..1000 LOOP
    PERFORM pg_stat_clear_snapshot();
    EXIT WHEN EXISTS (SELECT 1 FROM pg_stat_activity
                       WHERE pid = current_setting('pgevents_test.writer_pid')::int AND wait_event_type = 'Lock');
    PERFORM pg_sleep(0.01);
  END LOOP;
END $$;
SELECT (SELECT wait_event_type FROM pg_stat_activity WHERE pid = :writer_pid) AS writer_wait \gset
SELECT coalesce(string_agg(r.name, ',' ORDER BY r.ordinality), '') AS log_first_read, COALESCE(max(r.sequence_number), :start_seq) AS log_reader_seq
  FROM pgevents.read_log_by_sequence(:start_seq, -1, 'readLogBySequenceTestLog') WITH ORDINALITY AS r \gset
SELECT dblink_exec('holder', 'COMMIT') \gset ignored_
SELECT n AS writer_count FROM dblink_get_result('writer') AS t(n bigint) \gset
SELECT coalesce(string_agg(r.name, ',' ORDER BY r.ordinality), '') AS log_resumed_read
  FROM pgevents.read_log_by_sequence(:log_reader_seq, -1, 'readLogBySequenceTestLog') WITH ORDINALITY AS r \gset
SELECT dblink_disconnect('writer') \gset ignored_
SELECT dblink_disconnect('holder') \gset ignored_

BEGIN;
SELECT plan(19);

SELECT has_function('pgevents', 'read_log_by_sequence', ARRAY['bigint', 'integer', 'text'], 'read_log_by_sequence(after_sequence_number, limit, category) exists');
SELECT function_returns('pgevents', 'read_log_by_sequence', ARRAY['bigint', 'integer', 'text'], 'setof pgevents.events', 'read_log_by_sequence returns setof pgevents.events');
SELECT volatility_is('pgevents', 'read_log_by_sequence', ARRAY['bigint', 'integer', 'text'], 'stable', 'read_log_by_sequence is STABLE');

SELECT COALESCE(max(sequence_number), 0) AS start_seq FROM pgevents.events \gset
SELECT count(*) FROM pgevents.append('bySequenceA', 's1', '[{"name": "A0", "payload": 0}, {"name": "A1", "payload": 1}]') \gset ignored_
SELECT count(*) FROM pgevents.append('bySequenceB', 's1', '[{"name": "B0", "payload": 0}]') \gset ignored_
SELECT count(*) FROM pgevents.append('bySequenceA', 's2', '[{"name": "C0", "payload": 0}]') \gset ignored_

SELECT results_eq(
  format('SELECT name FROM pgevents.read_log_by_sequence(%s)', :start_seq),
  $$VALUES ('A0'), ('A1'), ('B0'), ('C0')$$,
  'Events after a sequence number, in sequence order; not fenced: this transaction''s own events are returned');
SELECT results_eq(
  format('SELECT sequence_number FROM pgevents.read_log_by_sequence(%s)', :start_seq),
  $$SELECT sequence_number FROM pgevents.events WHERE category LIKE 'bySequence%' ORDER BY sequence_number$$,
  'Order is sequence_number');
SELECT results_eq(
  format('SELECT name FROM pgevents.read_log_by_sequence(%s, 2)', :start_seq),
  $$VALUES ('A0'), ('A1')$$,
  'Limit 2: the first two');
SELECT results_eq(
  format($$SELECT name FROM pgevents.read_log_by_sequence(%s, -1, 'bySequenceA')$$, :start_seq),
  $$VALUES ('A0'), ('A1'), ('C0')$$,
  'Category filter: only that category');
SELECT results_eq(
  $$SELECT name FROM pgevents.read_log_by_sequence((SELECT sequence_number FROM pgevents.read_stream('bySequenceA', 's1', 1)), -1)$$,
  $$VALUES ('B0'), ('C0')$$,
  'After the sequence number of A1: the events after it');
SELECT is_empty($$SELECT * FROM pgevents.read_log_by_sequence(0, 0)$$, 'Limit 0: no rows');
SELECT is((SELECT count(*) FROM pgevents.read_log_by_sequence(NULL, NULL)), (SELECT count(*) FROM pgevents.events), 'NULL after and limit: all');
SELECT is((SELECT count(*) FROM pgevents.read_log_by_sequence()), LEAST(1000, (SELECT count(*) FROM pgevents.events)), 'Defaults: from the start, at most 1000');

SELECT throws_ok($$SELECT * FROM pgevents.read_log_by_sequence(0, 10, '')$$, 'PE101', NULL, 'Category empty: PE101');
SELECT throws_ok($$SELECT * FROM pgevents.read_log_by_sequence(0, -2)$$, 'PE106', NULL, 'Limit -2: PE106');

-- The documented limit (recorded above).
SELECT is(:'first_read'::text, 'E2', 'Stream scope: while E1''s transaction is open, a sequence reader sees E2 only');
SELECT is(:'resumed_read'::text, '', 'Stream scope: after E1 commits, resuming after E2''s sequence number skips E1 (why read_log exists)');
SELECT is(:'writer_wait'::text, 'Lock', 'Log scope: the second writer waits for the first writer''s log lock');
SELECT is(:'log_first_read'::text, '', 'Log scope: meanwhile a sequence reader sees nothing');
SELECT is(:'writer_count'::int, 1, 'Log scope: the second writer appends once the first commits');
SELECT is(:'log_resumed_read'::text, 'F1,F2', 'Log scope: resuming returns F1 then F2: nothing skipped');

SELECT * FROM finish();
ROLLBACK;

SET session_replication_role = replica;
DELETE FROM pgevents.events WHERE category LIKE 'readLogBySequenceTest%';
RESET session_replication_role;
