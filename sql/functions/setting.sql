-- pgevents.setting: the value of an installation setting (pgevents.settings).
--
-- Parameters: p_name, the setting's name. Returns its JSONB value, or NULL
-- when no such setting exists. Locks: none. STABLE: reads pgevents.settings
-- (an index probe on its primary key).
CREATE OR REPLACE FUNCTION pgevents.setting(p_name text)
  RETURNS jsonb
  LANGUAGE sql
  STABLE
  PARALLEL SAFE
  SET search_path = pgevents, pg_temp
AS $$
  SELECT s.value FROM pgevents.settings s WHERE s.name = p_name
$$;

COMMENT ON FUNCTION pgevents.setting(text) IS
  'Internal: the JSONB value of an installation setting (pgevents.settings), NULL when unset. No locks.';
