-- bench/batch/instructions.sql: the workload of bench/batch/instructions.sh.
--
-- bench.instructions(calls, items, mode): calls rounds, each building a
-- batch of items one-event items on random preloaded streams (the event of
-- the preloaded ones, no ids) and then, by mode:
--   build  nothing more (the harness, to subtract);
--   raw    items one-row INSERT transactions into bench.raw_events;
--   batch  pgevents.append_batch of the batch;
--   ids    the same with a fresh id on every event;
--   alt    pgevents_alt.append_batch (-alt DIR) on the odd streams;
--   altids the same with a fresh id on every event;
-- with a COMMIT after each transaction. The seed is fixed, so two runs of a
-- mode make the same calls.
CREATE OR REPLACE PROCEDURE bench.instructions(p_calls int, p_items int, p_mode text) LANGUAGE plpgsql AS $b$
DECLARE
  ev jsonb := (SELECT jsonb_build_array(jsonb_build_object('name', e.name, 'payload', e.payload, 'metadata', e.metadata))
                 FROM pgevents.events e ORDER BY e.sequence_number LIMIT 1);
  items jsonb;
BEGIN
  PERFORM pg_catalog.setseed(0.25);
  FOR i IN 1 .. p_calls LOOP
    items := (SELECT jsonb_agg(jsonb_build_object('category', 'cat-' || (x % 10), 'stream', 's-' || x, 'events', ev))
                FROM (SELECT 2 * (random() * 4999)::int + CASE WHEN p_mode LIKE 'alt%' THEN 1 ELSE 0 END AS x
                        FROM generate_series(1, p_items)) g);
    PERFORM pg_catalog.length(items::text);
    CASE p_mode
      WHEN 'raw' THEN
        FOR j IN 1 .. p_items LOOP
          COMMIT;
          INSERT INTO bench.raw_events (id, category, stream, position, name, payload, metadata, occurred_at, observed_at)
            VALUES (gen_random_uuid(), 'cat-' || (j % 10), 's-' || (2 * (random() * 4999)::int),
                    (extract(epoch FROM clock_timestamp()) * 1e6)::bigint * 100 + j,
                    'OrderConfirmed', ev -> 0 -> 'payload', ev -> 0 -> 'metadata', now(), now());
        END LOOP;
      WHEN 'batch' THEN
        PERFORM count(*) FROM pgevents.append_batch(items);
      WHEN 'ids' THEN
        PERFORM count(*) FROM pgevents.append_batch(
          (SELECT jsonb_agg(jsonb_set(it, '{events,0,id}', to_jsonb(gen_random_uuid()))) FROM jsonb_array_elements(items) it));
      WHEN 'alt' THEN
        PERFORM count(*) FROM pgevents_alt.append_batch(items);
      WHEN 'altids' THEN
        PERFORM count(*) FROM pgevents_alt.append_batch(
          (SELECT jsonb_agg(jsonb_set(it, '{events,0,id}', to_jsonb(gen_random_uuid()))) FROM jsonb_array_elements(items) it));
      ELSE
        NULL;
    END CASE;
    COMMIT;
  END LOOP;
END $b$;
