-- pgevents.stats_count_budget: validates how many index entries a stats call may count exactly.
--
-- Parameters: p_count_budget (NULL: the setting stats_max_count, default
-- 100000). Returns the budget. Raises PE106 (field count_budget) when it is
-- negative or above the setting stats_max_count: the owner bounds what one
-- call costs. Locks: none. STABLE: reads a setting. Internal, not granted.
CREATE OR REPLACE FUNCTION pgevents.stats_count_budget(p_count_budget integer)
  RETURNS integer
  LANGUAGE plpgsql
  STABLE
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _max integer := COALESCE((pgevents.setting('stats_max_count') #>> '{}')::integer, 100000);
BEGIN
  IF p_count_budget IS NULL THEN
    RETURN _max;
  ELSIF p_count_budget < 0 OR p_count_budget > _max THEN
    PERFORM pgevents.raise_invalid('PE106', 'count_budget',
      pg_catalog.format('must be between 0 and %s, the setting stats_max_count (got %s)', _max, p_count_budget));
  END IF;
  RETURN p_count_budget;
END;
$$;

COMMENT ON FUNCTION pgevents.stats_count_budget(integer) IS
  'Internal: validates a stats count budget (0..setting stats_max_count, NULL = the setting); raises PE106 otherwise.';
