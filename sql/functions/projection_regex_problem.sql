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
--     ?=, ?!, ?<= or ?<! (each is a sub-match run at every position:
--     quadratic in the text).
-- The scan is lexical and conservative: it does not parse bracket
-- expressions, so "[(?=]" is refused too. Whether the pattern compiles is
-- checked by the caller.
-- Written without backslashes in string literals (chr(92)), so the result
-- does not depend on standard_conforming_strings.
-- Raises nothing. Locks: none. IMMUTABLE: depends on its argument only.
CREATE OR REPLACE FUNCTION pgevents.projection_regex_problem(p_pattern text)
  RETURNS text
  LANGUAGE sql
  IMMUTABLE
  STRICT
  PARALLEL SAFE
  SET search_path = pgevents, pg_temp
AS $$
  SELECT CASE
    WHEN pg_catalog.octet_length(p_pattern) > 1024 THEN
      pg_catalog.format('must be at most 1024 bytes (got %s)', pg_catalog.octet_length(p_pattern))
    -- (^|[^\\])(\\\\)*\\[1-9]: a backslash that is not itself escaped, then 1-9.
    WHEN p_pattern ~ ('(^|[^' || b.s || b.s || '])(' || b.s || b.s || b.s || b.s || ')*' || b.s || b.s || '[1-9]') THEN
      'back-references (' || b.s || '1 to ' || b.s || '9) are not allowed'
    -- (^|[^\\])(\\\\)*[(][?]<?[=!]: an unescaped "(" opening a lookaround.
    WHEN p_pattern ~ ('(^|[^' || b.s || b.s || '])(' || b.s || b.s || b.s || b.s || ')*[(][?]<?[=!]') THEN
      'lookahead and lookbehind constraints ((?=, (?!, (?<=, (?<!) are not allowed'
  END
  FROM (SELECT pg_catalog.chr(92) AS s) b
$$;

COMMENT ON FUNCTION pgevents.projection_regex_problem(text) IS
  'Internal: NULL when a query-language regex is allowed, else why not (over 1024 bytes, back-references, lookaround). No locks.';
