-- pgevents.any_event_stored: whether any of the given event ids is already stored.
--
-- The idempotency probe of pgevents.write_stream, run on every append whose
-- events carry ids (the Go driver gives every event one). It must stay an
-- index probe of events_id_key whatever the statistics say: PL/pgSQL caches
-- a generic plan per session, and a plan made while the table was new (never
-- analysed, assumed tiny) would scan the whole table on every later call, so
-- appends would slow down as the log grows until the next ANALYZE. Hence
-- SET enable_seqscan = off, in effect while the cached plan is made. A
-- separate PL/pgSQL function so the setting covers this query only.
-- Parameters: p_ids, the ids (NULL or empty: false). Locks: none. STABLE.
CREATE OR REPLACE FUNCTION pgevents.any_event_stored(p_ids uuid[])
  RETURNS boolean
  LANGUAGE plpgsql
  STABLE
  SET enable_seqscan = off
AS $$
BEGIN
  RETURN EXISTS (SELECT 1 FROM pgevents.events e WHERE e.id = ANY (p_ids));
END;
$$;

COMMENT ON FUNCTION pgevents.any_event_stored(uuid[]) IS
  'Internal: whether any of p_ids is a stored event id; always an index probe (its plan is made with enable_seqscan off). No locks.';
