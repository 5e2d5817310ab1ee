-- pgevents.lock_stream: takes a stream's write lock, creating its row if needed.
--
-- The lock is the stream's row in pgevents.streams, locked FOR UPDATE and
-- held to commit. Only the owner may lock that table (row locks need the
-- UPDATE privilege), so, unlike an advisory lock, no other session can take
-- it and stall the stream's writers. The transaction gets its id when the
-- lock is granted, not while it waits (that keeps writers' transaction ids
-- in lock order; see the 40001 check of pgevents.write_stream).
-- Parameters: p_category, p_stream (valid names); p_create: create the row
-- when the stream has none (a stream's first append through these
-- functions), else return false without locking.
-- Returns whether the lock is held. When another transaction creates the
-- row concurrently, this waits for it: under READ COMMITTED it then locks
-- that row; under REPEATABLE READ or SERIALIZABLE PostgreSQL raises 40001.
-- Locks: the stream row, FOR UPDATE, until commit. Raises 40001 (see above).
-- VOLATILE: it locks and writes.
CREATE OR REPLACE FUNCTION pgevents.lock_stream(p_category text, p_stream text, p_create boolean)
  RETURNS boolean
  LANGUAGE plpgsql
  VOLATILE
AS $$
BEGIN
  FOR _attempt IN 1 .. 3 LOOP
    PERFORM 1 FROM pgevents.streams s
     WHERE s.category = p_category AND s.stream = p_stream
       FOR UPDATE;
    IF FOUND THEN
      RETURN true;
    ELSIF NOT p_create THEN
      RETURN false;
    END IF;
    -- A row this transaction inserts is its lock until commit: a concurrent
    -- insert of the same key waits for it.
    INSERT INTO pgevents.streams AS s (category, stream) VALUES (p_category, p_stream)
      ON CONFLICT (category, stream) DO NOTHING;
    IF FOUND THEN
      RETURN true;
    END IF;
    -- Another transaction created the row and committed: lock it (the next
    -- statement's snapshot sees it under READ COMMITTED).
  END LOOP;
  RAISE EXCEPTION 'pgevents: could not lock stream (%, %)', p_category, p_stream
    USING ERRCODE = '40001',
          DETAIL = pg_catalog.jsonb_build_object('category', p_category, 'stream', p_stream)::text,
          HINT = 'Retry the transaction.';
END;
$$;

COMMENT ON FUNCTION pgevents.lock_stream(text, text, boolean) IS
  'Internal: locks the stream''s row in pgevents.streams FOR UPDATE until commit (creating it when p_create); returns whether it is locked.';
