-- pgevents.projection_in_values: the non-string, non-null elements of an "in" filter's list, as K1 keys.
--
-- Parameters: p_values, the JSON array of an "in" filter (already validated:
-- at most 1000 elements).
-- Returns jsonb[]: every number, boolean, array and object element, in
-- order, in the form of a path's K1 key (pgevents.projection_keys: an array
-- wrapped in a one-element array, anything else as is). The compiled query
-- compares K1 with "= ANY (pgevents.projection_in_values($n))": one array
-- parameter instead of one reference per value. IMMUTABLE, so the planner
-- evaluates it once when the parameter is a constant.
-- Raises nothing. Locks: none.
CREATE OR REPLACE FUNCTION pgevents.projection_in_values(p_values jsonb)
  RETURNS jsonb[]
  LANGUAGE sql
  IMMUTABLE
  STRICT
  PARALLEL SAFE
  SET search_path = pgevents, pg_temp
AS $$
  SELECT pg_catalog.array_agg(CASE WHEN pg_catalog.jsonb_typeof(e.v) = 'array' THEN pg_catalog.jsonb_build_array(e.v) ELSE e.v END
                              ORDER BY e.o)
    FROM pg_catalog.jsonb_array_elements(p_values) WITH ORDINALITY AS e(v, o)
   WHERE pg_catalog.jsonb_typeof(e.v) NOT IN ('string', 'null')
$$;

COMMENT ON FUNCTION pgevents.projection_in_values(jsonb) IS
  'Internal: the number, boolean, array and object elements of an "in" list as K1 keys (jsonb[]). No locks.';
