-- bench/cpu/cpu.sql: backend CPU per append call, without client or network.
--
-- Run by scripts/bench_cpu.sh on a database loaded by pgevents-bench
-- (-load-only, optionally with -alt). Each variant is a procedure that makes
-- :calls calls with a COMMIT after each one (per-transaction costs count,
-- as they do for a client's autocommit call) and reads its own CPU time
-- (utime + stime) from /proc/self/stat, which needs a superuser and Linux.
-- synchronous_commit is off: waiting for the WAL flush is not CPU. Variants
-- run interleaved for :rounds rounds; the table shows the smallest of each.
-- Stream and payload choice mirror pgevents-bench: a random preloaded
-- stream, the same ~230-byte payload and ~150-byte metadata.
SET synchronous_commit = off;
SET client_min_messages = warning;

CREATE OR REPLACE FUNCTION bench.cpu_ticks() RETURNS bigint LANGUAGE sql AS $$
  SELECT f[12]::bigint + f[13]::bigint -- utime, stime (fields 14 and 15 of /proc/self/stat)
    FROM (SELECT pg_catalog.string_to_array(pg_catalog.split_part(pg_catalog.pg_read_file('/proc/self/stat'), ') ', 2), ' ') AS f) s
$$;

DROP TABLE IF EXISTS bench.cpu_batches;
CREATE TABLE bench.cpu_batches AS
  SELECT n, (SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('name', e.name, 'payload', e.payload, 'metadata', e.metadata))
               FROM (SELECT * FROM pgevents.events ORDER BY sequence_number LIMIT n) e) AS events
    FROM (VALUES (1), (8), (10), (16)) AS v(n);

DROP TABLE IF EXISTS bench.cpu_results;
CREATE TABLE bench.cpu_results (variant text, events int, round int, us_per_call numeric);

-- cpu_variant(name, events, statement): a procedure running statement
-- (which may use i, ev and ids) :calls times with a COMMIT after each.
CREATE OR REPLACE FUNCTION bench.cpu_variant(p_name text, p_events int, p_statement text) RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
  EXECUTE pg_catalog.format($p$
    CREATE OR REPLACE PROCEDURE bench.%I(p_calls int, p_round int) LANGUAGE plpgsql AS $b$
    DECLARE
      ev jsonb := (SELECT b.events FROM bench.cpu_batches b WHERE b.n = %s);
      p jsonb := ev -> 0 -> 'payload';
      m jsonb := ev -> 0 -> 'metadata';
      s int;
      c0 bigint := bench.cpu_ticks();
    BEGIN
      FOR i IN 1 .. p_calls LOOP
        s := (pg_catalog.random() * 9999)::int;
        %s;
        COMMIT;
      END LOOP;
      INSERT INTO bench.cpu_results VALUES (%L, %s, p_round, (bench.cpu_ticks() - c0) * 10000.0 / p_calls);
      COMMIT;
    END $b$ $p$, 'cpu_' || p_name, p_events, p_statement, p_name, p_events);
END $f$;

SELECT bench.cpu_variant('raw_insert_1', 1, $$INSERT INTO bench.raw_events (id, category, stream, position, name, payload, metadata, occurred_at, observed_at)
  VALUES (gen_random_uuid(), 'cat-' || (s % 10), 's-' || s, 2000000000 + (random() * 1e15)::bigint, 'OrderConfirmed', p, m, now(), now())$$);
SELECT bench.cpu_variant('append_1', 1, $$PERFORM count(*) FROM pgevents.append('cat-' || (s % 10), 's-' || s, ev)$$);
SELECT bench.cpu_variant('append_1_ids', 1, $$PERFORM count(*) FROM pgevents.append('cat-' || (s % 10), 's-' || s,
  (SELECT jsonb_agg(x || jsonb_build_object('id', gen_random_uuid())) FROM jsonb_array_elements(ev) x))$$);
SELECT bench.cpu_variant('raw_insert_10', 10, $$INSERT INTO bench.raw_events (id, category, stream, position, name, payload, metadata, occurred_at, observed_at)
  SELECT gen_random_uuid(), 'cat-' || (s % 10), 's-' || s, 2000000000 + (random() * 1e15)::bigint + g, 'OrderConfirmed', p, m, now(), now()
    FROM generate_series(1, 10) g$$);
SELECT bench.cpu_variant('append_10', 10, $$PERFORM count(*) FROM pgevents.append('cat-' || (s % 10), 's-' || s, ev)$$);
SELECT bench.cpu_variant('append_10_ids', 10, $$PERFORM count(*) FROM pgevents.append('cat-' || (s % 10), 's-' || s,
  (SELECT jsonb_agg(x || jsonb_build_object('id', gen_random_uuid())) FROM jsonb_array_elements(ev) x))$$);
SELECT bench.cpu_variant('alt_append_1', 1, $$PERFORM count(*) FROM pgevents_alt.append('cat-' || (s % 10), 's-' || s, ev)$$)
 WHERE to_regnamespace('pgevents_alt') IS NOT NULL;
SELECT bench.cpu_variant('alt_append_10', 10, $$PERFORM count(*) FROM pgevents_alt.append('cat-' || (s % 10), 's-' || s, ev)$$)
 WHERE to_regnamespace('pgevents_alt') IS NOT NULL;
SELECT bench.cpu_variant('alt_append_1_ids', 1, $$PERFORM count(*) FROM pgevents_alt.append('cat-' || (s % 10), 's-' || s,
  (SELECT jsonb_agg(x || jsonb_build_object('id', gen_random_uuid())) FROM jsonb_array_elements(ev) x))$$)
 WHERE to_regnamespace('pgevents_alt') IS NOT NULL;
SELECT bench.cpu_variant('alt_append_10_ids', 10, $$PERFORM count(*) FROM pgevents_alt.append('cat-' || (s % 10), 's-' || s,
  (SELECT jsonb_agg(x || jsonb_build_object('id', gen_random_uuid())) FROM jsonb_array_elements(ev) x))$$)
 WHERE to_regnamespace('pgevents_alt') IS NOT NULL;
-- What building a batch with fresh ids costs on its own (subtract it from the _ids rows).
SELECT bench.cpu_variant('build_ids_1', 1, $$PERFORM (SELECT jsonb_agg(x || jsonb_build_object('id', gen_random_uuid())) FROM jsonb_array_elements(ev) x)$$);
SELECT bench.cpu_variant('build_ids_10', 10, $$PERFORM (SELECT jsonb_agg(x || jsonb_build_object('id', gen_random_uuid())) FROM jsonb_array_elements(ev) x)$$);
-- append_batch with N items of one event each, on independent random
-- streams (build_batch_N: building that JSON alone, to subtract).
SELECT bench.cpu_variant('batch_' || n, n, pg_catalog.format($$PERFORM count(*) FROM pgevents.append_batch(
  (SELECT jsonb_agg(jsonb_build_object('category', 'cat-' || (x %% 10), 'stream', 's-' || x, 'events', jsonb_build_array(ev -> 0)))
     FROM (SELECT (random() * 9999)::int AS x FROM generate_series(1, %s)) g))$$, n))
  FROM (VALUES (8), (16)) AS v(n);
SELECT bench.cpu_variant('build_batch_' || n, n, pg_catalog.format($$PERFORM pg_catalog.length(
  (SELECT jsonb_agg(jsonb_build_object('category', 'cat-' || (x %% 10), 'stream', 's-' || x, 'events', jsonb_build_array(ev -> 0)))
     FROM (SELECT (random() * 9999)::int AS x FROM generate_series(1, %s)) g)::text)$$, n))
  FROM (VALUES (8), (16)) AS v(n);
