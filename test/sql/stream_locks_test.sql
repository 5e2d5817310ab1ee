-- Stream and scope locks: row locks no other role can take (issue 8, items 6
-- and 21)
--
-- - The locks are rows of pgevents.streams and pgevents.scope_locks, which no
--   role but the owner may read, lock or write: for pgevents_writer,
--   pgevents_reader and PUBLIC every table privilege is absent
-- - Attack: LOGIN roles that are members of pgevents_reader, of
--   pgevents_writer, or of nothing, in their own sessions (dblink), take
--   every lock they can: pg_advisory_lock on the keys writers used to take
--   (granted, and now harmless), SELECT ... FOR UPDATE / NO KEY UPDATE /
--   SHARE / KEY SHARE and LOCK TABLE in every mode on the lock tables (42501),
--   the internal lock functions (42501), LOCK TABLE on pgevents.events beyond
--   ACCESS SHARE (42501), and hold what they got. An append of another
--   session to that stream, under every scope, with lock_timeout = 2s, still
--   succeeds. (Before the fix, the advisory lock stalled it: 55P03.)
-- - REPEATABLE READ and SERIALIZABLE (two sessions of a pgevents_writer login,
--   dblink): a transaction whose snapshot predates another's committed append
--   to the same stream fails with 40001, not 23505 (an existing stream, a new
--   one, one whose lock it waited for), names the stream in DETAIL, and
--   writes nothing; READ COMMITTED waits and appends after it.
-- Committed data: roles pgevents_test_lock_* (LOGIN) and the category
-- "streamLocksTest" are created before the test transaction and removed at
-- the end of this file.
\ir helpers.psql
SET session_replication_role = replica; -- (superuser) lets the cleanup DELETE past the immutability trigger
DELETE FROM pgevents.events WHERE category LIKE 'streamLocksTest%';
RESET session_replication_role;
DELETE FROM pgevents.streams WHERE category LIKE 'streamLocksTest%';
DELETE FROM pgevents.scope_locks WHERE category LIKE 'streamLocksTest%';
DROP ROLE IF EXISTS pgevents_test_lock_reader, pgevents_test_lock_writer, pgevents_test_lock_nobody;
CREATE ROLE pgevents_test_lock_reader LOGIN IN ROLE pgevents_reader;
CREATE ROLE pgevents_test_lock_writer LOGIN IN ROLE pgevents_writer;
CREATE ROLE pgevents_test_lock_nobody LOGIN;
-- The victim stream exists (and has its lock row) before the attack.
SELECT count(*) FROM pgevents.append('streamLocksTest', 'victim', '[{"name": "Opened", "payload": 0}]', NULL, 'category') \gset ignored_

BEGIN;
SELECT plan(39);

-- No privilege on the lock tables for anyone but the owner.
SELECT table_privs_are('pgevents', 'streams', 'pgevents_writer', ARRAY[]::text[], 'Writer: no privilege on pgevents.streams');
SELECT table_privs_are('pgevents', 'streams', 'pgevents_reader', ARRAY[]::text[], 'Reader: no privilege on pgevents.streams');
SELECT table_privs_are('pgevents', 'streams', 'public', ARRAY[]::text[], 'PUBLIC: no privilege on pgevents.streams');
SELECT table_privs_are('pgevents', 'scope_locks', 'pgevents_writer', ARRAY[]::text[], 'Writer: no privilege on pgevents.scope_locks');
SELECT table_privs_are('pgevents', 'scope_locks', 'pgevents_reader', ARRAY[]::text[], 'Reader: no privilege on pgevents.scope_locks');
SELECT table_privs_are('pgevents', 'scope_locks', 'public', ARRAY[]::text[], 'PUBLIC: no privilege on pgevents.scope_locks');
SELECT ok(NOT has_function_privilege('pgevents_writer', 'pgevents.lock_stream(text,text,boolean)', 'EXECUTE')
          AND NOT has_function_privilege('pgevents_writer', 'pgevents.lock_scope(text,text)', 'EXECUTE'),
  'Writer may not call the internal lock functions');
SELECT ok(to_regprocedure('pgevents.lock_key(text,text,text)') IS NULL, 'pgevents.lock_key (advisory lock keys) is gone');

