-- pgevents.browse_categories: one page of categories in name order, with cheap counts (event browser, operators).
--
-- Parameters:
--   p_after        the last category of the previous page (key-set paging);
--                  NULL starts at the first
--   p_limit        categories per page, 1..1000 (default 100)
--   p_count_limit  the most events counted per category, 0..100000 (default
--                  1000)
-- Returns, per category, in name order (the database collation):
--   category
--   events_counted    the exact number of events visible now when it is at
--                     most p_count_limit, else NULL (more than that)
--   events_estimate   the planner's estimate (pg_stats of
--                     pgevents.events.category: most common values, else the
--                     average of the others, scaled to the table's current
--                     size), at least 1; NULL before the table was first
--                     analyzed. An estimate: label it so.
--   latest_id, latest_sequence_number, latest_observed_at
--                     the category's latest event in read order
--                     (transaction_id, sequence_number), visible now: not
--                     fenced, like latest_event
-- Cost, per category returned: one probe of a loose index scan over
-- events_category_order_idx, at most p_count_limit + 1 index entries counted,
-- one backward probe for the latest event. Never a full count.
-- Raises PE101 when p_after is not a valid name, PE106 for a limit out of
-- range. Locks: none. STABLE: reads only.
CREATE OR REPLACE FUNCTION pgevents.browse_categories(
  p_after text DEFAULT NULL,
  p_limit integer DEFAULT 100,
  p_count_limit integer DEFAULT 1000
)
  RETURNS TABLE (
    category text,
    events_counted bigint,
    events_estimate bigint,
    latest_id uuid,
    latest_sequence_number bigint,
    latest_observed_at timestamptz
  )
  LANGUAGE plpgsql
  STABLE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _category text := COALESCE(p_after, '');
  _counted bigint;
  _total bigint := pgevents.browse_estimated_rows('pgevents.events'::regclass);
  _null_frac real;
  _n_distinct real;
  _distinct double precision;
  _mcv text[];
  _mcf real[];
  _at integer;
  _others double precision;
BEGIN
  IF p_after IS NOT NULL THEN
    PERFORM pgevents.check_name('after', p_after);
  END IF;
  IF p_limit IS NULL OR p_limit < 1 OR p_limit > 1000 THEN
    PERFORM pgevents.raise_invalid('PE106', 'limit', pg_catalog.format('must be from 1 to 1000 (got %s)', p_limit));
  END IF;
  IF p_count_limit IS NULL OR p_count_limit < 0 OR p_count_limit > 100000 THEN
    PERFORM pgevents.raise_invalid('PE106', 'count_limit', pg_catalog.format('must be from 0 to 100000 (got %s)', p_count_limit));
  END IF;
  SELECT s.null_frac, s.n_distinct, s.most_common_vals::text::text[], s.most_common_freqs
    INTO _null_frac, _n_distinct, _mcv, _mcf
    FROM pg_catalog.pg_stats s
   WHERE s.schemaname = 'pgevents' AND s.tablename = 'events' AND s.attname = 'category';
  -- n_distinct < 0 is minus the fraction of rows that are distinct.
  _distinct := CASE WHEN _n_distinct < 0 THEN -_n_distinct * _total ELSE _n_distinct END;
  -- The share of the rows that are not among the most common values, spread
  -- evenly over the other distinct values (the planner's eqsel).
  _others := (1 - COALESCE(_null_frac, 0) - COALESCE((SELECT pg_catalog.sum(f) FROM pg_catalog.unnest(_mcf) AS f), 0))
             / GREATEST(_distinct - COALESCE(pg_catalog.array_length(_mcv, 1), 0), 1);
  FOR _i IN 1 .. p_limit LOOP
    -- '' sorts before every valid (non-empty) name.
    SELECT e.category INTO _category
      FROM pgevents.events e
     WHERE e.category > _category
     ORDER BY e.category
     LIMIT 1;
    EXIT WHEN NOT FOUND;
    category := _category;
    SELECT pg_catalog.count(*) INTO _counted
      FROM (SELECT 1 FROM pgevents.events e WHERE e.category = _category LIMIT p_count_limit + 1) c;
    events_counted := CASE WHEN _counted <= p_count_limit THEN _counted END;
    _at := pg_catalog.array_position(_mcv, _category);
    events_estimate := CASE
      WHEN _total IS NULL OR _distinct IS NULL THEN NULL
      WHEN _at IS NOT NULL THEN GREATEST(pg_catalog.round(_mcf[_at] * _total)::bigint, 1)
      ELSE GREATEST(pg_catalog.round(GREATEST(_others, 0) * _total)::bigint, 1)
    END;
    SELECT e.id, e.sequence_number, e.observed_at INTO latest_id, latest_sequence_number, latest_observed_at
      FROM pgevents.events e
     WHERE e.category = _category
     ORDER BY e.transaction_id DESC, e.sequence_number DESC
     LIMIT 1;
    RETURN NEXT;
  END LOOP;
END;
$$;

COMMENT ON FUNCTION pgevents.browse_categories(text, integer, integer) IS
  'Event browser: a key-set page of categories with exact counts up to p_count_limit, planner estimates beyond (labelled), and the latest event. Loose index scan, never a full count. No locks. SQLSTATEs: PE101, PE106.';
