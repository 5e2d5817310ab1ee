-- pgevents.check_condition: validates a whole write condition before anything is locked.
--
-- Parameters: p_condition (see pgevents.evaluate_condition for the forms),
-- p_field (where it sits in the request, for error messages).
-- First the size limits, so a hostile condition costs little and never
-- reaches the stream lock: at most 65536 bytes as JSON (its jsonb text
-- form), at most 32 levels of and/or nesting (the condition itself is level
-- 1), at most 1000 conditions in all (and/or included). These are fixed (the
-- in-memory adapter and the Go Condition.Validate apply the same ones).
-- Then every node, in depth-first order, so the first invalid field is
-- named: a malformed branch is refused even when another branch would
-- decide the result (evaluation short-circuits; validation never does).
-- Every custom type must be registered, its function must still exist and
-- be owned by the owner of the pgevents schema (a function another role
-- owns could have been replaced by that role; it would run as the owner).
-- Both walks are loops over arrays that grow in place (no call per node):
-- linear in the number of nodes.
-- Raises PE103 naming the first invalid field. Locks: none. STABLE: reads
-- pgevents.condition_types and the catalogs.
CREATE OR REPLACE FUNCTION pgevents.check_condition(p_condition jsonb, p_field text DEFAULT 'condition')
  RETURNS void
  LANGUAGE plpgsql
  STABLE
-- No SET clause: it runs on every append with a condition, and a SET clause
-- costs a GUC save and restore per call (~5 us here). Every name is
-- schema-qualified, and its callers (SECURITY DEFINER) pin search_path.
AS $$
DECLARE
  c_max_bytes CONSTANT int := 65536;
  c_max_depth CONSTANT int := 32;
  c_max_nodes CONSTANT int := 1000;
  _bytes int;
  _nodes jsonb[];
  _depths int[];
  _count int := 1;
  _deepest int := 1;
  _i int := 1;
  _node jsonb;
  _field text;
  _children jsonb;
  _child jsonb;
  _fields text[];
  _top int;
  _type text;
  _position jsonb;
  _registered boolean;
  _function regprocedure;
  _function_owner oid;
  _owner oid;
