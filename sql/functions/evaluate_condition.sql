-- pgevents.evaluate_condition: evaluates a write condition against a stream's latest event.
--
-- Parameters:
--   p_condition  the condition as JSONB (NULL or {"type":"none"} = always met):
--                {"type":"position_is","position":N|null}  latest position is N (null: stream empty)
--                {"type":"stream_is_empty"}                 the stream has no event
--                {"type":"stream_exists"}                   the stream has an event
--                {"type":"and","conditions":[...]}          all met (empty: met)
--                {"type":"or","conditions":[...]}           at least one met (empty: not met)
--                {"type":"<registered>", ...}               a pgevents.condition_types function
--   p_category, p_stream  the target stream
--   p_latest     the stream's latest event (all fields NULL when the stream is empty)
--   p_field      where the condition sits in the request, for error messages
-- Returns NULL when the condition is met; otherwise a JSONB failure
-- {"code": SQLSTATE, "condition": the failed condition[, "failures": [...]]}
-- naming the innermost failed condition (the first failed one of an "and").
-- The condition must have passed pgevents.check_condition (write_stream
-- validates before locking); evaluation short-circuits "and"/"or". A custom
-- condition's function receives (category, stream, latest event, condition)
-- and returns boolean; only registered functions owned by the owner of the
-- pgevents schema are ever called. An "or" collects its failures in an
-- array (linear in the number of alternatives).
-- Locks: none of its own (the caller holds the stream lock). VOLATILE: a
-- custom condition may read anything.
CREATE OR REPLACE FUNCTION pgevents.evaluate_condition(
  p_condition jsonb,
  p_category text,
  p_stream text,
  p_latest pgevents.events,
  p_field text DEFAULT 'condition'
)
  RETURNS jsonb
  LANGUAGE plpgsql
  VOLATILE
AS $$
DECLARE
  _type text;
  _child jsonb;
  _failure jsonb;
  _failures jsonb[] := ARRAY[]::jsonb[];
  _position jsonb;
  _call text;
  _met boolean;
  _i int := 0;
BEGIN
  IF p_condition IS NULL OR pg_catalog.jsonb_typeof(p_condition) = 'null' THEN
    RETURN NULL;
  END IF;
  IF pg_catalog.jsonb_typeof(p_condition) <> 'object' THEN
    PERFORM pgevents.raise_invalid('PE103', p_field, 'must be a JSON object with a "type"');
  END IF;
  _type := p_condition ->> 'type';

  CASE _type
    WHEN 'none' THEN
      RETURN NULL;

    WHEN 'position_is' THEN
      IF NOT p_condition ? 'position' THEN
        PERFORM pgevents.raise_invalid('PE103', p_field || '.position', 'is required (a number, or null for an empty stream)');
      END IF;
      _position := p_condition -> 'position';
      IF pg_catalog.jsonb_typeof(_position) = 'null' THEN
        IF p_latest.position IS NULL THEN
          RETURN NULL;
        END IF;
      ELSIF pg_catalog.jsonb_typeof(_position) <> 'number'
            OR _position::text !~ '^[0-9]+$' OR pg_catalog.length(_position::text) > 18 THEN
        PERFORM pgevents.raise_invalid('PE103', p_field || '.position', 'must be a non-negative integer or null');
      ELSIF p_latest.position IS NOT DISTINCT FROM (_position::text)::bigint THEN
        RETURN NULL;
      END IF;
      RETURN pg_catalog.jsonb_build_object('code', 'PE001', 'condition', p_condition);

    WHEN 'stream_is_empty' THEN
      IF p_latest.position IS NULL THEN
        RETURN NULL;
      END IF;
      RETURN pg_catalog.jsonb_build_object('code', 'PE002', 'condition', p_condition);

    WHEN 'stream_exists' THEN
      IF p_latest.position IS NOT NULL THEN
        RETURN NULL;
      END IF;
      RETURN pg_catalog.jsonb_build_object('code', 'PE003', 'condition', p_condition);

    WHEN 'and', 'or' THEN
      IF pg_catalog.jsonb_typeof(p_condition -> 'conditions') IS DISTINCT FROM 'array' THEN
        PERFORM pgevents.raise_invalid('PE103', p_field || '.conditions', 'must be an array');
      END IF;
      FOR _child IN SELECT c FROM pg_catalog.jsonb_array_elements(p_condition -> 'conditions') AS c LOOP
        _failure := pgevents.evaluate_condition(_child, p_category, p_stream, p_latest,
          pg_catalog.format('%s.conditions[%s]', p_field, _i));
        _i := _i + 1;
        IF _type = 'and' AND _failure IS NOT NULL THEN
          RETURN _failure;
        ELSIF _type = 'or' THEN
          IF _failure IS NULL THEN
            RETURN NULL;
          END IF;
          _failures[_i] := _failure; -- in place: linear, unlike jsonb || in a loop
        END IF;
      END LOOP;
      IF _type = 'and' THEN
        RETURN NULL;
      END IF;
      RETURN pg_catalog.jsonb_build_object('code', 'PE005', 'condition', p_condition,
        'failures', pg_catalog.to_jsonb(_failures));

    ELSE
      IF _type IS NULL THEN
        PERFORM pgevents.raise_invalid('PE103', p_field || '.type', 'is required');
      END IF;
      -- Only a function the owner of the pgevents schema owns (checked again
      -- here, not only at registration and in check_condition), called by
      -- its schema-qualified name with the exact argument types.
      SELECT pg_catalog.format('SELECT %I.%I($1, $2, $3, $4)', fn.nspname, p.proname) INTO _call
        FROM pgevents.condition_types ct
        JOIN pg_catalog.pg_proc p ON p.oid = ct.function::oid
        JOIN pg_catalog.pg_namespace fn ON fn.oid = p.pronamespace
        JOIN pg_catalog.pg_namespace n ON n.nspname = 'pgevents' AND n.nspowner = p.proowner
       WHERE ct.type = _type;
      IF _call IS NULL THEN
        PERFORM pgevents.check_condition(p_condition, p_field); -- raises the precise PE103
        PERFORM pgevents.raise_invalid('PE103', p_field || '.type', pg_catalog.format('condition type %L cannot be used', _type));
      END IF;
      EXECUTE _call INTO _met USING p_category, p_stream, p_latest, p_condition;
      IF _met IS TRUE THEN
        RETURN NULL;
      END IF;
      RETURN pg_catalog.jsonb_build_object('code', 'PE004', 'condition', p_condition);
  END CASE;
END;
$$;

COMMENT ON FUNCTION pgevents.evaluate_condition(jsonb, text, text, pgevents.events, text) IS
  'Evaluates a write condition against a stream''s latest event: NULL when met, else {"code","condition"} naming the failed condition. Raises PE103 for a malformed or unregistered condition. No locks of its own.';
