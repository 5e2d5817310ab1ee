-- pgevents.projection_in_strings: the string elements of an "in" filter's list, as text.
--
-- Parameters: p_values, the JSON array of an "in" filter (already validated:
-- at most 1000 elements).
-- Returns text[]: the text of every string element, in order (other
-- elements skipped). The compiled query compares the path's K2 key with
-- "= ANY (pgevents.projection_in_strings($n))": one array parameter instead
-- of one reference per value. IMMUTABLE, so the planner evaluates it once
-- when the parameter is a constant (EXECUTE ... USING) and an expression
-- index on K2 serves the comparison.
-- Raises nothing. Locks: none.
CREATE OR REPLACE FUNCTION pgevents.projection_in_strings(p_values jsonb)
  RETURNS text[]
  LANGUAGE sql
  IMMUTABLE
  STRICT
  PARALLEL SAFE
  SET search_path = pgevents, pg_temp
AS $$
  SELECT pg_catalog.array_agg(e.v #>> '{}' ORDER BY e.o)
    FROM pg_catalog.jsonb_array_elements(p_values) WITH ORDINALITY AS e(v, o)
   WHERE pg_catalog.jsonb_typeof(e.v) = 'string'
$$;

COMMENT ON FUNCTION pgevents.projection_in_strings(jsonb) IS
  'Internal: the string elements of an "in" list as text[] (compared with a path''s K2 key). No locks.';
