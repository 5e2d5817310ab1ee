-- scripts/plpgsql_check_all.sql: check every PL/pgSQL function in the current
-- database with plpgsql_check (errors, plus extra and performance warnings)
-- and fail when anything is found.
--
--   psql -X -q -v ON_ERROR_STOP=1 -d DB -f scripts/plpgsql_check_all.sql
--
-- Each finding is printed as a WARNING naming the function, line and message;
-- then an EXCEPTION makes psql exit non-zero (3 with ON_ERROR_STOP).
-- Functions owned by extensions (pgTAP, plpgsql_check itself) are skipped.
-- Trigger functions are checked against the table of one of their triggers
-- (an unattached trigger function cannot be checked and is reported).
--
-- Suppressed warning classes, each with its reason (keep this list short):
--   * performance "routine is marked as VOLATILE, should be IMMUTABLE/STABLE"
--     when plpgsql_check itself says it "cannot determine volatility of used
--     dynamic SQL": it cannot see what EXECUTE runs (e.g. CREATE INDEX), so it
--     falls back to its weakest guess; a function that runs dynamic SQL is
--     VOLATILE by our rule (its header says why). Without dynamic SQL the
--     warning stays on: a wrong volatility class is a real finding.
SET client_min_messages = warning; -- quiet "extension already exists"
CREATE EXTENSION IF NOT EXISTS plpgsql_check;
RESET client_min_messages;

DO $sweep$
DECLARE
  _r        record;
  _findings int := 0;
  _checked  int := 0;
BEGIN
  FOR _r IN
    SELECT p.oid::regprocedure AS fn,
           p.prorettype = 'pg_catalog.trigger'::pg_catalog.regtype AS is_trigger,
           (SELECT t.tgrelid FROM pg_catalog.pg_trigger t WHERE t.tgfoid = p.oid ORDER BY t.oid LIMIT 1) AS relid
      FROM pg_catalog.pg_proc p
      JOIN pg_catalog.pg_language l ON l.oid = p.prolang AND l.lanname = 'plpgsql'
      JOIN pg_catalog.pg_namespace ns ON ns.oid = p.pronamespace
     WHERE ns.nspname NOT IN ('pg_catalog', 'information_schema')
       AND ns.nspname NOT LIKE 'pg\_toast%'
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                        WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
                          AND d.objid = p.oid AND d.deptype = 'e')
     ORDER BY ns.nspname, p.proname, p.oid
  LOOP
    _checked := _checked + 1;
    IF _r.is_trigger AND _r.relid IS NULL THEN
      RAISE WARNING '% : trigger function is attached to no table, so it cannot be checked', _r.fn;
      _findings := _findings + 1;
      CONTINUE;
    END IF;
    DECLARE
      _c record;
    BEGIN
      FOR _c IN
        SELECT c.*
          FROM plpgsql_check_function_tb(_r.fn::oid,
                 relid => coalesce(_r.relid, 0),
                 fatal_errors => false,
                 extra_warnings => true,
                 performance_warnings => true,
                 other_warnings => true) c
         WHERE NOT (c.level = 'performance'
                    AND c.message LIKE 'routine is marked as VOLATILE, should be %'
                    AND c.detail LIKE '%cannot to determine volatility of used dynamic SQL%')
      LOOP
        RAISE WARNING '%', concat(_c.functionid, ' line ', coalesce(_c.lineno::text, '?'), ': ',
          _c.level, ': ', _c.message, ' (', _c.sqlstate, ')',
          ' [' || _c.statement || ']',
          E'\n  detail: ' || _c.detail,
          E'\n  hint: ' || _c.hint,
          E'\n  query: ' || _c.query);
        _findings := _findings + 1;
      END LOOP;
    END;
  END LOOP;
  IF _findings > 0 THEN
    RAISE EXCEPTION 'plpgsql_check: % finding(s) in % function(s) checked', _findings, _checked;
  END IF;
  RAISE NOTICE 'plpgsql_check: % function(s) checked, no findings', _checked;
END
$sweep$;
