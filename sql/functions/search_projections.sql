-- pgevents.search_projections: the page of projections matching a query, in sort order.
--
-- Parameters: p_query, the query in the wire form of docs/query-language.md
-- ({"name", "filters", "sort", "page"}).
-- Returns rows of pgevents.projections: the matches of the filters, ordered
-- by the sort (then id ascending), paged by offset/limit or key-set
-- (after/before an id, under the same sort; the anchor need not match the
-- filters; when no projection of the name has that id, the page is empty).
-- The query is validated and compiled by pgevents.compile_projection_query
-- and run with EXECUTE ... USING its values, one parameter each
-- (pgevents.projection_query_params): no value reaches the SQL text, and the
-- planner never copies the whole query per reference.
-- Raises PE110 (invalid query, or a query beyond the limits of
-- docs/query-language.md) naming the field.
-- JIT is off for the statement (SET jit = off): with many filters on long
-- paths, LLVM compiling the statement's expressions took minutes and
-- gigabytes, where evaluating them takes milliseconds.
-- Locks: none (a plain MVCC read). STABLE: reads only.
CREATE OR REPLACE FUNCTION pgevents.search_projections(p_query jsonb)
  RETURNS SETOF pgevents.projections
  LANGUAGE plpgsql
  STABLE
  PARALLEL UNSAFE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
  SET jit = off
AS $$
DECLARE
  _sql text := pgevents.compile_projection_query(p_query, 'search');
  _p jsonb[] := pgevents.projection_query_params(p_query);
BEGIN
  RETURN QUERY EXECUTE _sql USING
    _p[1], _p[2], _p[3], _p[4], _p[5], _p[6], _p[7], _p[8], _p[9], _p[10],
    _p[11], _p[12], _p[13], _p[14], _p[15], _p[16], _p[17], _p[18], _p[19], _p[20],
    _p[21], _p[22], _p[23], _p[24], _p[25], _p[26], _p[27], _p[28], _p[29], _p[30],
    _p[31], _p[32], _p[33], _p[34], _p[35], _p[36], _p[37], _p[38], _p[39], _p[40],
    _p[41], _p[42], _p[43], _p[44], _p[45], _p[46], _p[47], _p[48], _p[49], _p[50],
    _p[51], _p[52], _p[53], _p[54], _p[55], _p[56], _p[57], _p[58], _p[59], _p[60],
    _p[61], _p[62], _p[63], _p[64], _p[65], _p[66], _p[67], _p[68], _p[69], _p[70],
    _p[71], _p[72], _p[73], _p[74];
END;
$$;

COMMENT ON FUNCTION pgevents.search_projections(jsonb) IS
  'Searches projections with a query (docs/query-language.md): filters, sort (paths, similarity), offset or key-set paging. No locks. SQLSTATE: PE110 invalid query or over a limit.';
