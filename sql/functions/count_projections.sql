-- pgevents.count_projections: counts the projections matching a query's filters.
--
-- Parameters: p_query, the query in the wire form of docs/query-language.md.
-- Its sort and page are validated but ignored.
-- Returns the number of projections of the name matching every filter.
-- The query is compiled by pgevents.compile_projection_query and run with
-- EXECUTE ... USING p_query: no value reaches the SQL text.
-- Raises PE110 (invalid query) naming the field.
-- Locks: none (a plain MVCC read). STABLE: reads only.
CREATE OR REPLACE FUNCTION pgevents.count_projections(p_query jsonb)
  RETURNS bigint
  LANGUAGE plpgsql
  STABLE
  PARALLEL UNSAFE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _count bigint;
BEGIN
  EXECUTE pgevents.compile_projection_query(p_query, 'count') INTO _count USING p_query;
  RETURN _count;
END;
$$;

COMMENT ON FUNCTION pgevents.count_projections(jsonb) IS
  'Counts the projections matching a query''s filters (docs/query-language.md; sort and page ignored). No locks. SQLSTATE: PE110 invalid query.';
