-- pgevents.browse_tail
--
-- - The latest events of the log or of a category below the fence, newest
--   first, at most p_limit
-- - Fenced: an event committed after a second session's still-open
--   transaction began is held back until that transaction ends
-- - Resuming read_log / read_category after the first row's cursor returns
--   what is committed later, nothing skipped
-- - Callable by pgevents_reader and pgevents_writer
-- - Bad arguments: invalid category (PE101), p_limit outside 1..1000 (PE106)
-- Committed data: set up before the test transaction (dblink for the second
-- session) in categories "browseTail*", deleted at the start and the end.
\ir helpers.psql
SET session_replication_role = replica; -- (superuser) lets the cleanup DELETE past the immutability trigger
DELETE FROM pgevents.events WHERE category LIKE 'browseTail%';
RESET session_replication_role;

SELECT count(*) FROM pgevents.append('browseTailA', 's1', '[{"name": "A0", "payload": 0}, {"name": "A1", "payload": 1}]') \gset ignored_
SELECT count(*) FROM pgevents.append('browseTailB', 's1', '[{"name": "B0", "payload": 0}]') \gset ignored_
SELECT count(*) FROM pgevents.append('browseTailA', 's2', '[{"name": "A2", "payload": 2}]') \gset ignored_
SELECT string_agg(name, ',' ORDER BY ordinality) AS log_tail FROM pgevents.browse_tail(NULL, 3) WITH ORDINALITY \gset
SELECT string_agg(name, ',' ORDER BY ordinality) AS cat_tail FROM pgevents.browse_tail('browseTailA', 2) WITH ORDINALITY \gset
SELECT transaction_id AS tail_xid, sequence_number AS tail_seq FROM pgevents.browse_tail('browseTailA', 1) \gset

-- A second session holds the fence; an event committed meanwhile is held back.
SELECT dblink_connect('holder', pg_temp.dsn()) \gset ignored_
SELECT dblink_exec('holder', 'BEGIN') \gset ignored_
SELECT x FROM dblink('holder', 'SELECT pg_current_xact_id()') AS t(x xid8) \gset ignored_
SELECT count(*) FROM pgevents.append('browseTailA', 's3', '[{"name": "A3", "payload": 3}]') \gset ignored_
SELECT string_agg(name, ',' ORDER BY ordinality) AS held_tail FROM pgevents.browse_tail('browseTailA', 1) WITH ORDINALITY \gset
SELECT dblink_exec('holder', 'ROLLBACK') \gset ignored_
SELECT dblink_disconnect('holder') \gset ignored_
SELECT string_agg(name, ',' ORDER BY ordinality) AS released_tail FROM pgevents.browse_tail('browseTailA', 1) WITH ORDINALITY \gset
SELECT string_agg(name, ',' ORDER BY ordinality) AS resumed FROM pgevents.read_category('browseTailA', :'tail_xid'::xid8, :tail_seq) WITH ORDINALITY \gset

BEGIN;
SELECT plan(10);

SELECT is(:'log_tail'::text, 'A2,B0,A1', 'The log: the latest events below the fence, newest first, at most p_limit');
SELECT is(:'cat_tail'::text, 'A2,A1', 'A category: its latest events, newest first');
SELECT is(:'held_tail'::text, 'A2', 'Fenced: an event committed while an older transaction is open is held back');
SELECT is(:'released_tail'::text, 'A3', 'Once that transaction ends, it is the newest');
SELECT is(:'resumed'::text, 'A3', 'Resuming read_category after the first row''s cursor: what came later, nothing skipped');

SET LOCAL ROLE pgevents_reader;
SELECT is((SELECT count(*) FROM pgevents.browse_tail('browseTailB', 10)), 1::bigint, 'Reader may call it');
SELECT throws_ok($$SELECT * FROM pgevents.browse_tail('', 10)$$, 'PE101', NULL, 'Empty category: PE101');
SELECT throws_ok($$SELECT * FROM pgevents.browse_tail(NULL, 0)$$, 'PE106', NULL, 'p_limit 0: PE106');
SELECT throws_ok($$SELECT * FROM pgevents.browse_tail(NULL, 1001)$$, 'PE106', NULL, 'p_limit 1001: PE106');
SET LOCAL ROLE pgevents_writer;
SELECT is((SELECT count(*) FROM pgevents.browse_tail('browseTailA', 10)), 4::bigint, 'Writer may call it too');

SELECT * FROM finish();
ROLLBACK;

SET session_replication_role = replica;
DELETE FROM pgevents.events WHERE category LIKE 'browseTail%';
RESET session_replication_role;
