-- pgevents.compile_projection_query: validates a projection query and compiles it to one SQL statement.
--
-- Parameters:
--   p_query  the query (docs/query-language.md): {"name", "filters", "sort", "page"}
--   p_mode   'search' (the page of rows, SELECT p.* in sort order) or 'count'
--            (SELECT count(*) of the filters' matches; sort and page are
--            validated but ignored)
-- Returns the statement text. Its parameters $1..$74 (all jsonb) are the
-- query's values, each its own parameter (pgevents.projection_query_params
-- builds them): $1 the name, $2 the page object, $3 + i the value of
-- filters[i], $67 + j the similarity text of sort[j]. No value ever reaches
-- the SQL text; path keys are quoted with format(%L). Callers run it with
-- EXECUTE ... USING _p[1], ..., _p[74] (a one-shot plan, so the parameters
-- fold to constants and partial expression indexes match). Separate
-- parameters bound the planner's memory: it folds every reference to a
-- parameter into a copy of that parameter's value, so a reference must never
-- be to the whole query document. An "in" list is one array (= ANY) per
-- JSON type group, whatever its length, so the statement's size depends on
-- the number of filters and sort keys and the path lengths only.
-- How it serves indexes: the name is an equality on the primary key's first
-- column; equality, ranges, regexes and sorts on a path compare the path's
-- keys (pgevents.projection_keys), which pgevents.add_projection_index
-- indexes; "contains" on state object paths becomes state @> ..., served by
-- the GIN index projections_state_idx; key-set paging is a row comparison
-- against the anchor's keys (scalar subqueries, evaluated once; an id that no
-- projection of the name has makes them NULL, so the page is empty).
-- Raises PE110 (invalid query) naming the field for any malformed part:
-- wrong type, unknown key, unknown op or order, bad path, invalid regex,
-- limit outside 1..10000, negative offset, offset with after/before; and for
-- any part beyond the limits of docs/query-language.md ("Limits"): the
-- document over 262144 bytes as JSON text or nested over 64 levels, over 64
-- filters, an "in" list over 1000 values, a path over 32 steps or with a key
-- over 256 bytes, a filter value nested over 32 levels, over 8 sort keys, a
-- regex over 1024 bytes or with back-references or lookaround, a similarity
-- text over 1024 bytes, an after/before id over 255 characters.
-- Locks: none. STABLE: it reads pg_extension (where pg_trgm lives).
-- PARALLEL UNSAFE: it validates regexes in a subtransaction.
CREATE OR REPLACE FUNCTION pgevents.compile_projection_query(p_query jsonb, p_mode text DEFAULT 'search')
  RETURNS text
  LANGUAGE plpgsql
  STABLE
  PARALLEL UNSAFE
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _where text[] := ARRAY['p.name = ($1 #>> ''{}''::text[])'];
  _filters jsonb := NULLIF(p_query -> 'filters', 'null'::jsonb);
  _sort jsonb := NULLIF(p_query -> 'sort', 'null'::jsonb);
  _page jsonb := NULLIF(p_query -> 'page', 'null'::jsonb);
  _f jsonb;
  _s jsonb;
  _field text;
  _key text;
  _op text;
  _v jsonb;
  _vtype text;
  _vref text;
  _vtext text;
  _keys text[];
  _e text;
  _k0 text;
  _k1 text;
  _k2 text;
  _cmp text;
  _parts text[];
  _hasnull boolean;
  _hasstr boolean;
  _hasother boolean;
  _problem text;
  _nestable boolean;
  _nest text;
  _trgm text;
  _sim text;
  -- Sort groups: key expressions and a direction each; id ascending last.
  _gkeys text[] := ARRAY[]::text[];
  _gdirs text[] := ARRAY[]::text[];
  _gsizes integer[] := ARRAY[]::integer[];
  _dir text;
  _anchor text;
  _anchorkey text;
  _before boolean := false;
  _order text[];
  _rorder text[];
  _disj text[];
  _conj text[];
  _g integer;
  _start integer;
  _cols text;
  _vals text;
  _lead text;
  _num numeric;
  _sql text;
  -- Paths whose filters require a value: value expression -> 'value' (K0 = 0)
  -- or 'string' (K0 = 0 and K1 = "").
  _pins jsonb := '{}'::jsonb;
  _pin text;
  _first text[];
  _firstcmp text;
