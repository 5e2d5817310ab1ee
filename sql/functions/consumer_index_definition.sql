-- pgevents.consumer_index_definition: the CREATE INDEX statement of the consumer bucket index of a category (or the log).
--
-- Parameters: p_category, the category (NULL: the whole log);
-- p_concurrently, whether to build it CONCURRENTLY (default false).
-- Returns the statement. Groups with more than one partition read each
-- bucket as one range of this index:
--   CREATE INDEX [CONCURRENTLY] IF NOT EXISTS events_consumer_<slug>_<hash>_idx
--     ON pgevents.events ((pg_catalog.hashtext(category || E'\x1f' || stream) & 63),
--                         transaction_id, sequence_number)
--     WHERE category = <category>
-- (for the log: events_consumer_log_idx, no WHERE). <slug> is the category
-- in lower case with runs of other characters as "_" (at most 24), <hash>
-- the first 12 hex digits of its md5, so distinct categories never share a
-- name. pgevents.create_consumer_group runs the plain form when the index is
-- missing; on a big table, run the CONCURRENTLY form first, outside a
-- transaction, so appends are not blocked while it builds.
-- Raises PE101 for an invalid category. Locks: none. IMMUTABLE: a function
-- of its arguments.
CREATE OR REPLACE FUNCTION pgevents.consumer_index_definition(p_category text, p_concurrently boolean DEFAULT false)
  RETURNS text
  LANGUAGE plpgsql
  IMMUTABLE
  PARALLEL SAFE
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _name text := 'events_consumer_log_idx';
  _where text := '';
BEGIN
  IF p_category IS NOT NULL THEN
    PERFORM pgevents.check_name('category', p_category);
    _name := 'events_consumer_'
      || pg_catalog.left(pg_catalog.btrim(pg_catalog.regexp_replace(pg_catalog.lower(p_category), '[^a-z0-9]+', '_', 'g'), '_'), 24)
      || '_' || pg_catalog.left(pg_catalog.md5(p_category), 12) || '_idx';
    _where := pg_catalog.format(' WHERE category = %L', p_category);
  END IF;
  RETURN pg_catalog.format(
    'CREATE INDEX %sIF NOT EXISTS %I ON pgevents.events ((pg_catalog.hashtext(category || E''\x1f'' || stream) & 63), transaction_id, sequence_number)%s',
    CASE WHEN COALESCE(p_concurrently, false) THEN 'CONCURRENTLY ' ELSE '' END, _name, _where);
END;
$$;

COMMENT ON FUNCTION pgevents.consumer_index_definition(text, boolean) IS
  'The CREATE INDEX statement of the partial consumer bucket index of a category (NULL: the log), optionally CONCURRENTLY. Groups with several partitions read through it. No locks. SQLSTATE: PE101.';
