-- pgevents: privileges and installation (migration 00005).

-- The roles of this installation: <roles_prefix>_reader and
-- <roles_prefix>_writer (roles are cluster-wide; see
-- sql/functions/apply_roles.sql). pgevents.MigrateWithOpts (CLI: --roles-prefix)
-- sets it before the functions are installed.
INSERT INTO pgevents.settings (name, value, description) VALUES
  ('roles_prefix', '"pgevents"',
   'Prefix of this installation''s roles: <prefix>_reader and <prefix>_writer (default pgevents). Set it at the first migrate (pgevents migrate up --roles-prefix P, or UPDATE before installing the functions); every migrate then moves the grants to those roles (pgevents.apply_roles). Changing it later is refused by migrate.')
  ON CONFLICT (name) DO NOTHING;

-- Functions added to the pgevents schema later (by hand, by an extension
-- created in it, or moved into it) are not executable by PUBLIC: the
-- schema grants USAGE to the pgevents roles, so PUBLIC's default EXECUTE
-- would let every reader and writer call them. (A per-schema ALTER DEFAULT
-- PRIVILEGES ... IN SCHEMA pgevents REVOKE cannot do it: per-schema default
-- privileges only add to the global ones.) A superuser installing pgevents
-- gets an event trigger that revokes it from each new routine of the schema,
-- whoever creates it, without touching anything else. Any other role gets
-- its own default privileges changed, in this database: routines it creates
-- afterwards, in any schema, are not executable by PUBLIC until granted (run
-- pgevents as a role of its own, see the README's security section).
CREATE FUNCTION pgevents.revoke_public_execute() RETURNS event_trigger
  LANGUAGE plpgsql
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _routine regprocedure;
BEGIN
  FOR _routine IN
    SELECT DISTINCT c.objid::regprocedure
      FROM pg_catalog.pg_event_trigger_ddl_commands() c
      JOIN pg_catalog.pg_proc p ON p.oid = c.objid
     WHERE c.classid = 'pg_catalog.pg_proc'::regclass
       AND p.pronamespace = 'pgevents'::regnamespace
  LOOP
    EXECUTE pg_catalog.format('REVOKE EXECUTE ON ROUTINE %s FROM PUBLIC', _routine);
  END LOOP;
END;
$$;

COMMENT ON FUNCTION pgevents.revoke_public_execute() IS
  'Event trigger (pgevents_revoke_public_execute, superuser installs): revokes EXECUTE from PUBLIC on every routine created in, altered in or moved into the pgevents schema.';

REVOKE ALL ON FUNCTION pgevents.revoke_public_execute() FROM PUBLIC;

DO $$
BEGIN
  IF (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user) THEN
    CREATE EVENT TRIGGER pgevents_revoke_public_execute ON ddl_command_end
      WHEN TAG IN ('CREATE FUNCTION', 'CREATE PROCEDURE', 'CREATE AGGREGATE', 'ALTER FUNCTION',
                   'ALTER PROCEDURE', 'ALTER AGGREGATE', 'ALTER ROUTINE', 'CREATE EXTENSION', 'ALTER EXTENSION')
      EXECUTE FUNCTION pgevents.revoke_public_execute();
  ELSE
    ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
  END IF;
END
$$;
