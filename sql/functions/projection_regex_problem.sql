-- pgevents.projection_regex_problem: why a query-language regular expression is refused, or NULL.
--
-- Parameters: p_pattern, the pattern of a regex_matches / not_regex_matches
-- filter (docs/query-language.md, "Limits").
-- Returns NULL when the pattern may be compiled, else the reason it is
-- refused (the same words as the Go validation, package projection):
--   - longer than 1024 bytes;
--   - a back-reference: an unescaped backslash followed by a digit 1-9
--     (\1 .. \9; back-references make PostgreSQL's regex engine backtrack,
--     exponentially in the worst case);
--   - a lookahead or lookbehind constraint: an unescaped "(" followed by
--     ?=, ?!, ?<= or ?<! (each is a sub-match run at every position);
--   - a bounded repetition {m,n} right after an unescaped ")": the engine
--     copies the group for each repetition, and nested copies multiply
--     ("(((a{0,6}){0,6}){0,6}){0,6}" took 1.7 s to match 1 MB);
--   - more than 256 repetitions in total, each *, + or ? counting 1 and each
--     {m}, {m,n}, {m,} counting its largest bound (m + 1 for {m,}): the
--     automaton, and the cost of matching each byte, grow with them
--     (512 "a?" took 1 s per MB of text, 256 of them 0.13 s).
-- One scan, in the order of the pattern: the first problem found is the one
-- reported (the repetition total at the end). It is lexical: escapes are
-- skipped, bracket expressions are not parsed (so "[(?=]" is refused too, and
-- "{" followed by a digit counts as a repetition anywhere). Whether the
-- pattern compiles is checked by the caller.
-- Written without backslashes in string literals (chr(92)), so the result
-- does not depend on standard_conforming_strings.
-- Raises nothing. Locks: none. IMMUTABLE: depends on its argument only.
CREATE OR REPLACE FUNCTION pgevents.projection_regex_problem(p_pattern text)
  RETURNS text
  LANGUAGE plpgsql
  IMMUTABLE
  STRICT
  PARALLEL SAFE
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _bs constant text := pg_catalog.chr(92);
  _c text[];
  _n integer;
  _i integer := 1;
  _weight integer := 0;
  _after_group boolean := false; -- the previous token is an unescaped ")"
  _m integer;
  _max integer;
  _j integer;
BEGIN
  IF pg_catalog.octet_length(p_pattern) > 1024 THEN
    RETURN pg_catalog.format('must be at most 1024 bytes (got %s)', pg_catalog.octet_length(p_pattern));
  END IF;
  _c := pg_catalog.regexp_split_to_array(p_pattern, '');
  _n := COALESCE(pg_catalog.cardinality(_c), 0);
  WHILE _i <= _n LOOP
    IF _c[_i] = _bs THEN
      IF pg_catalog.ascii(_c[_i + 1]) BETWEEN 49 AND 57 THEN -- 1-9
        RETURN 'back-references (' || _bs || '1 to ' || _bs || '9) are not allowed';
      END IF;
      _i := _i + 2; -- the escaped character is an atom
      _after_group := false;
      CONTINUE;
    ELSIF _c[_i] = '(' THEN
      IF _c[_i + 1] = '?' AND (_c[_i + 2] IN ('=', '!') OR (_c[_i + 2] = '<' AND _c[_i + 3] IN ('=', '!'))) THEN
        RETURN 'lookahead and lookbehind constraints ((?=, (?!, (?<=, (?<!) are not allowed';
      END IF;
      IF _c[_i + 1] = '?' THEN
        _i := _i + 1; -- "(?": group options, not a repetition
      END IF;
    ELSIF _c[_i] IN ('*', '+', '?') THEN
      _weight := _weight + 1;
    ELSIF _c[_i] = '{' AND pg_catalog.ascii(_c[_i + 1]) BETWEEN 48 AND 57 THEN -- 0-9
      IF _after_group THEN
        RETURN 'a bounded repetition {m,n} of a group is not allowed';
      END IF;
      -- {m}, {m,}, {m,n}: the largest bound (m + 1 for {m,}), digits capped.
      _j := _i + 1; _m := 0;
      WHILE pg_catalog.ascii(_c[_j]) BETWEEN 48 AND 57 LOOP
        _m := LEAST(_m * 10 + pg_catalog.ascii(_c[_j]) - 48, 100000); _j := _j + 1;
      END LOOP;
      _max := _m;
      IF _c[_j] = ',' THEN
        _j := _j + 1;
        IF pg_catalog.ascii(_c[_j]) BETWEEN 48 AND 57 THEN
          _max := 0;
          WHILE pg_catalog.ascii(_c[_j]) BETWEEN 48 AND 57 LOOP
            _max := LEAST(_max * 10 + pg_catalog.ascii(_c[_j]) - 48, 100000); _j := _j + 1;
          END LOOP;
          _max := GREATEST(_m, _max);
        ELSE
          _max := _m + 1;
        END IF;
      END IF;
      _weight := _weight + _max;
      _i := _j; -- past the bounds (the closing "}" is read as an atom)
      _after_group := false;
      CONTINUE;
    END IF;
    _after_group := _c[_i] = ')';
    _i := _i + 1;
  END LOOP;
  IF _weight > 256 THEN
    RETURN pg_catalog.format(
      'must repeat at most 256 times in total (each *, + or ? counts 1, {m,n} its largest bound; got %s)', _weight);
  END IF;
  RETURN NULL;
END;
$$;

COMMENT ON FUNCTION pgevents.projection_regex_problem(text) IS
  'Internal: NULL when a query-language regex is allowed, else why not (over 1024 bytes, back-references, lookaround, a bounded repetition of a group, over 256 repetitions). No locks.';
