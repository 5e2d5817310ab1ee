-- pgevents.fence_lag
--
-- - Always one row: fence = pg_snapshot_xmin(pg_current_snapshot())
-- - Nothing held back: 0 events, since and lag NULL
-- - A second session's open transaction holds back events committed after it
--   started: their count, the oldest one's observed_at, and the lag
-- - Once it ends: nothing held back again
-- Committed data: the two-session scenario (dblink) runs before the test
-- transaction in category "fenceLagTest", records fence_lag() in psql
-- variables, and is deleted at the end.
\ir helpers.psql
SET session_replication_role = replica; -- (superuser) lets the cleanup DELETE past the immutability trigger
DELETE FROM pgevents.events WHERE category LIKE 'fenceLagTest%';
RESET session_replication_role;

SELECT held_back_events AS idle_count, held_back_since IS NULL AS idle_since_null, lag IS NULL AS idle_lag_null FROM pgevents.fence_lag() \gset
SELECT dblink_connect('holder', pg_temp.dsn()) \gset ignored_
SELECT dblink_exec('holder', 'BEGIN') \gset ignored_
SELECT x AS holder_xid FROM dblink('holder', 'SELECT pg_current_xact_id()') AS t(x xid8) \gset
SELECT count(*) FROM pgevents.append('fenceLagTest', 's1', '[{"name": "A", "payload": 1}, {"name": "B", "payload": 2}]') \gset ignored_
SELECT count(*) FROM pgevents.append('fenceLagTest', 's2', '[{"name": "C", "payload": 3}]') \gset ignored_
SELECT pg_sleep(0.05) \gset ignored_
SELECT f.fence AS held_fence, f.held_back_events AS held_count,
       f.held_back_since = (SELECT min(observed_at) FROM pgevents.events WHERE category = 'fenceLagTest') AS held_since_oldest,
       f.lag >= interval '0.05 s' AND f.lag < interval '1 minute' AS held_lag_sane
  FROM pgevents.fence_lag() f \gset
SELECT dblink_exec('holder', 'ROLLBACK') \gset ignored_
SELECT dblink_disconnect('holder') \gset ignored_
SELECT held_back_events AS after_count, held_back_since IS NULL AS after_since_null, lag IS NULL AS after_lag_null FROM pgevents.fence_lag() \gset

BEGIN;
SELECT plan(16);

SELECT has_function('pgevents', 'fence_lag', ARRAY[]::text[], 'fence_lag() exists');
SELECT volatility_is('pgevents', 'fence_lag', ARRAY[]::text[], 'volatile', 'fence_lag is VOLATILE (it reads the clock)');
SELECT is((SELECT count(*) FROM pgevents.fence_lag()), 1::bigint, 'Always one row');
SELECT is((SELECT fence FROM pgevents.fence_lag()), pg_snapshot_xmin(pg_current_snapshot()), 'fence is pg_snapshot_xmin(pg_current_snapshot())');

SELECT is(:idle_count::bigint, 0::bigint, 'No open transaction: no event held back');
SELECT ok(:'idle_since_null'::boolean, 'No open transaction: held_back_since is NULL');
SELECT ok(:'idle_lag_null'::boolean, 'No open transaction: lag is NULL');

SELECT is(:'held_fence'::xid8, :'holder_xid'::xid8, 'A second session''s transaction is open: the fence is its transaction id');
SELECT is(:held_count::bigint, 3::bigint, 'It holds back the three events committed after it started');
SELECT ok(:'held_since_oldest'::boolean, 'held_back_since is the oldest held-back event''s observed_at');
SELECT ok(:'held_lag_sane'::boolean, 'lag is how long ago that was');

SELECT is(:after_count::bigint, 0::bigint, 'Once it ends: nothing held back');
SELECT ok(:'after_since_null'::boolean, 'Once it ends: held_back_since is NULL');
SELECT ok(:'after_lag_null'::boolean, 'Once it ends: lag is NULL');

-- Inside a transaction that started before the held-back event was written.
SELECT n FROM dblink(pg_temp.dsn(), $$SELECT count(*) FROM pgevents.append('fenceLagTestLate', 's1', '[{"name": "Late", "payload": 1}]')$$) AS t(n bigint) \gset ignored_
SELECT is((SELECT held_back_events FROM pgevents.fence_lag()), 1::bigint,
  'This transaction is the oldest: the event committed since by another session is held back');
SELECT ok((SELECT lag FROM pgevents.fence_lag()) >= interval '0', 'lag is never negative, even inside a transaction older than the held-back event');

SELECT * FROM finish();
ROLLBACK;

SET session_replication_role = replica;
DELETE FROM pgevents.events WHERE category LIKE 'fenceLagTest%';
RESET session_replication_role;
