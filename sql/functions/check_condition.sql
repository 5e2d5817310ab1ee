-- pgevents.check_condition: validates a whole write condition before anything is locked.
--
-- Parameters: p_condition (see pgevents.evaluate_condition for the forms),
-- p_field (where it sits in the request, for error messages).
-- Walks the whole tree, so a malformed branch is refused even when another
-- branch would decide the result (evaluation short-circuits; validation
-- never does). Every custom type must be registered and its function must
-- still exist.
-- Raises PE103 naming the first invalid field. Locks: none. STABLE: reads
-- pgevents.condition_types.
CREATE OR REPLACE FUNCTION pgevents.check_condition(p_condition jsonb, p_field text DEFAULT 'condition')
  RETURNS void
  LANGUAGE plpgsql
  STABLE
AS $$
DECLARE
  _type text;
  _child jsonb;
  _position jsonb;
  _registered boolean;
  _function regproc;
  _i int := 0;
BEGIN
  IF p_condition IS NULL OR pg_catalog.jsonb_typeof(p_condition) = 'null' THEN
    RETURN;
  END IF;
  IF pg_catalog.jsonb_typeof(p_condition) <> 'object' THEN
    PERFORM pgevents.raise_invalid('PE103', p_field, 'must be a JSON object with a "type"');
  END IF;
  IF pg_catalog.jsonb_typeof(p_condition -> 'type') IS DISTINCT FROM 'string' THEN
    PERFORM pgevents.raise_invalid('PE103', p_field || '.type', 'is required and must be a string');
  END IF;
  _type := p_condition ->> 'type';
  CASE _type
    WHEN 'none', 'stream_is_empty', 'stream_exists' THEN
      NULL;
    WHEN 'position_is' THEN
      IF NOT p_condition ? 'position' THEN
        PERFORM pgevents.raise_invalid('PE103', p_field || '.position', 'is required (a number, or null for an empty stream)');
      END IF;
      _position := p_condition -> 'position';
      IF pg_catalog.jsonb_typeof(_position) <> 'null'
         AND (pg_catalog.jsonb_typeof(_position) <> 'number' OR _position::text !~ '^[0-9]{1,18}$') THEN
        PERFORM pgevents.raise_invalid('PE103', p_field || '.position', 'must be a non-negative integer or null');
      END IF;
    WHEN 'and', 'or' THEN
      IF pg_catalog.jsonb_typeof(p_condition -> 'conditions') IS DISTINCT FROM 'array' THEN
        PERFORM pgevents.raise_invalid('PE103', p_field || '.conditions', 'must be an array');
      END IF;
      FOR _child IN SELECT c FROM pg_catalog.jsonb_array_elements(p_condition -> 'conditions') AS c LOOP
        PERFORM pgevents.check_condition(_child, pg_catalog.format('%s.conditions[%s]', p_field, _i));
        _i := _i + 1;
      END LOOP;
    ELSE
      SELECT true, p.oid::regproc INTO _registered, _function
        FROM pgevents.condition_types ct
        LEFT JOIN pg_catalog.pg_proc p ON p.oid = ct.function::oid
       WHERE ct.type = _type;
      IF _registered IS NULL THEN
        PERFORM pgevents.raise_invalid('PE103', p_field || '.type',
          pg_catalog.format('unknown condition type %L (built in: none, position_is, stream_is_empty, stream_exists, and, or; others must be registered with pgevents.register_condition_type)', _type));
      ELSIF _function IS NULL THEN
        PERFORM pgevents.raise_invalid('PE103', p_field || '.type',
          pg_catalog.format('the function registered for condition type %L no longer exists; register it again', _type));
      END IF;
  END CASE;
END;
$$;

COMMENT ON FUNCTION pgevents.check_condition(jsonb, text) IS
  'Internal: validates a whole write condition tree (never short-circuits); raises PE103 naming the first invalid field. No locks.';
