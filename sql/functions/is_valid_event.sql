-- pgevents.is_valid_event: whether one new event passes every check of pgevents.check_events.
--
-- The fast path of event validation: pgevents.write_stream aggregates it over
-- a batch in one query and calls pgevents.check_events (which walks the batch
-- in order and raises the precise error) only when some event fails.
-- True when p_event is an object with only the fields id, name, payload,
-- metadata, occurred_at, observed_at; "name" a string of 1..255 characters
-- without control characters; "payload" present; "id" absent, null or a UUID
-- string; "occurred_at"/"observed_at" absent, null or an RFC 3339 string with
-- an offset (whether such a string names a real instant is checked when it is
-- parsed, by pgevents.parse_timestamp). Never NULL. Duplicate ids within a
-- batch are checked by the caller.
-- A single-expression SQL function, so the planner inlines it into the
-- caller's query (no function call per event); operators are schema-qualified
-- because an inlined body is parsed under the caller's search_path.
-- No backslash in any pattern ([0-9], not \d): a function body's string
-- literals are parsed under the calling session's standard_conforming_strings,
-- and with it off a backslash would be an escape.
-- Locks: none. IMMUTABLE.
CREATE OR REPLACE FUNCTION pgevents.is_valid_event(p_event jsonb)
  RETURNS boolean
  LANGUAGE sql
  IMMUTABLE
  PARALLEL SAFE
AS $$
  SELECT COALESCE(
    pg_catalog.jsonb_typeof(p_event) OPERATOR(pg_catalog.=) 'object'
    AND (p_event OPERATOR(pg_catalog.-) '{id,name,payload,metadata,occurred_at,observed_at}'::text[])
        OPERATOR(pg_catalog.=) '{}'::jsonb
    AND pg_catalog.jsonb_typeof(p_event OPERATOR(pg_catalog.->) 'name') OPERATOR(pg_catalog.=) 'string'
    AND pg_catalog.length(p_event OPERATOR(pg_catalog.->>) 'name') OPERATOR(pg_catalog.>=) 1
    AND pg_catalog.length(p_event OPERATOR(pg_catalog.->>) 'name') OPERATOR(pg_catalog.<=) 255
    AND (p_event OPERATOR(pg_catalog.->>) 'name') OPERATOR(pg_catalog.!~) '[[:cntrl:]]'
    AND p_event OPERATOR(pg_catalog.?) 'payload'
    AND CASE COALESCE(pg_catalog.jsonb_typeof(p_event OPERATOR(pg_catalog.->) 'id'), 'null')
          WHEN 'null' THEN true
          -- The canonical 8-4-4-4-12 form, as check_events' pattern, but ~6x
          -- cheaper than that anchored regular expression: the shape by LIKE,
          -- hex digits and hyphens only, and no hyphen but the four.
          WHEN 'string' THEN (p_event OPERATOR(pg_catalog.->>) 'id') OPERATOR(pg_catalog.~~) '________-____-____-____-____________'
            AND (p_event OPERATOR(pg_catalog.->>) 'id') OPERATOR(pg_catalog.!~) '[^0-9a-fA-F-]'
            AND pg_catalog.length(pg_catalog.replace(p_event OPERATOR(pg_catalog.->>) 'id', '-', '')) OPERATOR(pg_catalog.=) 32
          ELSE false
        END
    AND CASE COALESCE(pg_catalog.jsonb_typeof(p_event OPERATOR(pg_catalog.->) 'occurred_at'), 'null')
          WHEN 'null' THEN true
          WHEN 'string' THEN (p_event OPERATOR(pg_catalog.->>) 'occurred_at') OPERATOR(pg_catalog.~)
            '^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,9})?([Zz]|[+-][0-9]{2}:?[0-9]{2})$'
          ELSE false
        END
    AND CASE COALESCE(pg_catalog.jsonb_typeof(p_event OPERATOR(pg_catalog.->) 'observed_at'), 'null')
          WHEN 'null' THEN true
          WHEN 'string' THEN (p_event OPERATOR(pg_catalog.->>) 'observed_at') OPERATOR(pg_catalog.~)
            '^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,9})?([Zz]|[+-][0-9]{2}:?[0-9]{2})$'
          ELSE false
        END,
    false);
$$;

COMMENT ON FUNCTION pgevents.is_valid_event(jsonb) IS
  'Internal: true when one new event passes every per-event check of pgevents.check_events (fields, name, payload, id, timestamp shapes); inlined by the planner. No locks.';
