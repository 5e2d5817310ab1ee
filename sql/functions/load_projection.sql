-- pgevents.load_projection: the projection with a name and id.
--
-- Parameters: p_name, the projector's name; p_id, the projection's id.
-- Returns zero rows (no such projection) or one row of pgevents.projections.
-- Raises PE101 (invalid name or id).
-- Locks: none (a plain MVCC read). STABLE: reads only.
CREATE OR REPLACE FUNCTION pgevents.load_projection(p_name text, p_id text)
  RETURNS SETOF pgevents.projections
  LANGUAGE plpgsql
  STABLE
  PARALLEL SAFE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
AS $$
BEGIN
  PERFORM pgevents.check_name('name', p_name);
  PERFORM pgevents.check_name('id', p_id);
  RETURN QUERY SELECT * FROM pgevents.projections p WHERE p.name = p_name AND p.id = p_id;
END;
$$;

COMMENT ON FUNCTION pgevents.load_projection(text, text) IS
  'Loads the projection (name, id): zero or one row. No locks. SQLSTATE: PE101.';
