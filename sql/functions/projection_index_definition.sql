-- pgevents.projection_index_definition: the CREATE INDEX statement that serves a query path of one projection name.
--
-- Parameters:
--   p_name          the projection name (the index is partial: WHERE name = p_name)
--   p_path          the path as text[], e.g. '{state,email}' or '{state,tags,0}':
--                   element 0 is source, state or metadata; later elements
--                   that are integers in canonical form (0, 1, 42) are array
--                   indices, all others object keys (as in jsonb #> paths)
--   p_concurrently  emit CREATE INDEX CONCURRENTLY (run it outside a
--                   transaction: for big tables, builds without blocking saves)
-- Returns the statement (CREATE INDEX [CONCURRENTLY] IF NOT EXISTS
-- projections_<slug>_<hash>_idx ON pgevents.projections (K0, K1, K2, id)
-- WHERE name = ...), where K0..K2 are exactly the keys
-- pgevents.compile_projection_query compares and sorts the path by
-- (pgevents.projection_keys), so equality, ranges, regex prefixes, sorts and
-- key-set paging on the path use it. The index name is deterministic
-- (pgevents.projection_index_name).
-- Raises PE101 (invalid name), PE110 (invalid path, or id/name, which the
-- primary key already serves).
-- Locks: none. IMMUTABLE: depends on its arguments only.
CREATE OR REPLACE FUNCTION pgevents.projection_index_definition(
  p_name text,
  p_path text[],
  p_concurrently boolean DEFAULT false
)
  RETURNS text
  LANGUAGE plpgsql
  IMMUTABLE
  PARALLEL SAFE
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _path jsonb;
  _keys text[];
  _index text;
BEGIN
  PERFORM pgevents.check_name('name', p_name);
  IF p_path IS NULL OR pg_catalog.cardinality(p_path) = 0 OR pg_catalog.array_position(p_path, NULL) IS NOT NULL THEN
    PERFORM pgevents.raise_invalid('PE110', 'path', 'must be a non-empty array without NULLs');
  END IF;
  IF p_path[1] IN ('id', 'name') THEN
    PERFORM pgevents.raise_invalid('PE110', 'path', pg_catalog.format('%s is already indexed by the primary key', p_path[1]));
  END IF;
  SELECT pg_catalog.jsonb_agg(CASE WHEN o > 1 AND e ~ '^(0|[1-9][0-9]{0,9})$' THEN pg_catalog.to_jsonb(e::numeric)
                                   ELSE pg_catalog.to_jsonb(e) END ORDER BY o)
    INTO _path FROM pg_catalog.unnest(p_path) WITH ORDINALITY AS u(e, o);
  _keys := pgevents.projection_keys(_path, 'path', '');
  _index := pgevents.projection_index_name(p_name, _path);
  RETURN pg_catalog.format('CREATE INDEX %sIF NOT EXISTS %I ON pgevents.projections ((%s), (%s), (%s), id) WHERE name = %L',
    CASE WHEN p_concurrently THEN 'CONCURRENTLY ' ELSE '' END, _index, _keys[2], _keys[3], _keys[4], p_name);
END;
$$;

COMMENT ON FUNCTION pgevents.projection_index_definition(text, text[], boolean) IS
  'The CREATE INDEX statement (optionally CONCURRENTLY) that serves filters and sorts on a path of one projection name. SQLSTATEs: PE101, PE110.';