-- The attackers' sessions.
SELECT dblink_connect('reader', pg_temp.dsn_as('pgevents_test_lock_reader')) \gset ignored_
SELECT dblink_connect('writer', pg_temp.dsn_as('pgevents_test_lock_writer')) \gset ignored_
SELECT dblink_connect('nobody', pg_temp.dsn_as('pgevents_test_lock_nobody')) \gset ignored_
SELECT is((SELECT u FROM dblink('reader', 'SELECT current_user::text') AS t(u text)), 'pgevents_test_lock_reader',
  'The reader attacker is its own login session');

-- The advisory lock keys of the old write path (stream, category, log):
-- anyone may take them, and they are held for the rest of this file.
CREATE TEMP TABLE old_keys AS SELECT k FROM (VALUES
  (hashtextextended('pgevents:stream:15:streamLocksTest:victim', 0)),
  (hashtextextended('pgevents:category:15:streamLocksTest', 0)),
  (hashtextextended('pgevents:log', 0))) AS v(k);
SELECT is(
  (SELECT count(*) FROM old_keys o, LATERAL dblink('nobody', format('SELECT pg_advisory_lock(%s)', o.k)) AS t(x text)),
  3::bigint, 'A role without grants takes the old stream, category and log advisory locks (harmless now)');
SELECT is(
  (SELECT string_agg(t.got, ',') FROM old_keys o, LATERAL dblink('reader', format('SELECT pg_try_advisory_lock_shared(%s)::text', o.k)) AS t(got text)),
  'false,false,false', 'They are held: the reader cannot take them, even shared');

-- Row locks on the lock tables: refused for every role and mode.
CREATE TEMP TABLE attempts AS
  SELECT r.role, q.sql
    FROM (VALUES ('reader'), ('writer'), ('nobody')) AS r(role),
         (VALUES ('SELECT 1 FROM pgevents.streams FOR UPDATE'),
                 ('SELECT 1 FROM pgevents.streams WHERE category = ''streamLocksTest'' FOR NO KEY UPDATE'),
                 ('SELECT 1 FROM pgevents.streams FOR SHARE'),
                 ('SELECT 1 FROM pgevents.streams FOR KEY SHARE'),
                 ('SELECT 1 FROM pgevents.scope_locks FOR UPDATE'),
                 ('SELECT 1 FROM pgevents.scope_locks FOR KEY SHARE'),
                 ('SELECT pgevents.lock_stream(''streamLocksTest'', ''victim'', true)::text'),
                 ('SELECT pgevents.lock_scope(''log'', NULL)::text')) AS q(sql);
SELECT is(
  (SELECT string_agg(DISTINCT pg_temp.error_of(format('SELECT * FROM dblink(%L, %L) AS t(x text)', a.role, a.sql)) ->> 'sqlstate', ',')
     FROM attempts a),
  '42501', 'SELECT ... FOR UPDATE/NO KEY UPDATE/SHARE/KEY SHARE on the lock tables and the lock functions: 42501 for reader, writer and a role without grants');

-- LOCK TABLE in every mode: refused (each in its own remote transaction).
CREATE TEMP TABLE lock_modes AS SELECT m FROM unnest(ARRAY['ACCESS SHARE', 'ROW SHARE', 'ROW EXCLUSIVE',
  'SHARE UPDATE EXCLUSIVE', 'SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE']) AS m;
