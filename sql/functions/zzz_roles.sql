-- Roles of this installation, applied after every other function file (the
-- lexical order puts it after zz_privileges.sql, whose grants it moves).
--
-- Not a function file: it calls pgevents.apply_roles(), which moves the
-- grants made to pgevents_reader and pgevents_writer (by the migrations and
-- zz_privileges.sql) to <roles_prefix>_reader and <roles_prefix>_writer when
-- the installation has its own roles (setting roles_prefix; see
-- sql/functions/apply_roles.sql). With the default prefix it does nothing.
-- Keep this file last: grants added after it would stay with the default roles.
SELECT pgevents.apply_roles();
