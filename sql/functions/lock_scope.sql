-- pgevents.lock_scope: takes the wide lock of a serialisation scope.
--
-- Parameters: p_scope ('log', 'category' or 'stream'; NULL means 'stream'),
-- p_category. For 'log' it locks the log's row of pgevents.scope_locks, for
-- 'category' the category's row (created on its first use), for 'stream'
-- nothing (the stream lock is always taken by pgevents.write_stream,
-- whatever the scope). Lock order is always log/category first, then
-- streams in sorted order, so writers using different scopes never deadlock
-- and always exclude each other per stream.
-- Locks: the scope's row, FOR UPDATE, held to commit. Only the owner may
-- lock pgevents.scope_locks (row locks need the UPDATE privilege), so no
-- other session can take these locks and stall writers.
-- Raises PE105 for an unknown scope; 40001 when, under REPEATABLE READ or
-- SERIALIZABLE, another transaction created the category's row concurrently.
-- VOLATILE: it takes locks.
CREATE OR REPLACE FUNCTION pgevents.lock_scope(p_scope text, p_category text)
  RETURNS void
  LANGUAGE plpgsql
  VOLATILE
AS $$
DECLARE
  _scope text := COALESCE(p_scope, 'stream');
  _key text;
BEGIN
  CASE _scope
    WHEN 'stream' THEN
      RETURN;
    WHEN 'category' THEN
      _key := p_category;
    WHEN 'log' THEN
      _key := '';
    ELSE
      PERFORM pgevents.raise_invalid('PE105', 'scope',
        pg_catalog.format('must be log, category or stream (got %L)', p_scope));
  END CASE;
  FOR _attempt IN 1 .. 3 LOOP
    PERFORM 1 FROM pgevents.scope_locks l WHERE l.scope = _scope AND l.category = _key FOR UPDATE;
    IF FOUND THEN
      RETURN;
    END IF;
    -- First use of this category's scope (or a missing log row): the
    -- inserted row is this transaction's lock until commit.
    INSERT INTO pgevents.scope_locks (scope, category) VALUES (_scope, _key)
      ON CONFLICT (scope, category) DO NOTHING;
    IF FOUND THEN
      RETURN;
    END IF;
  END LOOP;
  RAISE EXCEPTION 'pgevents: could not take the % lock of %', _scope, p_category
    USING ERRCODE = '40001', HINT = 'Retry the transaction.';
END;
$$;

COMMENT ON FUNCTION pgevents.lock_scope(text, text) IS
  'Internal: locks the log''s or the category''s row of pgevents.scope_locks FOR UPDATE until commit, for a wide serialisation scope; raises PE105 for an unknown scope.';
