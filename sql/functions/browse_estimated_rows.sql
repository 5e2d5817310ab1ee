-- pgevents.browse_estimated_rows: the planner's estimate of a table's row count.
--
-- Parameters: p_table, the table.
-- Returns pg_class.reltuples scaled by the table's current size over its
-- size when the statistics were taken (what the planner does), rounded; NULL
-- when the table was never vacuumed or analyzed (reltuples = -1) or p_table
-- is NULL.
-- Internal (owner-only): the public browse_* functions call it. Raises
-- nothing. Locks: none (catalog read and pg_relation_size). STABLE: reads
-- only (the size changes between statements).
CREATE OR REPLACE FUNCTION pgevents.browse_estimated_rows(p_table regclass)
  RETURNS bigint
  LANGUAGE sql
  STABLE
  STRICT
  PARALLEL SAFE
  SET search_path = pgevents, pg_temp
AS $$
  SELECT CASE
           WHEN c.reltuples < 0 THEN NULL
           WHEN c.relpages > 0 THEN pg_catalog.round(c.reltuples::float8 / c.relpages
             * (pg_catalog.pg_relation_size(c.oid) / pg_catalog.current_setting('block_size')::bigint)::float8)::bigint
           ELSE pg_catalog.round(c.reltuples::float8)::bigint
         END
    FROM pg_catalog.pg_class c
   WHERE c.oid = p_table;
$$;

COMMENT ON FUNCTION pgevents.browse_estimated_rows(regclass) IS
  'Internal: the planner''s row-count estimate of a table (reltuples scaled to its current size); NULL if never analyzed. No locks.';
