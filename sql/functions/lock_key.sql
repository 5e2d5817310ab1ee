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
-- No SET clause: a SQL function with one is never inlined, and a call that
-- is not inlined re-plans the body in every transaction (~75 us per append).
-- Names and operators are schema-qualified instead.
AS $$
  SELECT pg_catalog.hashtextextended(
    CASE p_scope
      WHEN 'log' THEN 'pgevents:log'
      WHEN 'category' THEN 'pgevents:category:' OPERATOR(pg_catalog.||) pg_catalog.length(p_category)::text
                           OPERATOR(pg_catalog.||) ':' OPERATOR(pg_catalog.||) p_category
      ELSE 'pgevents:stream:' OPERATOR(pg_catalog.||) pg_catalog.length(p_category)::text
           OPERATOR(pg_catalog.||) ':' OPERATOR(pg_catalog.||) p_category
           OPERATOR(pg_catalog.||) ':' OPERATOR(pg_catalog.||) p_stream
    END, 0);
$$;

COMMENT ON FUNCTION pgevents.lock_key(text, text, text) IS
  'The pg_advisory_xact_lock key of a serialisation scope (log, category or stream); deterministic.';