BEGIN
  IF p_condition IS NULL OR pg_catalog.jsonb_typeof(p_condition) = 'null' THEN
    RETURN;
  END IF;
  _bytes := pg_catalog.octet_length(p_condition::text);
  IF _bytes > c_max_bytes THEN
    PERFORM pgevents.raise_invalid('PE103', p_field,
      pg_catalog.format('is larger than %s bytes as JSON (got %s)', c_max_bytes, _bytes));
  END IF;

  -- 1. The limits: every node, breadth first, counted with its depth; no
  -- node deeper than c_max_depth + 1 is read. Arrays grow in place (linear).
  _nodes := ARRAY[p_condition];
  _depths := ARRAY[1];
  WHILE _i <= _count AND p_condition ->> 'type' IN ('and', 'or') LOOP -- a leaf: one node, one level
    _node := _nodes[_i];
    IF _depths[_i] <= c_max_depth AND pg_catalog.jsonb_typeof(_node) = 'object'
       AND _node ->> 'type' IN ('and', 'or') AND pg_catalog.jsonb_typeof(_node -> 'conditions') = 'array' THEN
      FOR _child IN SELECT c.value FROM pg_catalog.jsonb_array_elements(_node -> 'conditions') AS c LOOP
        _count := _count + 1;
        _nodes[_count] := _child;
        _depths[_count] := _depths[_i] + 1;
        _deepest := GREATEST(_deepest, _depths[_count]);
      END LOOP;
    END IF;
    _i := _i + 1;
  END LOOP;
  IF _deepest > c_max_depth THEN
    PERFORM pgevents.raise_invalid('PE103', p_field,
      pg_catalog.format('nests and/or conditions deeper than %s levels', c_max_depth));
  END IF;
  IF _count > c_max_nodes THEN
    PERFORM pgevents.raise_invalid('PE103', p_field,
      pg_catalog.format('has more than %s conditions (got %s, and/or included)', c_max_nodes, _count));
  END IF;

  -- 2. Every node, depth first (a stack), so the first invalid field in
  -- reading order is named.
  _nodes := ARRAY[p_condition];
  _fields := ARRAY[p_field];
  _top := 1;
  WHILE _top > 0 LOOP
    _node := _nodes[_top];
    _field := _fields[_top];
    _top := _top - 1;
    CONTINUE WHEN pg_catalog.jsonb_typeof(_node) = 'null';
    IF pg_catalog.jsonb_typeof(_node) <> 'object' THEN
      PERFORM pgevents.raise_invalid('PE103', _field, 'must be a JSON object with a "type"');
    END IF;
    IF pg_catalog.jsonb_typeof(_node -> 'type') IS DISTINCT FROM 'string' THEN
      PERFORM pgevents.raise_invalid('PE103', _field || '.type', 'is required and must be a string');
    END IF;
    _type := _node ->> 'type';
    CASE _type
      WHEN 'none', 'stream_is_empty', 'stream_exists' THEN
        NULL;
      WHEN 'position_is' THEN
        IF NOT _node ? 'position' THEN
          PERFORM pgevents.raise_invalid('PE103', _field || '.position', 'is required (a number, or null for an empty stream)');
        END IF;
        _position := _node -> 'position';
        IF pg_catalog.jsonb_typeof(_position) <> 'null'
           AND (pg_catalog.jsonb_typeof(_position) <> 'number' OR _position::text !~ '^[0-9]{1,18}$') THEN
          PERFORM pgevents.raise_invalid('PE103', _field || '.position', 'must be a non-negative integer or null');
        END IF;
      WHEN 'and', 'or' THEN
        _children := _node -> 'conditions';
        IF pg_catalog.jsonb_typeof(_children) IS DISTINCT FROM 'array' THEN
          PERFORM pgevents.raise_invalid('PE103', _field || '.conditions', 'must be an array');
        END IF;
        FOR _k IN REVERSE pg_catalog.jsonb_array_length(_children) - 1 .. 0 LOOP -- pushed last to first: popped in order
          _top := _top + 1;
          _nodes[_top] := _children -> _k;
          _fields[_top] := _field || '.conditions[' || _k || ']';
        END LOOP;
      ELSE
        _registered := NULL;
        _function := NULL;
        SELECT true, p.oid::regprocedure, p.proowner INTO _registered, _function, _function_owner
          FROM pgevents.condition_types ct
          LEFT JOIN pg_catalog.pg_proc p ON p.oid = ct.function::oid
         WHERE ct.type = _type;
        IF _registered IS NULL THEN
          PERFORM pgevents.raise_invalid('PE103', _field || '.type',
            pg_catalog.format('unknown condition type %L (built in: none, position_is, stream_is_empty, stream_exists, and, or; others must be registered with pgevents.register_condition_type)', _type));
        ELSIF _function IS NULL THEN
          PERFORM pgevents.raise_invalid('PE103', _field || '.type',
            pg_catalog.format('the function registered for condition type %L no longer exists; register it again', _type));
        END IF;
        IF _owner IS NULL THEN
          SELECT n.nspowner INTO _owner FROM pg_catalog.pg_namespace n WHERE n.nspname = 'pgevents';
        END IF;
        IF _function_owner IS DISTINCT FROM _owner THEN
          PERFORM pgevents.raise_invalid('PE103', _field || '.type',
            pg_catalog.format('the function registered for condition type %L (%s) is owned by %s, not by the owner of the pgevents schema: it is never run (register a function the owner owns)',
              _type, _function, _function_owner::regrole));
        END IF;
    END CASE;
  END LOOP;
END;
$$;

COMMENT ON FUNCTION pgevents.check_condition(jsonb, text) IS
  'Internal: validates a whole write condition tree before any lock (size limits: 65536 bytes as JSON, 32 levels, 1000 conditions; then every node, never short-circuiting; custom functions must be owned by the schema owner); raises PE103 naming the first invalid field. No locks.';