CREATE FUNCTION pg_temp.lock_table_as(p_role text, p_table text, p_mode text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE _state text;
BEGIN
  _state := pg_temp.error_of(format('SELECT dblink_exec(%L, %L)', p_role,
    format('BEGIN; LOCK TABLE %s IN %s MODE', p_table, p_mode))) ->> 'sqlstate';
  PERFORM dblink_exec(p_role, 'ROLLBACK');
  RETURN COALESCE(_state, 'granted');
END $$;
SELECT is(
  (SELECT string_agg(DISTINCT pg_temp.lock_table_as(r.role, t.tbl, m.m), ',')
     FROM (VALUES ('reader'), ('writer'), ('nobody')) AS r(role),
          (VALUES ('pgevents.streams'), ('pgevents.scope_locks')) AS t(tbl), lock_modes m),
  '42501', 'LOCK TABLE pgevents.streams / scope_locks in every mode: 42501 for every role');
SELECT is(
  (SELECT string_agg(DISTINCT pg_temp.lock_table_as('reader', 'pgevents.events', m.m), ',') FROM lock_modes m WHERE m.m <> 'ACCESS SHARE'),
  '42501', 'LOCK TABLE pgevents.events beyond ACCESS SHARE: 42501 for the reader (it may only SELECT)');
SELECT is(
  (SELECT string_agg(DISTINCT pg_temp.lock_table_as('writer', 'pgevents.events', m.m), ',') FROM lock_modes m),
  '42501', 'LOCK TABLE pgevents.events in any mode: 42501 for the writer');

-- The reader keeps what it may take: an open transaction holding ACCESS
-- SHARE on pgevents.events (which no append needs to wait for).
SELECT dblink_exec('reader', 'BEGIN') \gset ignored_
SELECT dblink_exec('reader', 'LOCK TABLE pgevents.events IN ACCESS SHARE MODE') \gset ignored_
SELECT is((SELECT n FROM dblink('reader', 'SELECT count(*) FROM pgevents.events') AS t(n bigint)) > 0, true,
  'The reader holds ACCESS SHARE on pgevents.events in an open transaction');

-- The victim: appends of this session, as pgevents_writer, under every
-- scope, while the attackers hold everything they could get.
SET LOCAL ROLE pgevents_writer;
SET LOCAL lock_timeout = '2s';
SELECT is(
  pg_temp.error_of($$SELECT * FROM pgevents.append('streamLocksTest', 'victim', '[{"name": "Deposited", "payload": 1}]', '{"type": "position_is", "position": 0}')$$),
  NULL, 'Scope stream: the append to the attacked stream succeeds (no wait on any lock an attacker holds)');
SELECT is(
  pg_temp.error_of($$SELECT * FROM pgevents.append('streamLocksTest', 'victim', '[{"name": "Deposited", "payload": 2}]', NULL, 'category')$$),
  NULL, 'Scope category: succeeds');
SELECT is(
  pg_temp.error_of($$SELECT * FROM pgevents.append('streamLocksTest', 'victim', '[{"name": "Deposited", "payload": 3}]', NULL, 'log')$$),
  NULL, 'Scope log: succeeds');
SELECT is(
  pg_temp.error_of($$SELECT * FROM pgevents.append_streams('streamLocksTest', '{"victim": {"events": [{"name": "Deposited", "payload": 4}]}, "new": {"events": [{"name": "Opened", "payload": 0}]}}', 'log')$$),
  NULL, 'append_streams with scope log, to the attacked stream and a new one: succeeds');
SELECT is(pgevents.stream_position('streamLocksTest', 'victim'), 4::bigint, 'Every append was written, in order');
SELECT ok(pg_temp.holds_scope_lock('stream', 'streamLocksTest', 'victim') AND pg_temp.holds_scope_lock('stream', 'streamLocksTest', 'new')
          AND pg_temp.holds_scope_lock('category', 'streamLocksTest', NULL) AND pg_temp.holds_scope_lock('log', NULL, NULL),
  'This transaction holds the stream, category and log row locks until it ends');
RESET ROLE;

-- While this transaction holds those locks, the attackers still cannot take
-- them: a writer's own append would wait (it is a writer), but direct locks
-- are refused before any wait.
SELECT is(
  pg_temp.error_of($$SELECT * FROM dblink('reader', 'SELECT 1 FROM pgevents.streams FOR UPDATE NOWAIT') AS t(x int)$$) ->> 'sqlstate',
  '42501', 'Refused before it could even try (42501, not 55P03)');
SELECT dblink_exec('reader', 'ROLLBACK') \gset ignored_
SELECT dblink_disconnect('reader') \gset ignored_
SELECT dblink_disconnect('writer') \gset ignored_
SELECT dblink_disconnect('nobody') \gset ignored_

-- REPEATABLE READ and SERIALIZABLE: two sessions of a writer login.
SELECT dblink_connect('a', pg_temp.dsn_as('pgevents_test_lock_writer')) \gset ignored_
SELECT dblink_connect('b', pg_temp.dsn_as('pgevents_test_lock_writer')) \gset ignored_

-- A's snapshot predates B's committed append to an existing stream.
SELECT n FROM dblink('b', $$SELECT count(*) FROM pgevents.append('streamLocksTestRR', 'existing', '[{"name": "E0", "payload": 0}]')$$) AS t(n bigint) \gset ignored_
SELECT dblink_exec('a', 'BEGIN ISOLATION LEVEL REPEATABLE READ') \gset ignored_
SELECT is((SELECT p FROM dblink('a', $$SELECT pgevents.stream_position('streamLocksTestRR', 'existing')$$) AS t(p bigint)), 0::bigint,
  'RR: A takes its snapshot (position 0)');
SELECT n FROM dblink('b', $$SELECT count(*) FROM pgevents.append('streamLocksTestRR', 'existing', '[{"name": "E1", "payload": 1}]')$$) AS t(n bigint) \gset ignored_
CREATE TEMP TABLE rr_error AS SELECT pg_temp.error_of($$SELECT * FROM dblink('a',
  $q$SELECT count(*) FROM pgevents.append('streamLocksTestRR', 'existing', '[{"name": "A1", "payload": 1}]')$q$) AS t(n bigint)$$) AS e;
SELECT is((SELECT e ->> 'sqlstate' FROM rr_error), '40001', 'RR, existing stream: a concurrent committed append makes A''s append fail with 40001 (was 23505)');
SELECT is((SELECT e -> 'detail' FROM rr_error), '{"category": "streamLocksTestRR", "stream": "existing"}'::jsonb,
  'RR 40001: DETAIL names the category and stream');
SELECT dblink_exec('a', 'ROLLBACK') \gset ignored_
SELECT is(pgevents.stream_position('streamLocksTestRR', 'existing'), 1::bigint, 'RR 40001: A wrote nothing');

-- The same, retried as a whole (new snapshot): succeeds.
SELECT dblink_exec('a', 'BEGIN ISOLATION LEVEL REPEATABLE READ') \gset ignored_
SELECT is((SELECT n FROM dblink('a', $$SELECT position FROM pgevents.append('streamLocksTestRR', 'existing', '[{"name": "A1", "payload": 1}]')$$) AS t(n bigint)),
  2::bigint, 'RR: the retried transaction appends at the next position');
SELECT dblink_exec('a', 'COMMIT') \gset ignored_

-- A new stream, created by B after A's snapshot.
SELECT dblink_exec('a', 'BEGIN ISOLATION LEVEL REPEATABLE READ') \gset ignored_
SELECT is((SELECT p FROM dblink('a', $$SELECT pgevents.stream_position('streamLocksTestRR', 'fresh')$$) AS t(p bigint)), NULL::bigint,
  'RR: A takes its snapshot (the stream is new)');
SELECT n FROM dblink('b', $$SELECT count(*) FROM pgevents.append('streamLocksTestRR', 'fresh', '[{"name": "B0", "payload": 0}]')$$) AS t(n bigint) \gset ignored_
SELECT is(pg_temp.error_of($$SELECT * FROM dblink('a',
  $q$SELECT count(*) FROM pgevents.append('streamLocksTestRR', 'fresh', '[{"name": "A0", "payload": 0}]')$q$) AS t(n bigint)$$) ->> 'sqlstate',
  '40001', 'RR, a stream created concurrently: 40001 (was 23505)');
SELECT dblink_exec('a', 'ROLLBACK') \gset ignored_
SELECT is(pgevents.stream_position('streamLocksTestRR', 'fresh'), 0::bigint, 'RR 40001 on a new stream: A wrote nothing');

-- A multi-stream append in REPEATABLE READ.
SELECT dblink_exec('a', 'BEGIN ISOLATION LEVEL REPEATABLE READ') \gset ignored_
SELECT x FROM dblink('a', 'SELECT 1') AS t(x int) \gset ignored_
SELECT n FROM dblink('b', $$SELECT count(*) FROM pgevents.append('streamLocksTestRR', 'existing', '[{"name": "E3", "payload": 3}]')$$) AS t(n bigint) \gset ignored_
SELECT is(pg_temp.error_of($$SELECT * FROM dblink('a',
  $q$SELECT count(*) FROM pgevents.append_streams('streamLocksTestRR', '{"existing": {"events": [{"name": "A", "payload": 0}]}, "other": {"events": [{"name": "A", "payload": 0}]}}')$q$) AS t(n bigint)$$) ->> 'sqlstate',
  '40001', 'RR, append_streams: 40001 (was 23505)');
SELECT dblink_exec('a', 'ROLLBACK') \gset ignored_
SELECT is(pgevents.stream_position('streamLocksTestRR', 'other'), NULL::bigint, 'RR 40001 in append_streams: no stream written');

-- SERIALIZABLE.
SELECT dblink_exec('a', 'BEGIN ISOLATION LEVEL SERIALIZABLE') \gset ignored_
SELECT x FROM dblink('a', 'SELECT 1') AS t(x int) \gset ignored_
SELECT n FROM dblink('b', $$SELECT count(*) FROM pgevents.append('streamLocksTestRR', 'existing', '[{"name": "E4", "payload": 4}]')$$) AS t(n bigint) \gset ignored_
SELECT is(pg_temp.error_of($$SELECT * FROM dblink('a',
  $q$SELECT count(*) FROM pgevents.append('streamLocksTestRR', 'existing', '[{"name": "A", "payload": 0}]')$q$) AS t(n bigint)$$) ->> 'sqlstate',
  '40001', 'SERIALIZABLE, existing stream: 40001');
SELECT dblink_exec('a', 'ROLLBACK') \gset ignored_

-- A waits for B's lock: B appends and keeps its transaction open; A (whose
-- snapshot is older) sends its append, which waits; B commits; A fails.
SELECT dblink_exec('a', 'BEGIN ISOLATION LEVEL REPEATABLE READ') \gset ignored_
SELECT x FROM dblink('a', 'SELECT 1') AS t(x int) \gset ignored_
SELECT dblink_exec('b', 'BEGIN') \gset ignored_
SELECT n FROM dblink('b', $$SELECT count(*) FROM pgevents.append('streamLocksTestRR', 'existing', '[{"name": "E5", "payload": 5}]')$$) AS t(n bigint) \gset ignored_
SELECT is(dblink_send_query('a', $$SELECT count(*) FROM pgevents.append('streamLocksTestRR', 'existing', '[{"name": "A", "payload": 0}]')$$), 1,
  'RR: A sends its append while B holds the stream lock');
