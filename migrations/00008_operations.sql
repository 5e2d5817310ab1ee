-- +goose Up
-- 00008: operations (issue 12): row types of the stats functions, planner
-- statistics and the stats cost limit. Builds exactly what
-- sql/schema/60_operations.sql describes.

-- The row type of pgevents.category_stats(): one row per category.
CREATE VIEW pgevents.category_stats AS
  SELECT NULL::text        AS category,
         NULL::bigint      AS events,
         NULL::boolean     AS events_exact,
         NULL::bigint      AS streams,
         NULL::boolean     AS streams_exact,
         NULL::bigint      AS last_minute,
         NULL::boolean     AS last_minute_exact,
         NULL::bigint      AS last_hour,
         NULL::boolean     AS last_hour_exact,
         NULL::timestamptz AS latest_observed_at
   WHERE false;

COMMENT ON VIEW pgevents.category_stats IS
  'Row type of pgevents.category_stats() (always empty itself).';

-- The row type of pgevents.event_name_stats(): one row per event name.
CREATE VIEW pgevents.event_name_stats AS
  SELECT NULL::text    AS name,
         NULL::bigint  AS events,
         NULL::boolean AS exact
   WHERE false;

COMMENT ON VIEW pgevents.event_name_stats IS
  'Row type of pgevents.event_name_stats() (always empty itself).';

REVOKE ALL ON pgevents.category_stats, pgevents.event_name_stats FROM PUBLIC;

-- Stream-count estimates: the planner's number of distinct (category,
-- stream) pairs. Kept by ANALYZE (autovacuum); costs appends nothing.
CREATE STATISTICS pgevents.events_category_stream_stats (ndistinct)
  ON category, stream FROM pgevents.events;

COMMENT ON STATISTICS pgevents.events_category_stream_stats IS
  'Planner estimate of the number of streams, used by pgevents.log_stats and pgevents.category_stats.';

-- What one stats call may count exactly; beyond it, stats are estimates.
INSERT INTO pgevents.settings (name, value, description) VALUES
  ('stats_max_count', '100000',
   'Most index entries one call of pgevents.log_stats, category_stats or event_name_stats counts exactly (and the largest count budget a caller may ask for); beyond it the stats functions return planner estimates, flagged as such. Bounds their cost on large stores.')
  ON CONFLICT (name) DO NOTHING;

-- +goose Down
DELETE FROM pgevents.settings WHERE name = 'stats_max_count';
DROP STATISTICS pgevents.events_category_stream_stats;
DROP VIEW pgevents.event_name_stats;
DROP VIEW pgevents.category_stats;
