-- A deliberately minimal append, for measurement only: stream lock, latest
-- position, INSERT ... RETURNING. No validation, conditions, idempotency or
-- ordering check. The ceiling a PL/pgSQL append can reach.
CREATE OR REPLACE FUNCTION pgevents.append(p_category text, p_stream text, p_events jsonb,
  p_condition jsonb DEFAULT NULL, p_scope text DEFAULT 'stream')
  RETURNS SETOF pgevents.events LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pgevents, pg_temp
AS $$
DECLARE _pos bigint;
BEGIN
  PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended(p_category || '/' || p_stream, 0));
  SELECT e.position INTO _pos FROM pgevents.events e
   WHERE e.category = p_category AND e.stream = p_stream ORDER BY e.position DESC LIMIT 1;
  RETURN QUERY INSERT INTO pgevents.events (id, category, stream, position, name, payload, metadata, occurred_at, observed_at)
    SELECT COALESCE((v ->> 'id')::uuid, gen_random_uuid()), p_category, p_stream, COALESCE(_pos, -1) + ord,
           v ->> 'name', v -> 'payload', COALESCE(v -> 'metadata', 'null'), now(), now()
      FROM jsonb_array_elements(p_events) WITH ORDINALITY AS e(v, ord)
    RETURNING *;
END $$;
