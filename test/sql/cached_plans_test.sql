-- Cached plans: the API keeps using indexes however the tables grew
--
-- - PL/pgSQL caches a generic plan per statement and session after five
--   calls. On new, never-analysed tables the planner assumes them tiny, where
--   a sequential scan looks cheapest; such a plan, kept, would scan the whole
--   log on every later call until the next ANALYZE (the idempotency probe of
--   appends with ids did, before pgevents.any_event_stored).
-- - After a warm-up that caches every plan, 100 more rounds of every call
--   (appends with ids, conditions, scopes; append_streams; append_batch;
--   every read;
--   latest_event; stream_position; projections save/load/locate) add no
--   sequential scan of pgevents.events or pgevents.projections
--   (pg_stat_xact_user_tables counts this transaction's scans).
BEGIN;
SELECT plan(3);

CREATE FUNCTION pg_temp.calls(p_prefix text, p_n int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  _c text;
  _s text;
  _source jsonb;
BEGIN
  FOR i IN 1 .. p_n LOOP
    _c := 'plans' || (i % 7);
    _s := p_prefix || i;
    _source := jsonb_build_object('type', 'stream', 'category', _c, 'stream', _s);
    PERFORM pgevents.append(_c, _s,
      jsonb_build_array(jsonb_build_object('id', gen_random_uuid(), 'name', 'E', 'payload', i),
                        jsonb_build_object('id', gen_random_uuid(), 'name', 'F', 'payload', i)),
      '{"type": "stream_is_empty"}');
    PERFORM pgevents.append(_c, _s, jsonb_build_array(jsonb_build_object('name', 'G', 'payload', i)),
      '{"type": "position_is", "position": 1}', 'category');
    PERFORM pgevents.append_streams(_c, jsonb_build_object(_s || 'a', '{"events": [{"name": "H", "payload": 1}]}'::jsonb,
      _s || 'b', '{"events": [{"name": "H", "payload": 2}]}'::jsonb));
    -- append_batch (generic plans, forced): two items on one stream, a
    -- condition, ids, and a retry of the first append above (the
    -- idempotency comparison), plus an item that fails, and one for the
    -- set-based path.
    PERFORM count(*) FROM pgevents.append_batch(jsonb_build_array(
      jsonb_build_object('category', _c, 'stream', _s || 'c', 'events',
        jsonb_build_array(jsonb_build_object('id', gen_random_uuid(), 'name', 'I', 'payload', i))),
      jsonb_build_object('category', _c, 'stream', _s || 'c', 'events', '[{"name": "J", "payload": 1}]'::jsonb,
        'condition', '{"type": "position_is", "position": 0}'::jsonb),
      jsonb_build_object('category', _c, 'stream', _s, 'events', (SELECT jsonb_agg(jsonb_build_object('id', e.id, 'name', e.name,
        'payload', e.payload) ORDER BY e.position) FROM pgevents.read_stream(_c, _s) e WHERE e.position < 2)),
      jsonb_build_object('category', _c, 'stream', _s, 'events', '[]'::jsonb, 'condition', '{"type": "stream_is_empty"}'::jsonb),
      -- the set-based path: a new stream, an id, a condition met
      jsonb_build_object('category', _c, 'stream', _s || 'd', 'events',
        jsonb_build_array(jsonb_build_object('id', gen_random_uuid(), 'name', 'K', 'payload', i)),
        'condition', '{"type": "stream_is_empty"}'::jsonb)));
    PERFORM count(*) FROM pgevents.read_stream(_c, _s);
    PERFORM count(*) FROM pgevents.read_category(_c, '0', 0, 10);
    PERFORM count(*) FROM pgevents.read_log('0', 0, 10);
    PERFORM count(*) FROM pgevents.read_log_by_sequence(0, 10, _c);
    PERFORM count(*) FROM pgevents.latest_event(_c, _s);
    PERFORM count(*) FROM pgevents.latest_event(_c);
    PERFORM count(*) FROM pgevents.latest_event();
    PERFORM pgevents.stream_position(_c, _s);
    PERFORM pgevents.save_projection('plans', _s, _source, jsonb_build_object('n', i));
    PERFORM pgevents.load_projection('plans', _s);
    PERFORM pgevents.locate_projection('plans', _source);
  END LOOP;
END;
$$;

CREATE FUNCTION pg_temp.seq_scans(p_table regclass) RETURNS bigint LANGUAGE sql AS $$
  SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relid = p_table
$$;

SELECT pg_temp.calls('warm-', 10); -- every statement gets its cached plan
CREATE TEMP TABLE scans AS
  SELECT pg_temp.seq_scans('pgevents.events') AS events, pg_temp.seq_scans('pgevents.projections') AS projections,
         pg_temp.seq_scans('pgevents.streams') AS streams;
SELECT pg_temp.calls('more-', 100);
SELECT is(pg_temp.seq_scans('pgevents.events') - (SELECT events FROM scans), 0::bigint,
  '100 more rounds of every call after the plans are cached: no sequential scan of pgevents.events');
SELECT is(pg_temp.seq_scans('pgevents.projections') - (SELECT projections FROM scans), 0::bigint,
  '... and none of pgevents.projections');
SELECT is(pg_temp.seq_scans('pgevents.streams') - (SELECT streams FROM scans), 0::bigint,
  '... and none of pgevents.streams (the stream locks)');

SELECT * FROM finish();
ROLLBACK;
