-- pgevents.unknown_key: the first key of a JSON object that is not in an allowed list.
--
-- Parameters: p_value (a JSON object), p_allowed (the keys it may have).
-- Returns the smallest (byte order) key of p_value not in p_allowed, or NULL
-- when there is none or p_value is not an object. Callers raise their own
-- error naming it (unknown fields are refused everywhere in the API, so a
-- typo such as "occured_at" never passes silently). Locks: none. IMMUTABLE.
CREATE OR REPLACE FUNCTION pgevents.unknown_key(p_value jsonb, p_allowed text[])
  RETURNS text
  LANGUAGE sql
  IMMUTABLE
  PARALLEL SAFE
  SET search_path = pgevents, pg_temp
AS $$
  SELECT k FROM pg_catalog.jsonb_object_keys(
           CASE WHEN pg_catalog.jsonb_typeof(p_value) = 'object' THEN p_value OPERATOR(pg_catalog.-) p_allowed END) AS k
   ORDER BY k COLLATE "C" LIMIT 1;
$$;

COMMENT ON FUNCTION pgevents.unknown_key(jsonb, text[]) IS
  'Internal: the first key of a JSON object not in p_allowed (byte order), or NULL. No locks.';
