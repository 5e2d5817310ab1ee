-- pgevents.apply_roles: gives the installation's privileges to its configured roles.
--
-- Roles are cluster-wide: with the default names, a member of
-- pgevents_writer may write to every database of the cluster that has
-- pgevents. An installation can name its own roles instead, with the
-- setting roles_prefix (pgevents.settings; `pgevents migrate up
-- --roles-prefix P`, pgevents.MigrateWithOpts): P_reader and P_writer. The
-- migrations and zz_privileges.sql grant to pgevents_reader and
-- pgevents_writer; this function, run last on every migrate (zzz_roles.sql),
-- then moves every privilege those two hold on the pgevents schema and its
-- tables, sequences, columns and routines to P_reader and P_writer (same
-- privilege, same grant option) and revokes it from them, so the default
-- roles keep nothing in this database. It creates P_reader and P_writer
-- (NOLOGIN) when missing, which needs CREATEROLE; existing ones are used
-- when they are group roles (NOLOGIN, not superuser). With the default
-- prefix (pgevents) it does nothing.
-- Parameters: none (reads the setting). Raises PE113 when the prefix is not
-- [a-z][a-z0-9_]{0,47} or an existing role of that name can log in or is a
-- superuser. Locks: the catalog rows it changes. VOLATILE: it grants.
CREATE OR REPLACE FUNCTION pgevents.apply_roles()
  RETURNS void
  LANGUAGE plpgsql
  VOLATILE
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _prefix text := COALESCE(pgevents.setting('roles_prefix') #>> '{}', 'pgevents');
  _pair record;
  _role pg_catalog.pg_roles;
  _grant record;
BEGIN
  IF _prefix !~ '^[a-z][a-z0-9_]{0,47}$' THEN
    PERFORM pgevents.raise_invalid('PE113', 'roles_prefix',
      pg_catalog.format('must match [a-z][a-z0-9_]{0,47} (got %L)', _prefix));
  END IF;
  IF _prefix = 'pgevents' THEN
    RETURN;
  END IF;
  FOR _pair IN SELECT * FROM (VALUES ('pgevents_reader', _prefix || '_reader'), ('pgevents_writer', _prefix || '_writer')) AS p(old, new) LOOP
    SELECT * INTO _role FROM pg_catalog.pg_roles r WHERE r.rolname = _pair.new;
    IF NOT FOUND THEN
      EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', _pair.new);
    ELSIF _role.rolcanlogin OR _role.rolsuper THEN
      PERFORM pgevents.raise_invalid('PE113', 'roles_prefix',
        pg_catalog.format('role %I exists and can log in or is a superuser: the roles of an installation must be group roles (NOLOGIN)', _pair.new));
    END IF;
    CONTINUE WHEN NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = _pair.old);
    FOR _grant IN
      SELECT 'SCHEMA' AS kind, pg_catalog.quote_ident(n.nspname) AS object, a.privilege_type, a.is_grantable, NULL::text AS col
        FROM pg_catalog.pg_namespace n, pg_catalog.aclexplode(n.nspacl) a
       WHERE n.nspname = 'pgevents' AND a.grantee = _pair.old::regrole
      UNION ALL
      SELECT CASE WHEN c.relkind = 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, c.oid::regclass::text, a.privilege_type, a.is_grantable, NULL
        FROM pg_catalog.pg_class c, pg_catalog.aclexplode(c.relacl) a
       WHERE c.relnamespace = 'pgevents'::regnamespace AND a.grantee = _pair.old::regrole
      UNION ALL
      SELECT 'TABLE', c.oid::regclass::text, a.privilege_type, a.is_grantable, pg_catalog.quote_ident(att.attname)
        FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_attribute att ON att.attrelid = c.oid AND att.attacl IS NOT NULL,
             pg_catalog.aclexplode(att.attacl) a
       WHERE c.relnamespace = 'pgevents'::regnamespace AND a.grantee = _pair.old::regrole
      UNION ALL
      SELECT 'ROUTINE', p.oid::regprocedure::text, a.privilege_type, a.is_grantable, NULL
        FROM pg_catalog.pg_proc p, pg_catalog.aclexplode(p.proacl) a
       WHERE p.pronamespace = 'pgevents'::regnamespace AND a.grantee = _pair.old::regrole
    LOOP
      EXECUTE pg_catalog.format('GRANT %s%s ON %s %s TO %I%s', _grant.privilege_type,
        COALESCE(' (' || _grant.col || ')', ''), _grant.kind, _grant.object, _pair.new,
        CASE WHEN _grant.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
      EXECUTE pg_catalog.format('REVOKE %s%s ON %s %s FROM %I', _grant.privilege_type,
        COALESCE(' (' || _grant.col || ')', ''), _grant.kind, _grant.object, _pair.old);
    END LOOP;
  END LOOP;
END;
$$;

COMMENT ON FUNCTION pgevents.apply_roles() IS
  'Internal (run by every migrate, last): moves every privilege pgevents_reader/pgevents_writer hold on the pgevents schema and its objects to <roles_prefix>_reader/_writer (setting roles_prefix), creating them if missing. No-op for the default prefix. SQLSTATE: PE113.';
