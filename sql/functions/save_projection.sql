-- pgevents.save_projection: upserts a projection by (name, id).
--
-- Parameters:
--   p_name      the projector's name (1..255 characters, no control characters;
--               4-byte characters included: the primary key holds two such
--               names, and the (name, source) index a hash of the source)
--   p_id        the projection's id within the name (same rule)
--   p_source    what was projected, an identifier JSON (SPEC §1); kept from
--               the first save: later saves do not change it
--   p_state     the state, any JSON (SQL NULL is stored as JSON null) of at
--               most pgevents.settings 'projection_max_json_bytes' bytes as
--               jsonb text (default 1048576) and nested at most
--               'projection_max_json_depth' levels (default 256)
--   p_metadata  the metadata, any JSON (SQL NULL is stored as JSON null),
--               same limits
-- Returns the stored row: created_at and source from the first save,
-- updated_at = the server clock at this save (clock_timestamp()).
-- Raises PE101 (invalid name or id, or source category/stream name), PE104
-- (invalid source identifier), PE115 (state or metadata over the size or
-- nesting limit). Nothing is written when it raises.
-- Locks: the row's lock (INSERT ... ON CONFLICT), held to commit: concurrent
-- saves of one projection serialise, the last to commit wins.
-- VOLATILE: it writes.
CREATE OR REPLACE FUNCTION pgevents.save_projection(
  p_name text,
  p_id text,
  p_source jsonb,
  p_state jsonb,
  p_metadata jsonb DEFAULT NULL
)
  RETURNS SETOF pgevents.projections
  LANGUAGE plpgsql
  VOLATILE
  PARALLEL UNSAFE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _source jsonb;
  _now timestamptz := pg_catalog.clock_timestamp();
  _max_bytes integer;
  _max_depth integer;
BEGIN
  PERFORM pgevents.check_name('name', p_name);
  PERFORM pgevents.check_name('id', p_id);
  _source := pgevents.projection_source(p_source, 'source');
  SELECT COALESCE(pg_catalog.max((s.value #>> '{}')::integer) FILTER (WHERE s.name = 'projection_max_json_bytes'), 1048576),
         COALESCE(pg_catalog.max((s.value #>> '{}')::integer) FILTER (WHERE s.name = 'projection_max_json_depth'), 256)
    INTO _max_bytes, _max_depth
    FROM pgevents.settings s WHERE s.name IN ('projection_max_json_bytes', 'projection_max_json_depth');
  PERFORM pgevents.projection_check_json('state', p_state, _max_bytes, _max_depth);
  PERFORM pgevents.projection_check_json('metadata', p_metadata, _max_bytes, _max_depth);
  RETURN QUERY
    INSERT INTO pgevents.projections AS p (name, id, source, state, metadata, created_at, updated_at)
    VALUES (p_name, p_id, _source, COALESCE(p_state, 'null'::jsonb), COALESCE(p_metadata, 'null'::jsonb), _now, _now)
    ON CONFLICT ON CONSTRAINT projections_pkey DO UPDATE
      SET state = EXCLUDED.state, metadata = EXCLUDED.metadata, updated_at = EXCLUDED.updated_at
    RETURNING p.*;
END;
$$;

COMMENT ON FUNCTION pgevents.save_projection(text, text, jsonb, jsonb, jsonb) IS
  'Upserts a projection by (name, id), keeping the first save''s source and created_at; returns the stored row. Locks: the row. SQLSTATEs: PE101, PE104, PE115 state/metadata over the size or nesting limit.';