SELECT dblink_exec('b', 'COMMIT') \gset ignored_
SELECT is(pg_temp.error_of($$SELECT * FROM dblink_get_result('a') AS t(n bigint)$$) ->> 'sqlstate', '40001',
  'RR: after waiting for the lock of an append that committed after its snapshot, A fails with 40001');
SELECT count(*) FROM dblink_get_result('a') AS t(n bigint) \gset ignored_
SELECT dblink_exec('a', 'ROLLBACK') \gset ignored_

-- READ COMMITTED: A waits, then appends after B.
SELECT dblink_exec('a', 'BEGIN') \gset ignored_
SELECT dblink_exec('b', 'BEGIN') \gset ignored_
SELECT n FROM dblink('b', $$SELECT count(*) FROM pgevents.append('streamLocksTestRR', 'existing', '[{"name": "E6", "payload": 6}]')$$) AS t(n bigint) \gset ignored_
SELECT is(dblink_send_query('a', $$SELECT position FROM pgevents.append('streamLocksTestRR', 'existing', '[{"name": "A", "payload": 0}]')$$), 1,
  'RC: A sends its append while B holds the stream lock');
SELECT dblink_exec('b', 'COMMIT') \gset ignored_
SELECT is((SELECT n FROM dblink_get_result('a') AS t(n bigint)), 7::bigint, 'RC: A appends right after B''s event');
SELECT count(*) FROM dblink_get_result('a') AS t(n bigint) \gset ignored_
SELECT dblink_exec('a', 'COMMIT') \gset ignored_
SELECT is((SELECT array_agg(position ORDER BY position) FROM pgevents.read_stream('streamLocksTestRR', 'existing')),
  ARRAY[0, 1, 2, 3, 4, 5, 6, 7]::bigint[], 'The stream stays gapless');
SELECT dblink_disconnect('a') \gset ignored_
SELECT dblink_disconnect('b') \gset ignored_

SELECT * FROM finish();
ROLLBACK;

SET session_replication_role = replica;
DELETE FROM pgevents.events WHERE category LIKE 'streamLocksTest%';
RESET session_replication_role;
DELETE FROM pgevents.streams WHERE category LIKE 'streamLocksTest%';
DELETE FROM pgevents.scope_locks WHERE category LIKE 'streamLocksTest%';
DROP ROLE pgevents_test_lock_reader, pgevents_test_lock_writer, pgevents_test_lock_nobody;
