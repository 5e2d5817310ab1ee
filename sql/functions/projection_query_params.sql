-- pgevents.projection_query_params: the parameter values of the statement a projection query compiles to.
--
-- Parameters: p_query, the query (docs/query-language.md), already validated
-- by pgevents.compile_projection_query.
-- Returns jsonb[74], one element per parameter $1..$74 of the compiled
-- statement (NULL where the query has nothing there):
--   [1]       the name                       (query -> 'name')
--   [2]       the page object                (query -> 'page')
--   [3..66]   filters[0..63].value           (query -> 'filters' -> i -> 'value')
--   [67..74]  sort[0..7].similarity          (query -> 'sort' -> j -> 'similarity')
-- The slot counts are the query language's caps (64 filters, 8 sort keys).
-- Each value is its own parameter so that the planner, which folds every
-- reference to a parameter into a copy of its value, copies small values
-- only (a reference to the whole query copied the whole document: an "in"
-- list of n values made n copies of an n-value document). search_projections
-- and count_projections pass them with EXECUTE ... USING _p[1], ..., _p[74].
-- Raises nothing. Locks: none. IMMUTABLE: depends on its argument only.
CREATE OR REPLACE FUNCTION pgevents.projection_query_params(p_query jsonb)
  RETURNS jsonb[]
  LANGUAGE plpgsql
  IMMUTABLE
  PARALLEL SAFE
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _filters jsonb := p_query -> 'filters';
  _sort jsonb := p_query -> 'sort';
  _p jsonb[] := ARRAY[p_query -> 'name', p_query -> 'page'];
BEGIN
  IF pg_catalog.jsonb_typeof(_filters) IS DISTINCT FROM 'array' THEN
    _filters := NULL;
  END IF;
  IF pg_catalog.jsonb_typeof(_sort) IS DISTINCT FROM 'array' THEN
    _sort := NULL;
  END IF;
  _p[74] := NULL; -- every slot exists: [3..66] and [67..74] stay NULL where the query has nothing
  FOR _i IN 0 .. LEAST(COALESCE(pg_catalog.jsonb_array_length(_filters), 0), 64) - 1 LOOP
    _p[3 + _i] := _filters -> _i -> 'value';
  END LOOP;
  FOR _j IN 0 .. LEAST(COALESCE(pg_catalog.jsonb_array_length(_sort), 0), 8) - 1 LOOP
    _p[67 + _j] := _sort -> _j -> 'similarity';
  END LOOP;
  RETURN _p;
END;
$$;

COMMENT ON FUNCTION pgevents.projection_query_params(jsonb) IS
  'Internal: the 74 parameter values ($1 name, $2 page, $3.. filter values, $67.. similarity texts) of a compiled projection query. No locks.';
