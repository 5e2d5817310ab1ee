-- pgevents.search_projections: the page of projections matching a query, in sort order.
--
-- Parameters: p_query, the query in the wire form of docs/query-language.md
-- ({"name", "filters", "sort", "page"}).
-- Returns rows of pgevents.projections: the matches of the filters, ordered
-- by the sort (then id ascending), paged by offset/limit or key-set
-- (after/before an id, under the same sort; the anchor need not match the
-- filters; when no projection of the name has that id, the page is empty).
-- The query is compiled by pgevents.compile_projection_query and run with
-- EXECUTE ... USING p_query: no value reaches the SQL text.
-- Raises PE110 (invalid query) naming the field.
-- Locks: none (a plain MVCC read). STABLE: reads only.
CREATE OR REPLACE FUNCTION pgevents.search_projections(p_query jsonb)
  RETURNS SETOF pgevents.projections
  LANGUAGE plpgsql
  STABLE
  PARALLEL UNSAFE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
AS $$
BEGIN
  RETURN QUERY EXECUTE pgevents.compile_projection_query(p_query, 'search') USING p_query;
END;
$$;

COMMENT ON FUNCTION pgevents.search_projections(jsonb) IS
  'Searches projections with a query (docs/query-language.md): filters, sort (paths, similarity), offset or key-set paging. No locks. SQLSTATE: PE110 invalid query.';
