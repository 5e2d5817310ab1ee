-- pgevents.append: appends events to one stream, atomically, under a write condition.
--
-- Parameters:
--   p_category, p_stream  the stream (created implicitly by its first event)
--   p_events     JSONB array of new events (see pgevents.write_stream for the
--                fields); an empty array writes nothing but still checks the condition
--   p_condition  write condition (NULL = none; see pgevents.evaluate_condition)
--   p_scope      serialisation scope: 'stream' (default), 'category' or 'log'
-- Returns the stored events in input order, with contiguous positions from
-- latest+1 (0 for a new stream). Nothing is written unless everything succeeds.
-- Scope: the stream lock is always taken, so positions and conditions are
-- exact under any scope. 'stream' (the default) lets writers to different
-- streams commit in parallel; readers stay correct because they order by
-- (transaction_id, sequence_number) below the snapshot fence. 'category' and
-- 'log' additionally serialise every writer of the category / log that uses
-- the same scope: slower (the lock is held through the commit's WAL flush),
-- but sequence numbers then commit in order, which is what the legacy
-- pgevents.read_log_by_sequence needs.
-- Limits (installation settings in pgevents.settings, PE112): at most
-- max_append_events events and max_append_size bytes of events JSON text
-- per call; per event, payload + metadata at most max_event_size bytes of
-- JSON text, nested at most max_event_depth levels. observed_at may be
-- given only when allow_observed_at is true (imports), and never earlier
-- than the stream's latest (PE102).
-- Locks: the scope lock (pgevents.lock_scope), then the stream lock
-- (pgevents.write_stream), both row locks held to commit, on owner-only
-- tables (pgevents.scope_locks, pgevents.streams) that no other role can
-- lock.
-- Raises: PE101 invalid category/stream/event name, PE102 invalid events,
-- PE103 invalid condition, PE105 invalid scope, PE107 id conflict, PE112
-- over a write limit, PE001..PE005 unmet condition, 40001 transaction id
-- inversion, or a concurrent append to the stream under REPEATABLE READ or
-- SERIALIZABLE (retry the transaction).
-- VOLATILE: it writes.
CREATE OR REPLACE FUNCTION pgevents.append(
  p_category text,
  p_stream text,
  p_events jsonb,
  p_condition jsonb DEFAULT NULL,
  p_scope text DEFAULT 'stream'
)
  RETURNS SETOF pgevents.events
  LANGUAGE plpgsql
  VOLATILE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
AS $$
BEGIN
  PERFORM pgevents.check_name('category', p_category);
  PERFORM pgevents.check_name('stream', p_stream);
  IF p_scope IS DISTINCT FROM 'stream' THEN -- the stream lock alone: nothing more to take
    PERFORM pgevents.lock_scope(p_scope, p_category);
  END IF;
  RETURN QUERY
    SELECT w.sequence_number, w.transaction_id, w.id, w.category, w.stream, w.position, w.name, w.payload, w.metadata,
           w.occurred_at, w.observed_at
      FROM pgevents.write_stream(p_category, p_stream, p_events, p_condition, 'events') AS w;
END;
$$;

COMMENT ON FUNCTION pgevents.append(text, text, jsonb, jsonb, text) IS
  'Appends events to one stream atomically under an optional write condition; returns the stored events. Locks: scope row lock (log/category, if chosen) then the stream row lock, to commit. SQLSTATEs: PE001-PE005 unmet condition, PE101-PE107 invalid input, PE112 over a write limit, 40001 retry. Default scope: stream.';
