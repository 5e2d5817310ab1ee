-- pgevents.browse_projection_names: one page of projection names in byte order (event browser).
--
-- Parameters: p_after (the last name of the previous page; NULL starts at
-- the first), p_limit (1..1000, default 100).
-- Returns the distinct names of pgevents.projections after p_after, in byte
-- order (COLLATE "C").
-- Cost: one probe of a loose index scan over projections_pkey (name, id) per
-- name returned.
-- Raises PE106 for a limit out of range. Locks: none. STABLE: reads only.
CREATE OR REPLACE FUNCTION pgevents.browse_projection_names(
  p_after text DEFAULT NULL,
  p_limit integer DEFAULT 100
)
  RETURNS TABLE (name text)
  LANGUAGE plpgsql
  STABLE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _name text COLLATE "C" := COALESCE(p_after, '');
BEGIN
  IF p_limit IS NULL OR p_limit < 1 OR p_limit > 1000 THEN
    PERFORM pgevents.raise_invalid('PE106', 'limit', pg_catalog.format('must be from 1 to 1000 (got %s)', p_limit));
  END IF;
  FOR _i IN 1 .. p_limit LOOP
    -- '' sorts before every name.
    SELECT p.name INTO _name
      FROM pgevents.projections p
     WHERE p.name > _name
     ORDER BY p.name
     LIMIT 1;
    EXIT WHEN NOT FOUND;
    name := _name;
    RETURN NEXT;
  END LOOP;
END;
$$;

COMMENT ON FUNCTION pgevents.browse_projection_names(text, integer) IS
  'Event browser: a key-set page of the distinct projection names (loose index scan over projections_pkey). No locks. SQLSTATE: PE106.';
