-- pgevents.locate_projection: the one projection of a name whose source is a given identifier.
--
-- Parameters: p_name, the projector's name; p_source, an identifier JSON
-- (SPEC §1), compared in its normal form (pgevents.projection_source).
-- Returns zero rows (none) or one row of pgevents.projections. The lookup
-- uses the index projections_name_source_idx on (name, md5(source::text)):
-- a hash, so that sources of long names fit in a btree entry.
-- Raises PE111 (ambiguous) when several projections of the name have that
-- source (DETAIL {"field": "source", "reason", "ids": [two of them]}),
-- PE101 (invalid name, or source category/stream name), PE104 (invalid
-- source identifier).
-- Locks: none (a plain MVCC read). STABLE: reads only.
CREATE OR REPLACE FUNCTION pgevents.locate_projection(p_name text, p_source jsonb)
  RETURNS SETOF pgevents.projections
  LANGUAGE plpgsql
  STABLE
  PARALLEL SAFE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _source jsonb;
  _ids text[];
BEGIN
  PERFORM pgevents.check_name('name', p_name);
  _source := pgevents.projection_source(p_source, 'source');
  SELECT pg_catalog.array_agg(s.id) INTO _ids FROM (
    SELECT p.id FROM pgevents.projections p
     WHERE p.name = p_name AND pg_catalog.md5(p.source::text) = pg_catalog.md5(_source::text) AND p.source = _source
     ORDER BY p.id LIMIT 2) s;
  IF pg_catalog.cardinality(_ids) > 1 THEN
    RAISE EXCEPTION 'pgevents: ambiguous projection lookup: several projections % have the source %', p_name, _source
      USING ERRCODE = 'PE111',
            DETAIL = pg_catalog.jsonb_build_object('field', 'source', 'reason', 'more than one projection has this source',
                                                  'ids', pg_catalog.to_jsonb(_ids))::text,
            HINT = 'Load the projection by id, or search.';
  END IF;
  RETURN QUERY SELECT * FROM pgevents.projections p WHERE p.name = p_name AND p.id = _ids[1];
END;
$$;

COMMENT ON FUNCTION pgevents.locate_projection(text, jsonb) IS
  'Locates the projection of a name with a given source: zero or one row. No locks. SQLSTATEs: PE111 ambiguous, PE101, PE104.';
