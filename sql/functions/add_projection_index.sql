-- pgevents.add_projection_index: creates the expression index that serves a query path of one projection name.
--
-- Parameters: p_name, the projection name; p_path, the path as text[] (see
-- pgevents.projection_index_definition: integers in canonical form are
-- array indices, e.g. '{state,email}', '{metadata,tenant}', '{state,tags,0}').
-- Returns the index name. Creates (IF NOT EXISTS) a partial btree index
-- WHERE name = p_name on the keys pgevents.compile_projection_query compares
-- and sorts that path by, so search_projections and count_projections use it
-- for equal, not_equal's complement, ranges, in, sorts and key-set paging on
-- the path. Values at an indexed path must stay under ~2,000 bytes (the
-- btree row limit: a larger one makes save_projection fail with 54000).
-- Owner-only (not granted to pgevents_reader / pgevents_writer).
-- Raises PE101 (invalid name), PE110 (invalid path, or id / name).
-- Locks: CREATE INDEX's SHARE lock on pgevents.projections while it builds
-- (saves wait). On a big table, run the statement from
-- pgevents.projection_index_definition(name, path, true) (CONCURRENTLY)
-- outside a transaction instead.
-- VOLATILE: it creates an index.
CREATE OR REPLACE FUNCTION pgevents.add_projection_index(p_name text, p_path text[])
  RETURNS text
  LANGUAGE plpgsql
  VOLATILE
  PARALLEL UNSAFE
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _ddl text := pgevents.projection_index_definition(p_name, p_path, false);
BEGIN
  EXECUTE _ddl;
  RETURN substring(_ddl FROM 'IF NOT EXISTS "?([a-z0-9_]+)"? ON');
END;
$$;

COMMENT ON FUNCTION pgevents.add_projection_index(text, text[]) IS
  'Owner-only: creates the partial expression index (WHERE name = p_name) serving equality, ranges, sorts and key-set paging on a projection path; returns its name. Locks: SHARE on pgevents.projections while building. SQLSTATEs: PE101, PE110.';
