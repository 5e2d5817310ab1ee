-- pgevents.read_event: one event by its id.
--
-- Parameters: p_id, the event's id (STRICT: NULL returns no row).
-- Returns zero rows (no event has that id, or its transaction has not
-- committed) or one row of pgevents.events. Not fenced: a one-shot lookup
-- through the unique index events_id_key, never a resume point.
-- Raises nothing of its own. Locks: none (a plain MVCC read). STABLE: reads
-- only.
CREATE OR REPLACE FUNCTION pgevents.read_event(p_id uuid)
  RETURNS SETOF pgevents.events
  LANGUAGE sql
  STABLE
  STRICT
  PARALLEL SAFE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
AS $$
  SELECT * FROM pgevents.events e WHERE e.id = p_id;
$$;

COMMENT ON FUNCTION pgevents.read_event(uuid) IS
  'One event by id: zero or one row, not fenced (index events_id_key). No locks.';
