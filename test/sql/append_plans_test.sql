-- Cached plans: appends keep using indexes however the log grew
--
-- - PL/pgSQL caches a generic plan per statement and session after five
--   calls. On a new, never-analysed pgevents.events the planner assumes a
--   tiny table, where a sequential scan looks cheapest; such a plan, kept,
--   would scan the whole log on every later append until the next ANALYZE.
--   After the plans are cached, further appends (with ids, as the Go driver
--   sends them; with a condition; with many events) add no sequential scan
--   of pgevents.events (pg_stat_xact_user_tables counts this transaction's).
BEGIN;
SELECT plan(1);

CREATE FUNCTION pg_temp.appends(p_prefix text, p_n int) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  FOR i IN 1 .. p_n LOOP
    PERFORM pgevents.append('plans', p_prefix || i,
      jsonb_build_array(jsonb_build_object('id', gen_random_uuid(), 'name', 'E', 'payload', i),
                        jsonb_build_object('id', gen_random_uuid(), 'name', 'F', 'payload', i)),
      '{"type": "stream_is_empty"}');
    PERFORM pgevents.append('plans', p_prefix || i, jsonb_build_array(jsonb_build_object('name', 'G', 'payload', i)),
      '{"type": "position_is", "position": 1}');
  END LOOP;
END;
$$;

SELECT pg_temp.appends('warm-', 10); -- every statement gets its cached plan
CREATE TEMP TABLE scans AS
  SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relid = 'pgevents.events'::regclass;
SELECT pg_temp.appends('more-', 50);
SELECT is((SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relid = 'pgevents.events'::regclass)
          - (SELECT seq_scan FROM scans), 0::bigint,
  '100 more appends (ids, conditions) after the plans are cached: no sequential scan of pgevents.events');

SELECT * FROM finish();
ROLLBACK;
