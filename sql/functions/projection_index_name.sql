-- pgevents.projection_index_name: the name of the expression index for a projection name and a query path.
--
-- Parameters: p_name, the projection name; p_path, a valid query-language
-- path (a JSON array, as pgevents.projection_keys accepts; integral numbers
-- are array indices, 1.0 counts as 1).
-- Returns projections_<slug>_<hash>_idx: the slug is name and path in lower
-- case (at most 30 characters), the hash the first 12 hex digits of the md5
-- of [name, path]. pgevents.projection_index_definition names its index with
-- it, and pgevents.compile_projection_query looks the index up with it.
-- Raises nothing. Locks: none. IMMUTABLE: depends on its arguments only.
CREATE OR REPLACE FUNCTION pgevents.projection_index_name(p_name text, p_path jsonb)
  RETURNS text
  LANGUAGE sql
  IMMUTABLE
  PARALLEL SAFE
  SET search_path = pgevents, pg_temp
AS $$
  WITH path AS (
    SELECT pg_catalog.jsonb_agg(CASE WHEN pg_catalog.jsonb_typeof(u.e) = 'number'
                                     THEN pg_catalog.to_jsonb((u.e #>> '{}')::numeric::integer) ELSE u.e END ORDER BY u.o) AS p
      FROM pg_catalog.jsonb_array_elements(p_path) WITH ORDINALITY AS u(e, o)
  )
  SELECT 'projections_'
    || pg_catalog.left(pg_catalog.btrim(pg_catalog.regexp_replace(
         pg_catalog.lower(p_name || '_' || (SELECT pg_catalog.string_agg(e #>> '{}', '_' ORDER BY o)
                                              FROM pg_catalog.jsonb_array_elements(path.p) WITH ORDINALITY AS v(e, o))),
         '[^a-z0-9]+', '_', 'g'), '_'), 30)
    || '_' || pg_catalog.left(pg_catalog.md5(pg_catalog.jsonb_build_array(p_name, path.p)::text), 12) || '_idx'
    FROM path;
$$;

COMMENT ON FUNCTION pgevents.projection_index_name(text, jsonb) IS
  'Internal: the deterministic name of the expression index for a projection name and query path.';
