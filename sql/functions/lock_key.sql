-- pgevents.lock_key: the advisory lock key of a serialisation scope.
--
-- Parameters: p_scope is 'log', 'category' or 'stream'; p_category and
-- p_stream name it (ignored when the scope does not need them). The key is
-- a 64-bit hash of a length-prefixed text, so it is deterministic across
-- sessions, servers and versions of pgevents, and every client (in any
-- language) that must coordinate with pgevents writers can compute it:
--   log:      hashtextextended('pgevents:log', 0)
--   category: hashtextextended('pgevents:category:' || length(c) || ':' || c, 0)
--   stream:   hashtextextended('pgevents:stream:' || length(c) || ':' || c || ':' || s, 0)
-- Hash collisions only serialise unrelated writers; they never break
-- correctness. Locks: none (it only computes the key). IMMUTABLE.
CREATE OR REPLACE FUNCTION pgevents.lock_key(p_scope text, p_category text, p_stream text)
  RETURNS bigint
  LANGUAGE sql
  IMMUTABLE
  PARALLEL SAFE
  SET search_path = pgevents, pg_temp
AS $$
  SELECT pg_catalog.hashtextextended(
    CASE p_scope
      WHEN 'log' THEN 'pgevents:log'
      WHEN 'category' THEN 'pgevents:category:' || pg_catalog.length(p_category) || ':' || p_category
      ELSE 'pgevents:stream:' || pg_catalog.length(p_category) || ':' || p_category || ':' || p_stream
    END, 0);
$$;

COMMENT ON FUNCTION pgevents.lock_key(text, text, text) IS
  'The pg_advisory_xact_lock key of a serialisation scope (log, category or stream); deterministic.';
