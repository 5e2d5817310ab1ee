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
-- Fast path: the most common append (one event without occurred_at or
-- observed_at, whose id, if any, is not stored yet; no condition; scope
-- stream; READ COMMITTED; the transaction has no id yet; the stream has
-- its lock row; what pgstore sends for one event) is made here,
-- with the same checks and result as pgevents.write_stream, in two
-- statements: the stream lock, then one INSERT that reads the latest
-- position and observed_at itself. Since the transaction had no id before
-- the lock, the lock assigns it once the stream's previous writer has
-- ended (see pgevents.lock_stream), so the ordering check (40001) cannot
-- fire and is skipped. Anything else, and any event that is not plainly
-- valid and within the lowest write limits, goes through
-- pgevents.write_stream, which raises the precise error. (Measured:
-- bench/results/2026-11-30-single.md; the nested call and its per-call
-- set-up cost ~18% of the backend's instructions for one event.)
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
DECLARE
  _event jsonb;
  _clock timestamptz;
BEGIN
  -- The names, as pgevents.check_name checks them, in a plain IF: PL/pgSQL
  -- evaluates its condition as a simple expression, where a PERFORM would
  -- start the executor for each name. Only an invalid name gets to
  -- pgevents.check_invalid_name, which raises PE101 saying why.
  IF NOT COALESCE(pg_catalog.length(p_category) BETWEEN 1 AND 255 AND p_category !~ '[[:cntrl:]]', false) THEN
    PERFORM pgevents.check_invalid_name('category', p_category);
  END IF;
  IF NOT COALESCE(pg_catalog.length(p_stream) BETWEEN 1 AND 255 AND p_stream !~ '[[:cntrl:]]', false) THEN
    PERFORM pgevents.check_invalid_name('stream', p_stream);
  END IF;
  -- The fast path (see above). The event checks are write_stream's for
  -- one event: pgevents.is_valid_event and the floors of the write limits.
  -- (PL/pgSQL sets up each expression once per transaction, i.e. on every
  -- autocommit call, at a cost that grows with its size: few and small.)
  IF p_condition IS NULL AND p_scope = 'stream'
     AND pg_catalog.jsonb_typeof(p_events) = 'array' AND pg_catalog.jsonb_array_length(p_events) = 1
     AND pg_catalog.pg_current_xact_id_if_assigned() IS NULL
     AND pg_catalog.current_setting('transaction_isolation') = 'read committed' THEN
    _event := p_events -> 0;
    -- pgevents.is_valid_event for an event with no occurred_at or
    -- observed_at (those take the general path), written out: an object
    -- with no other keys than id, name, payload and metadata, a payload, a
    -- name of 1..255 characters without control characters, an id absent,
    -- null or a UUID in canonical form (the same tests; ~8% fewer
    -- instructions per append than the inlined function, whose timestamp
    -- tests would be set up for nothing).
    IF pg_catalog.jsonb_typeof(_event) = 'object'
       AND (_event - '{id,name,payload,metadata}'::text[]) = '{}'::jsonb
       AND _event ? 'payload'
       AND pg_catalog.jsonb_typeof(_event -> 'name') = 'string'
       AND pg_catalog.length(_event ->> 'name') BETWEEN 1 AND 255 AND (_event ->> 'name') !~ '[[:cntrl:]]'
       AND (CASE COALESCE(pg_catalog.jsonb_typeof(_event -> 'id'), 'null')
              WHEN 'null' THEN true
              WHEN 'string' THEN (_event ->> 'id') ~~ '________-____-____-____-____________'
                AND (_event ->> 'id') !~ '[^0-9a-fA-F-]'
                AND pg_catalog.length(pg_catalog.replace(_event ->> 'id', '-', '')) = 32
              ELSE false
            END)
       AND (pg_catalog.pg_column_size(_event) < 272
            OR NOT _event @? 'strict $.**{33} ? (@.type() == "array" || @.type() == "object")')
       AND pg_catalog.octet_length(p_events::text) <= 65536 THEN
      PERFORM 1 FROM pgevents.streams s WHERE s.category = p_category AND s.stream = p_stream FOR UPDATE;
      -- An id already stored (a retry, or a conflict) is write_stream's to
      -- judge (idempotency, PE107); the probe is made under the lock, as there.
      IF FOUND AND (_event ->> 'id' IS NULL OR NOT pgevents.any_event_stored(ARRAY[(_event ->> 'id')::uuid])) THEN
        _clock := pg_catalog.clock_timestamp(); -- with the lock held, as in write_stream
        -- The statement's snapshot is taken after the lock: it sees the
        -- previous writer's events. observed_at never goes backwards.
        RETURN QUERY
          WITH l AS MATERIALIZED (
            SELECT e.position, e.observed_at FROM pgevents.events e
             WHERE e.category = p_category AND e.stream = p_stream
             ORDER BY e.position DESC LIMIT 1)
          INSERT INTO pgevents.events AS e (id, category, stream, position, name, payload, metadata, occurred_at, observed_at)
          SELECT COALESCE((_event ->> 'id')::uuid, pg_catalog.gen_random_uuid()), p_category, p_stream, COALESCE(l.position, -1) + 1, _event ->> 'name',
                 _event -> 'payload', COALESCE(_event -> 'metadata', 'null'::jsonb),
                 GREATEST(_clock, l.observed_at), GREATEST(_clock, l.observed_at)
            FROM (VALUES (1)) AS one(n) LEFT JOIN l ON true
          RETURNING e.*;
        RETURN;
      END IF;
      -- No lock row yet (the stream's first append through these
      -- functions: pgevents.write_stream creates it), or a stored id: the
      -- general path (which finds the lock, if taken, already held).
    END IF;
  END IF;
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
  'Appends events to one stream atomically under an optional write condition; returns the stored events. One new event without timestamps, no condition, scope stream, READ COMMITTED and no transaction id yet: a fast path with the same checks and result. Locks: scope row lock (log/category, if chosen) then the stream row lock, to commit. SQLSTATEs: PE001-PE005 unmet condition, PE101-PE107 invalid input, PE112 over a write limit, 40001 retry. Default scope: stream.';
