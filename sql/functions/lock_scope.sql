-- pgevents.lock_scope: takes the wide advisory lock of a serialisation scope.
--
-- Parameters: p_scope ('log', 'category' or 'stream'; NULL means 'stream'),
-- p_category. For 'log' it takes the log lock, for 'category' the category
-- lock, for 'stream' nothing (the stream lock is always taken by
-- pgevents.write_stream, whatever the scope). Lock order is always
-- log/category first, then streams in sorted order, so writers using
-- different scopes never deadlock and always exclude each other per stream.
-- Locks: pg_advisory_xact_lock(pgevents.lock_key(...)), held to commit.
-- Raises PE105 for an unknown scope. VOLATILE: it takes locks.
CREATE OR REPLACE FUNCTION pgevents.lock_scope(p_scope text, p_category text)
  RETURNS void
  LANGUAGE plpgsql
  VOLATILE
AS $$
BEGIN
  CASE COALESCE(p_scope, 'stream')
    WHEN 'stream' THEN
      NULL;
    WHEN 'category' THEN
      PERFORM pg_catalog.pg_advisory_xact_lock(pgevents.lock_key('category', p_category, NULL));
    WHEN 'log' THEN
      PERFORM pg_catalog.pg_advisory_xact_lock(pgevents.lock_key('log', NULL, NULL));
    ELSE
      PERFORM pgevents.raise_invalid('PE105', 'scope',
        pg_catalog.format('must be log, category or stream (got %L)', p_scope));
  END CASE;
END;
$$;

COMMENT ON FUNCTION pgevents.lock_scope(text, text) IS
  'Internal: takes the log or category advisory xact lock for a wide serialisation scope; raises PE105 for an unknown scope.';
