-- pgevents.projection_keys: compiles a query-language path to the SQL expressions that compare and sort it.
--
-- Parameters:
--   p_path   the path (docs/query-language.md): a JSON array whose element 0
--            is id, name, source, state or metadata, followed by object keys
--            (strings) and array indices (integers 0..2147483647)
--   p_field  the query field holding the path, for errors (e.g. 'filters[0].path')
--   p_alias  the table alias to qualify columns with ('' for none, as in an
--            index definition); internal callers pass only 'p' or ''
-- Returns text[4]: the value expression E (jsonb; SQL NULL when the path is
-- missing) and the three sort keys, all NOT NULL, that every comparison and
-- sort is compiled to, so that one btree index over them
-- (pgevents.add_projection_index) serves equality, ranges, sorts and key-set
-- paging:
--   [2] K0 integer: 1 when E is missing or JSON null, else 0 (so nulls sort
--                   last; an integer, not a boolean, because the planner
--                   rewrites NOT (x IS NULL) into a non-indexable x IS NOT NULL)
--   [3] K1 jsonb:   E, with every string replaced by "" (so strings sort
--                   together, before numbers, booleans, arrays and objects,
--                   in jsonb order), an array wrapped in a one-element array
--                   (jsonb sorts a top-level empty array before everything;
--                   nested, it sorts as the shortest array, after booleans)
--                   and a missing/JSON null value by null
--   [4] K2 text COLLATE "C": the string's text for strings, '' otherwise
--                   (byte order, whatever the database collation)
-- For id and name (text columns, COLLATE "C") the keys are constants and the
-- column itself, so the primary key serves them.
-- A key step is jsonb -> key (NULL on anything but an object). An index step
-- is pg_catalog.jsonb_path_query_first(x, 'strict $[i]', '{}', true): NULL on
-- anything but an array. (jsonb -> i would read a scalar as a one-element
-- array: '1'::jsonb -> 0 is 1, where the query language says "missing".)
-- Object keys are quoted with format(%L); indices are validated integers.
-- Limits (docs/query-language.md): at most 32 steps after the field, object
-- keys of at most 256 bytes.
-- Raises PE110 (invalid query) naming p_field or p_field[i] for a malformed
-- or over-long path.
-- Locks: none. IMMUTABLE: depends on its arguments only.
CREATE OR REPLACE FUNCTION pgevents.projection_keys(p_path jsonb, p_field text, p_alias text DEFAULT 'p')
  RETURNS text[]
  LANGUAGE plpgsql
  IMMUTABLE
  PARALLEL SAFE
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _prefix text := CASE WHEN p_alias = '' THEN '' ELSE pg_catalog.quote_ident(p_alias) || '.' END;
  _root text;
  _expr text;
  _el jsonb;
  _n numeric;
BEGIN
  IF p_path IS NULL OR pg_catalog.jsonb_typeof(p_path) <> 'array' OR pg_catalog.jsonb_array_length(p_path) = 0 THEN
    PERFORM pgevents.raise_invalid('PE110', p_field,
      'must be a non-empty array: id, name, source, state or metadata, then object keys and array indices');
  END IF;
  IF pg_catalog.jsonb_array_length(p_path) - 1 > 32 THEN
    PERFORM pgevents.raise_invalid('PE110', p_field,
      pg_catalog.format('must have at most 32 keys and indices after the field (got %s)', pg_catalog.jsonb_array_length(p_path) - 1));
  END IF;
  IF pg_catalog.jsonb_typeof(p_path -> 0) IS DISTINCT FROM 'string'
     OR (p_path ->> 0) NOT IN ('id', 'name', 'source', 'state', 'metadata') THEN
    PERFORM pgevents.raise_invalid('PE110', p_field || '[0]',
      pg_catalog.format('must be one of id, name, source, state, metadata (got %s)', p_path -> 0));
  END IF;
  _root := p_path ->> 0;
  IF _root IN ('id', 'name') THEN
    IF pg_catalog.jsonb_array_length(p_path) > 1 THEN
      PERFORM pgevents.raise_invalid('PE110', p_field, pg_catalog.format('%s takes no further elements', _root));
    END IF;
    RETURN ARRAY[
      pg_catalog.format('pg_catalog.to_jsonb(%s%I)', _prefix, _root),
      '0::integer',
      '''""''::jsonb',
      pg_catalog.format('%s%I', _prefix, _root)];
  END IF;
  _expr := _prefix || _root;
  FOR _i IN 1 .. pg_catalog.jsonb_array_length(p_path) - 1 LOOP
    _el := p_path -> _i;
    CASE pg_catalog.jsonb_typeof(_el)
      WHEN 'string' THEN
        IF pg_catalog.octet_length(_el #>> '{}') > 256 THEN
          PERFORM pgevents.raise_invalid('PE110', pg_catalog.format('%s[%s]', p_field, _i),
            pg_catalog.format('an object key must be at most 256 bytes (got %s)', pg_catalog.octet_length(_el #>> '{}')));
        END IF;
        _expr := pg_catalog.format('%s -> %L::text', _expr, _el #>> '{}');
      WHEN 'number' THEN
        _n := (_el #>> '{}')::numeric;
        IF _n <> pg_catalog.trunc(_n) OR _n < 0 OR _n > 2147483647 THEN
          PERFORM pgevents.raise_invalid('PE110', pg_catalog.format('%s[%s]', p_field, _i),
            pg_catalog.format('an array index must be an integer from 0 to 2147483647 (got %s)', _el));
        END IF;
        _expr := pg_catalog.format('pg_catalog.jsonb_path_query_first(%s, ''strict $[%s]''::jsonpath, ''{}''::jsonb, true)',
          _expr, _n::integer);
      ELSE
        PERFORM pgevents.raise_invalid('PE110', pg_catalog.format('%s[%s]', p_field, _i),
          pg_catalog.format('must be an object key (string) or an array index (integer) (got %s)', _el));
    END CASE;
  END LOOP;
  _expr := '(' || _expr || ')';
  RETURN ARRAY[
    _expr,
    pg_catalog.format('(CASE WHEN NULLIF(%s, ''null''::jsonb) IS NULL THEN 1 ELSE 0 END)', _expr),
    pg_catalog.format('COALESCE(CASE pg_catalog.jsonb_typeof(%1$s) WHEN ''string'' THEN ''""''::jsonb WHEN ''array'' THEN pg_catalog.jsonb_set(''[null]''::jsonb, ''{0}''::text[], %1$s) ELSE %1$s END, ''null''::jsonb)', _expr),
    pg_catalog.format('(CASE WHEN pg_catalog.jsonb_typeof(%1$s) = ''string'' THEN %1$s #>> ''{}''::text[] ELSE ''''::text END) COLLATE "C"', _expr)];
END;
$$;

COMMENT ON FUNCTION pgevents.projection_keys(jsonb, text, text) IS
  'Internal: compiles a query-language path to {value expression, K0, K1, K2} (see the file header). SQLSTATE: PE110.';
