-- pgevents.register_condition_type: registers (or replaces) a custom write condition type.
--
-- Parameters: p_type, the name conditions use in "type" (lowercase
-- [a-z][a-z0-9_]*, not a built-in name); p_function, a function with the
-- signature (text, text, pgevents.events, jsonb) RETURNS boolean that gets the
-- category, the stream, its latest event (all fields NULL when the stream is
-- empty) and the whole condition object, and returns true when it is met.
-- It runs inside the append, under the stream lock, with the privileges of
-- the pgevents functions' owner, so the function must be owned by the owner
-- of the pgevents schema: a function another role owns could be replaced by
-- that role (CREATE OR REPLACE) after registration and would then run as the
-- owner. pgevents.check_condition checks the ownership again on every append.
-- Whatever the function calls runs as the owner too: keep it, and what it
-- calls, in schemas only trusted roles can create in. Only the owner (not
-- pgevents_writer) may register.
-- The registry does not pin the function: if it is dropped, conditions of
-- this type fail with PE103 until it is registered again.
-- Raises PE108 for a bad name, a function of the wrong signature or a
-- function not owned by the owner of the pgevents schema.
-- Locks: a row lock on pgevents.condition_types. VOLATILE: it writes.
CREATE OR REPLACE FUNCTION pgevents.register_condition_type(p_type text, p_function regprocedure)
  RETURNS void
  LANGUAGE plpgsql
  VOLATILE
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _proc pg_catalog.pg_proc;
  _owner oid;
BEGIN
  IF p_type IS NULL OR p_type !~ '^[a-z][a-z0-9_]{0,62}$'
     OR p_type IN ('none', 'position_is', 'stream_is_empty', 'stream_exists', 'and', 'or') THEN
    PERFORM pgevents.raise_invalid('PE108', 'type',
      pg_catalog.format('must match [a-z][a-z0-9_]* and not be a built-in type (got %L)', p_type));
  END IF;
  SELECT * INTO _proc FROM pg_catalog.pg_proc p WHERE p.oid = p_function;
  IF NOT FOUND OR _proc.prorettype <> 'boolean'::regtype OR _proc.proretset
     OR ARRAY(SELECT pg_catalog.unnest(_proc.proargtypes::oid[])) <> ARRAY['text'::regtype, 'text'::regtype, 'pgevents.events'::regtype, 'jsonb'::regtype]::oid[] THEN
    PERFORM pgevents.raise_invalid('PE108', 'function',
      pg_catalog.format('%s must have the signature (text, text, pgevents.events, jsonb) RETURNS boolean', p_function));
  END IF;
  SELECT n.nspowner INTO _owner FROM pg_catalog.pg_namespace n WHERE n.nspname = 'pgevents';
  IF _proc.proowner IS DISTINCT FROM _owner THEN
    PERFORM pgevents.raise_invalid('PE108', 'function',
      pg_catalog.format('%s is owned by %s, not by %s, the owner of the pgevents schema: a condition runs with the owner''s privileges, '
        'so only the owner''s own functions may be registered (review it, then ALTER FUNCTION ... OWNER TO %s)',
        p_function, _proc.proowner::regrole, _owner::regrole, _owner::regrole));
  END IF;
  INSERT INTO pgevents.condition_types AS ct (type, function) VALUES (p_type, p_function)
    ON CONFLICT (type) DO UPDATE SET function = EXCLUDED.function;
END;
$$;

COMMENT ON FUNCTION pgevents.register_condition_type(text, regprocedure) IS
  'Registers a custom write condition type backed by a (text, text, pgevents.events, jsonb) RETURNS boolean function owned by the owner of the pgevents schema. Owner only. SQLSTATE: PE108.';