BEGIN
  IF p_mode IS NULL OR p_mode NOT IN ('search', 'count') THEN
    RAISE EXCEPTION 'pgevents: compile_projection_query: p_mode must be search or count (got %)', p_mode
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- Size and depth first: they bound everything that follows.
  IF pg_catalog.octet_length(p_query::text) > 262144 THEN
    PERFORM pgevents.raise_invalid('PE110', 'query',
      pg_catalog.format('must be at most 262144 bytes as JSON text (got %s)', pg_catalog.octet_length(p_query::text)));
  END IF;
  IF pg_catalog.jsonb_path_exists(p_query, 'strict $.**{64} ? (@.type() == "array" || @.type() == "object")') THEN
    PERFORM pgevents.raise_invalid('PE110', 'query', 'must be nested at most 64 levels deep');
  END IF;
  IF p_query IS NULL OR pg_catalog.jsonb_typeof(p_query) <> 'object' THEN
    PERFORM pgevents.raise_invalid('PE110', 'query', 'must be a JSON object');
  END IF;
  _key := pgevents.unknown_key(p_query, '{name,filters,sort,page}');
  IF _key IS NOT NULL THEN
    PERFORM pgevents.raise_invalid('PE110', _key, 'unknown field (expected name, filters, sort, page)');
  END IF;
  IF pg_catalog.jsonb_typeof(p_query -> 'name') IS DISTINCT FROM 'string' OR p_query ->> 'name' = '' THEN
    PERFORM pgevents.raise_invalid('PE110', 'name', 'is required: the projection name, a non-empty string');
  END IF;

  -- Filters, ANDed.
  IF _filters IS NOT NULL AND pg_catalog.jsonb_typeof(_filters) <> 'array' THEN
    PERFORM pgevents.raise_invalid('PE110', 'filters', 'must be an array');
  END IF;
  IF pg_catalog.jsonb_array_length(_filters) > 64 THEN
    PERFORM pgevents.raise_invalid('PE110', 'filters',
      pg_catalog.format('must have at most 64 filters (got %s)', pg_catalog.jsonb_array_length(_filters)));
  END IF;
  FOR _i IN 0 .. COALESCE(pg_catalog.jsonb_array_length(_filters), 0) - 1 LOOP
    _f := _filters -> _i;
    _field := pg_catalog.format('filters[%s]', _i);
    IF pg_catalog.jsonb_typeof(_f) <> 'object' THEN
      PERFORM pgevents.raise_invalid('PE110', _field, 'must be an object {"path", "op", "value"}');
    END IF;
    _key := pgevents.unknown_key(_f, '{path,op,value}');
    IF _key IS NOT NULL THEN
      PERFORM pgevents.raise_invalid('PE110', _field || '.' || _key, 'unknown field (expected path, op, value)');
    END IF;
    _keys := pgevents.projection_keys(_f -> 'path', _field || '.path', 'p');
    _e := _keys[1]; _k0 := _keys[2]; _k1 := _keys[3]; _k2 := _keys[4];
    IF pg_catalog.jsonb_typeof(_f -> 'op') IS DISTINCT FROM 'string' THEN
      PERFORM pgevents.raise_invalid('PE110', _field || '.op', 'is required (a string)');
    END IF;
    _op := _f ->> 'op';
    _v := _f -> 'value';
    _vtype := pg_catalog.jsonb_typeof(_v);
    -- The filter's value is parameter $(3 + i) (pgevents.projection_query_params).
    _vref := pg_catalog.format('$%s', 3 + _i);
    _vtext := pg_catalog.format('($%s #>> ''{}''::text[])', 3 + _i);
    IF _vtype IS NULL AND _op NOT IN ('equal', 'not_equal') THEN
      PERFORM pgevents.raise_invalid('PE110', _field || '.value', pg_catalog.format('is required for %s', _op));
    END IF;
    CASE _op
      WHEN 'equal', 'not_equal' THEN
        IF _vtype IS NULL OR _vtype = 'null' THEN
          _cmp := _k0 || ' = 1';
        ELSIF _vtype = 'string' THEN
          _cmp := pg_catalog.format('(%s = 0 AND %s = ''""''::jsonb AND %s = %s)', _k0, _k1, _k2, _vtext);
        ELSIF _vtype = 'array' THEN
          _cmp := pg_catalog.format('(%s = 0 AND %s = pg_catalog.jsonb_set(''[null]''::jsonb, ''{0}''::text[], %s))', _k0, _k1, _vref);
        ELSE
          _cmp := pg_catalog.format('(%s = 0 AND %s = %s)', _k0, _k1, _vref);
        END IF;
        -- Equality to a scalar on a state path of object keys without an
        -- expression index: also state @> {keys: value} (equivalent: nested
        -- containment compares scalars by equality), so the GIN index serves it.
        IF _op = 'equal' AND _vtype IN ('string', 'number', 'boolean')
           AND (_f #>> '{path,0}') = 'state' AND pg_catalog.jsonb_array_length(_f -> 'path') > 1
           AND NOT pg_catalog.jsonb_path_exists(_f -> 'path', 'strict $[1 to last] ? (@.type() != "string")')
           AND pg_catalog.to_regclass(pg_catalog.format('pgevents.%I',
                 pgevents.projection_index_name(p_query ->> 'name', _f -> 'path'))) IS NULL THEN
          _nest := _vref;
          FOR _j IN REVERSE pg_catalog.jsonb_array_length(_f -> 'path') - 1 .. 1 LOOP
            _nest := pg_catalog.format('pg_catalog.jsonb_build_object(%L::text, %s)', _f -> 'path' ->> _j, _nest);
          END LOOP;
          _cmp := pg_catalog.format('(%s AND p.state @> %s)', _cmp, _nest);
        END IF;
        IF _op = 'not_equal' THEN
          _cmp := 'NOT (' || _cmp || ')';
        END IF;
      WHEN 'greater_than', 'greater_than_or_equal', 'less_than', 'less_than_or_equal' THEN
        _cmp := CASE _op WHEN 'greater_than' THEN '>' WHEN 'greater_than_or_equal' THEN '>='
                         WHEN 'less_than' THEN '<' ELSE '<=' END;
        IF _vtype = 'string' THEN
          _cmp := pg_catalog.format('(%s = 0 AND %s = ''""''::jsonb AND %s %s %s)', _k0, _k1, _k2, _cmp, _vtext);
        ELSIF _vtype = 'number' THEN
          -- jsonb orders strings < numbers < booleans, and K1 maps every
          -- string to "": bound the range to numbers so the index scan stays in them.
          _cmp := pg_catalog.format('(%s = 0 AND %s %s %s AND %s)', _k0, _k1, _cmp, _vref,
            CASE WHEN _op LIKE 'greater%' THEN _k1 || ' < ''false''::jsonb' ELSE _k1 || ' > ''""''::jsonb' END);
        ELSIF _vtype = 'boolean' THEN
          _cmp := pg_catalog.format('(%s = 0 AND pg_catalog.jsonb_typeof(%s) = ''boolean'' AND %s %s %s)',
            _k0, _k1, _k1, _cmp, _vref);
        ELSE
          PERFORM pgevents.raise_invalid('PE110', _field || '.value',
            pg_catalog.format('%s needs a string, number or boolean (got %s)', _op, _vtype));
        END IF;
      WHEN 'in' THEN
        IF _vtype <> 'array' THEN
          PERFORM pgevents.raise_invalid('PE110', _field || '.value', pg_catalog.format('in needs an array (got %s)', _vtype));
        END IF;
        IF pg_catalog.jsonb_array_length(_v) > 1000 THEN
          PERFORM pgevents.raise_invalid('PE110', _field || '.value',
            pg_catalog.format('in takes at most 1000 values (got %s)', pg_catalog.jsonb_array_length(_v)));
        END IF;
        -- One array parameter per type group, whatever the list's length:
        -- nulls match a missing/null value, strings compare K2 with
        -- = ANY (text[]), other values K1 with = ANY (jsonb[]).
        _hasnull := pg_catalog.jsonb_path_exists(_v, 'strict $[*] ? (@.type() == "null")');
        _hasstr := pg_catalog.jsonb_path_exists(_v, 'strict $[*] ? (@.type() == "string")');
        _hasother := pg_catalog.jsonb_path_exists(_v, 'strict $[*] ? (@.type() != "string" && @.type() != "null")');
        _parts := ARRAY[]::text[];
        IF _hasnull THEN
          _parts := _parts || (_k0 || ' = 1');
        END IF;
        IF _hasstr THEN
          _parts := _parts || pg_catalog.format('(%s = 0 AND %s = ''""''::jsonb AND %s = ANY (pgevents.projection_in_strings(%s)))',
            _k0, _k1, _k2, _vref);
        END IF;
        IF _hasother THEN
          _parts := _parts || pg_catalog.format('(%s = 0 AND %s = ANY (pgevents.projection_in_values(%s)))', _k0, _k1, _vref);
        END IF;
        _cmp := CASE WHEN pg_catalog.cardinality(_parts) = 0 THEN 'false'
                     ELSE '(' || pg_catalog.array_to_string(_parts, ' OR ') || ')' END;
      WHEN 'contains' THEN
        -- On state object-key paths, nest the value under the keys so the GIN
        -- index serves it: x @> v (x at the path) holds exactly when state
        -- contains {keys: v}, or, for a scalar v, {keys: [v]} (an array
        -- element; jsonb allows a top-level array to contain a scalar, a
        -- nested one only an array).
        _nestable := (_f #>> '{path,0}') = 'state';
        FOR _j IN 1 .. pg_catalog.jsonb_array_length(_f -> 'path') - 1 LOOP
          IF pg_catalog.jsonb_typeof(_f -> 'path' -> _j) <> 'string' THEN _nestable := false; END IF;
        END LOOP;
        IF _nestable AND pg_catalog.jsonb_array_length(_f -> 'path') = 1 THEN
          _cmp := pg_catalog.format('p.state @> %s', _vref);
        ELSIF _nestable THEN
          _parts := ARRAY[_vref, pg_catalog.format('pg_catalog.jsonb_build_array(%s)', _vref)];
          FOR _j IN REVERSE pg_catalog.jsonb_array_length(_f -> 'path') - 1 .. 1 LOOP
            _parts[1] := pg_catalog.format('pg_catalog.jsonb_build_object(%L::text, %s)', _f -> 'path' ->> _j, _parts[1]);
            _parts[2] := pg_catalog.format('pg_catalog.jsonb_build_object(%L::text, %s)', _f -> 'path' ->> _j, _parts[2]);
          END LOOP;
          IF _vtype IN ('object', 'array') THEN
            _cmp := pg_catalog.format('p.state @> %s', _parts[1]);
          ELSE
            _cmp := pg_catalog.format('(p.state @> %s OR p.state @> %s)', _parts[1], _parts[2]);
          END IF;
        ELSE
          _cmp := pg_catalog.format('COALESCE(%s @> %s, false)', _e, _vref);
        END IF;
      WHEN 'regex_matches', 'not_regex_matches' THEN
        IF _vtype <> 'string' THEN
          PERFORM pgevents.raise_invalid('PE110', _field || '.value', pg_catalog.format('%s needs a string (got %s)', _op, _vtype));
        END IF;
        _problem := pgevents.projection_regex_problem(_v #>> '{}');
        IF _problem IS NOT NULL THEN
          PERFORM pgevents.raise_invalid('PE110', _field || '.value', _problem);
        END IF;
        BEGIN
          PERFORM '' ~ (_v #>> '{}');
        EXCEPTION WHEN invalid_regular_expression THEN
          PERFORM pgevents.raise_invalid('PE110', _field || '.value', 'invalid regular expression: ' || SQLERRM);
        END;
        _cmp := pg_catalog.format('(%s = 0 AND %s = ''""''::jsonb AND %s ~ %s)', _k0, _k1, _k2, _vtext);
        IF _op = 'not_regex_matches' THEN
          _cmp := 'NOT (' || _cmp || ')';
        END IF;
      ELSE
        PERFORM pgevents.raise_invalid('PE110', _field || '.op', pg_catalog.format(
          'unknown op %s (expected equal, not_equal, greater_than, greater_than_or_equal, less_than, less_than_or_equal, in, contains, regex_matches, not_regex_matches)',
          _f -> 'op'));
    END CASE;
    -- A filter value's nesting (the "in" list and regexes are bounded above).
    IF _vtype IN ('array', 'object')
       AND pg_catalog.jsonb_path_exists(_v, 'strict $.**{32} ? (@.type() == "array" || @.type() == "object")') THEN
      PERFORM pgevents.raise_invalid('PE110', _field || '.value', 'must be nested at most 32 levels deep');
    END IF;
    _where := _where || _cmp;
    _pin := CASE
      WHEN _op IN ('equal', 'greater_than', 'greater_than_or_equal', 'less_than', 'less_than_or_equal') AND _vtype = 'string' THEN 'string'
      WHEN _op IN ('equal', 'greater_than', 'greater_than_or_equal', 'less_than', 'less_than_or_equal') AND _vtype <> 'null' THEN 'value'
      WHEN _op = 'regex_matches' THEN 'string'
      WHEN _op = 'in' AND NOT _hasnull AND _hasstr AND NOT _hasother THEN 'string'
      WHEN _op = 'in' AND NOT _hasnull AND NOT _hasstr AND _hasother THEN 'value'
    END;
    IF _pin IS NOT NULL AND (_pins ->> _e) IS DISTINCT FROM 'string' THEN
      _pins := _pins || pg_catalog.jsonb_build_object(_e, _pin);
    END IF;
  END LOOP;

  -- Sort: groups of NOT NULL keys sharing a direction; id ascending last.
  IF _sort IS NOT NULL AND pg_catalog.jsonb_typeof(_sort) <> 'array' THEN
    PERFORM pgevents.raise_invalid('PE110', 'sort', 'must be an array');
  END IF;
  IF pg_catalog.jsonb_array_length(_sort) > 8 THEN
    PERFORM pgevents.raise_invalid('PE110', 'sort',
      pg_catalog.format('must have at most 8 sort keys (got %s)', pg_catalog.jsonb_array_length(_sort)));
  END IF;
  FOR _i IN 0 .. COALESCE(pg_catalog.jsonb_array_length(_sort), 0) - 1 LOOP
    _s := _sort -> _i;
    _field := pg_catalog.format('sort[%s]', _i);
    IF pg_catalog.jsonb_typeof(_s) <> 'object' THEN
      PERFORM pgevents.raise_invalid('PE110', _field, 'must be an object {"path", "order"} or {"similarity", "path", "order"}');
    END IF;
    _key := pgevents.unknown_key(_s, '{path,order,similarity}');
    IF _key IS NOT NULL THEN
      PERFORM pgevents.raise_invalid('PE110', _field || '.' || _key, 'unknown field (expected path, order, similarity)');
    END IF;
    _keys := pgevents.projection_keys(_s -> 'path', _field || '.path', 'p');
    _dir := COALESCE(NULLIF(_s -> 'order', 'null'::jsonb) #>> '{}', 'asc');
    IF pg_catalog.jsonb_typeof(_s -> 'order') NOT IN ('string', 'null') OR _dir NOT IN ('asc', 'desc') THEN
      PERFORM pgevents.raise_invalid('PE110', _field || '.order', pg_catalog.format('must be asc or desc (got %s)', _s -> 'order'));
    END IF;
    IF _s ? 'similarity' THEN
      IF pg_catalog.jsonb_typeof(_s -> 'similarity') IS DISTINCT FROM 'string' THEN
        PERFORM pgevents.raise_invalid('PE110', _field || '.similarity', 'must be a string');
      END IF;
      IF pg_catalog.octet_length(_s ->> 'similarity') > 1024 THEN
        PERFORM pgevents.raise_invalid('PE110', _field || '.similarity',
          pg_catalog.format('must be at most 1024 bytes (got %s)', pg_catalog.octet_length(_s ->> 'similarity')));
      END IF;
      IF _trgm IS NULL THEN
        SELECT n.nspname::text INTO _trgm FROM pg_catalog.pg_extension x
          JOIN pg_catalog.pg_namespace n ON n.oid = x.extnamespace WHERE x.extname = 'pg_trgm';
        IF _trgm IS NULL THEN
          RAISE EXCEPTION 'pgevents: similarity sorts need the pg_trgm extension, which is not installed'
            USING ERRCODE = 'undefined_object', HINT = 'CREATE EXTENSION pg_trgm (pgevents.Migrate installs it).';
        END IF;
      END IF;
      -- The similarity text is parameter $(67 + j) (pgevents.projection_query_params).
      _sim := pg_catalog.format('CASE WHEN pg_catalog.jsonb_typeof(%1$s) = ''string'' THEN %2$I.similarity(%1$s #>> ''{}''::text[], ($%3$s #>> ''{}''::text[])) END',
        _keys[1], _trgm, 67 + _i);
      _gkeys := _gkeys || pg_catalog.format('(CASE WHEN (%s) IS NULL THEN 1 ELSE 0 END)', _sim) || pg_catalog.format('COALESCE(%s, 0)', _sim);
      _gsizes := _gsizes || 2;
    ELSIF (_s #>> '{path,0}') IN ('id', 'name') THEN
      -- K0 and K1 are constants for these text columns: sort by the column alone.
      _gkeys := _gkeys || _keys[4];
      _gsizes := _gsizes || 1;
    ELSE
      _gkeys := _gkeys || _keys[2:4];
      _gsizes := _gsizes || 3;
      IF _i = 0 THEN
        _first := _keys;
      END IF;
    END IF;
    _gdirs := _gdirs || _dir;
  END LOOP;
  _gkeys := _gkeys || 'p.id'::text;
  _gsizes := _gsizes || 1;
  _gdirs := _gdirs || 'asc'::text;

  -- Page.
  IF _page IS NOT NULL AND pg_catalog.jsonb_typeof(_page) <> 'object' THEN
    PERFORM pgevents.raise_invalid('PE110', 'page', 'must be an object {"offset", "limit"}, {"after", "limit"} or {"before", "limit"}');
  END IF;
  IF _page IS NOT NULL THEN
    _key := pgevents.unknown_key(_page, '{offset,limit,after,before}');
    IF _key IS NOT NULL THEN
      PERFORM pgevents.raise_invalid('PE110', 'page.' || _key, 'unknown field (expected offset, limit, after, before)');
    END IF;
    _page := pg_catalog.jsonb_strip_nulls(_page);
    IF _page ? 'offset' THEN
      _num := CASE WHEN pg_catalog.jsonb_typeof(_page -> 'offset') = 'number' THEN (_page ->> 'offset')::numeric END;
      IF _num IS NULL OR _num <> pg_catalog.trunc(_num) OR _num < 0 OR _num > 9223372036854775807 THEN
        PERFORM pgevents.raise_invalid('PE110', 'page.offset', pg_catalog.format('must be an integer of at least 0 (got %s)', _page -> 'offset'));
      END IF;
    END IF;
    IF _page ? 'limit' THEN
      _num := CASE WHEN pg_catalog.jsonb_typeof(_page -> 'limit') = 'number' THEN (_page ->> 'limit')::numeric END;
      IF _num IS NULL OR _num <> pg_catalog.trunc(_num) OR _num < 1 OR _num > 10000 THEN
        PERFORM pgevents.raise_invalid('PE110', 'page.limit', pg_catalog.format('must be an integer from 1 to 10000 (got %s)', _page -> 'limit'));
      END IF;
    END IF;
    FOREACH _key IN ARRAY ARRAY['after', 'before'] LOOP
      IF _page ? _key AND (pg_catalog.jsonb_typeof(_page -> _key) <> 'string' OR _page ->> _key = '') THEN
        PERFORM pgevents.raise_invalid('PE110', 'page.' || _key, pg_catalog.format('must be a projection id, a non-empty string (got %s)', _page -> _key));
      END IF;
      IF pg_catalog.length(_page ->> _key) > 255 THEN
        PERFORM pgevents.raise_invalid('PE110', 'page.' || _key,
          pg_catalog.format('must be a projection id of at most 255 characters (got %s)', pg_catalog.length(_page ->> _key)));
      END IF;
    END LOOP;
    IF _page ? 'after' AND _page ? 'before' THEN
      PERFORM pgevents.raise_invalid('PE110', 'page', 'after and before exclude each other');
    END IF;
    IF _page ? 'offset' AND (_page ? 'after' OR _page ? 'before') THEN
      PERFORM pgevents.raise_invalid('PE110', 'page', 'offset paging and key-set paging (after/before) exclude each other');
    END IF;
    _before := _page ? 'before';
    _anchor := CASE WHEN _page ? 'after' THEN 'after' WHEN _before THEN 'before' END;
  END IF;

  IF p_mode = 'count' THEN
    RETURN 'SELECT pg_catalog.count(*) FROM pgevents.projections p WHERE '
      || pg_catalog.array_to_string(_where, E'\n  AND ');
  END IF;

  -- ORDER BY, and its reverse (for "before").
  _order := ARRAY[]::text[]; _rorder := ARRAY[]::text[];
  _start := 1;
  FOR _g IN 1 .. pg_catalog.cardinality(_gsizes) LOOP
    FOR _j IN _start .. _start + _gsizes[_g] - 1 LOOP
      _order := _order || (_gkeys[_j] || CASE _gdirs[_g] WHEN 'asc' THEN ' ASC' ELSE ' DESC' END);
      _rorder := _rorder || (_gkeys[_j] || CASE _gdirs[_g] WHEN 'asc' THEN ' DESC' ELSE ' ASC' END);
    END LOOP;
    _start := _start + _gsizes[_g];
  END LOOP;

  -- Key-set: the rows strictly beyond the anchor in sort order (or before
  -- it), as a lexicographic comparison over runs of keys that share a
  -- direction (each run one row comparison, which a btree can seek to).
  IF _anchor IS NOT NULL THEN
    -- The anchor's keys, computed once in a CTE ("anchor", column kJ for
    -- key J): each comparison reads one with a scalar subquery (an
    -- InitPlan, evaluated once), so a key expression is not repeated per
    -- comparison. No such anchor: no row, the subqueries are NULL, the page
    -- is empty.
    _anchorkey := 'WITH anchor AS MATERIALIZED (SELECT ';
    FOR _j IN 1 .. pg_catalog.cardinality(_gkeys) LOOP
      _anchorkey := _anchorkey || CASE WHEN _j > 1 THEN ', ' ELSE '' END || _gkeys[_j] || ' AS k' || _j;
    END LOOP;
    _anchorkey := _anchorkey || pg_catalog.format(
      E' FROM pgevents.projections p WHERE p.name = ($1 #>> ''{}''::text[]) AND p.id = ($2 ->> %L::text))\n', _anchor);
    _disj := ARRAY[]::text[]; _conj := ARRAY[]::text[];
    _start := 1;
    _g := 1;
    WHILE _g <= pg_catalog.cardinality(_gsizes) LOOP
      _dir := _gdirs[_g];
      _cols := ''; _vals := '';
      -- merge the following groups with the same direction into this run
      LOOP
        FOR _j IN _start .. _start + _gsizes[_g] - 1 LOOP
          _cols := _cols || CASE WHEN _cols = '' THEN '' ELSE ', ' END || _gkeys[_j];
          _vals := _vals || CASE WHEN _vals = '' THEN '' ELSE ', ' END || pg_catalog.format('(SELECT anchor.k%s FROM anchor)', _j);
        END LOOP;
        _start := _start + _gsizes[_g];
        _g := _g + 1;
        EXIT WHEN _g > pg_catalog.cardinality(_gsizes) OR _gdirs[_g] <> _dir;
      END LOOP;
      _cmp := CASE WHEN (_dir = 'asc') <> _before THEN '>' ELSE '<' END;
      _disj := _disj || pg_catalog.array_to_string(
        _conj || pg_catalog.format('ROW(%s) %s ROW(%s)', _cols, _cmp, _vals), ' AND ');
      IF _lead IS NULL THEN
        _lead := pg_catalog.format('ROW(%s) %s= ROW(%s)', _cols, _cmp, _vals);
      END IF;
      _conj := _conj || pg_catalog.format('ROW(%s) = ROW(%s)', _cols, _vals);
    END LOOP;
    IF pg_catalog.cardinality(_disj) = 1 THEN
      _where := _where || _disj[1];
    ELSE
      _where := _where || _lead || ('((' || pg_catalog.array_to_string(_disj, E')\n    OR (') || '))');
    END IF;
    -- A btree starts its scan from one bound per column, and prefers a
    -- filter's "K0 = 0" and "K1 >= x" over the row comparison: when filters
    -- pin the first sort path to non-null values (or strings), also bound K1
    -- (and K2) by the anchor's, so the scan starts at the anchor rather than
    -- at the filter's bound. Implied by the row comparison whenever the
    -- anchor is non-null; when it is null, nothing qualifies in this
    -- direction anyway (nulls sort beyond every value on the ">" side).
    _firstcmp := CASE WHEN (_gdirs[1] = 'asc') <> _before THEN '>' ELSE '<' END;
    -- (_first is the first sort key's path: keys 1..3 are its K0, K1, K2.)
    IF _first IS NOT NULL AND _firstcmp = '>' AND _pins ? _first[1] THEN
      _where := _where || (_first[3] || ' >= (SELECT anchor.k2 FROM anchor)');
      IF _pins ->> _first[1] = 'string' THEN
        _where := _where || (_first[4] || ' >= (SELECT anchor.k3 FROM anchor)');
      END IF;
    END IF;
  END IF;

  _sql := COALESCE(_anchorkey, '') || 'SELECT p.* FROM pgevents.projections p WHERE '
    || pg_catalog.array_to_string(_where, E'\n  AND ')
    || E'\nORDER BY ' || pg_catalog.array_to_string(CASE WHEN _before THEN _rorder ELSE _order END, ', ')
    || E'\nLIMIT COALESCE((($2 ->> ''limit''::text)::numeric)::integer, 100)';
  IF _anchor IS NULL THEN
    _sql := _sql || E'\nOFFSET COALESCE((($2 ->> ''offset''::text)::numeric)::bigint, 0)';
  END IF;
  IF _before THEN
    _sql := 'SELECT p.* FROM (' || _sql || E') p\nORDER BY ' || pg_catalog.array_to_string(_order, ', ');
  END IF;
  RETURN _sql;
END;
$$;

COMMENT ON FUNCTION pgevents.compile_projection_query(jsonb, text) IS
  'Internal: validates a projection query (docs/query-language.md, with its limits) and compiles it to a statement whose parameters $1..$74 are the query''s values (pgevents.projection_query_params). SQLSTATE: PE110.';
