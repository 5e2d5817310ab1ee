-- pgevents: live projection rebuilds requested from SQL, and build progress
-- (readable current schema, on top of 40_live_projections.sql).
--
-- Built identically by migrations/00011_live_projection_rebuilds.sql.

-- Rebuilds requested from SQL (pgevents.request_live_projection_rebuild,
-- "pgevents projections rebuild NAME"): a new build of the
-- serving version, so a rebuild may now be of the same version as the
-- serving one (building_version >= version).
ALTER TABLE pgevents.live_projections DROP CONSTRAINT live_projections_building_check;
ALTER TABLE pgevents.live_projections ADD CONSTRAINT live_projections_building_check
  CHECK ((building_version IS NULL) = (building_build IS NULL)
    AND (building_version IS NULL) = (building_group IS NULL) AND (building_version IS NULL OR building_version >= version));

-- When the rebuild in progress was requested (NULL: none, or started by a
-- runner with a newer projector version), and when the serving build
-- started folding from the first event (the rates of the progress are
-- averages since then).
ALTER TABLE pgevents.live_projections ADD COLUMN building_requested_at timestamptz;
ALTER TABLE pgevents.live_projections ADD COLUMN build_started_at timestamptz;
ALTER TABLE pgevents.live_projections ALTER COLUMN build_started_at SET NOT NULL;
ALTER TABLE pgevents.live_projections ALTER COLUMN build_started_at SET DEFAULT pg_catalog.clock_timestamp();

COMMENT ON COLUMN pgevents.live_projections.building_version IS
  'The projector version being rebuilt beside the serving one (NULL: none): a newer one (a runner with a newer version started it), or the serving one (requested with pgevents.request_live_projection_rebuild). Its build (building_build) folds from the first event through its own group (building_group) into rows named name@build, until pgevents.switch_live_projection swaps them in atomically.';
COMMENT ON COLUMN pgevents.live_projections.building_requested_at IS
  'When the rebuild in progress was requested with pgevents.request_live_projection_rebuild (NULL: none, or started by a runner with a newer projector version).';
COMMENT ON COLUMN pgevents.live_projections.build_started_at IS
  'When the serving build started folding from the first event (its registration, or the start of the rebuild that was switched in): the progress rate of pgevents.live_projection_status is an average since then.';

-- The row type of pgevents.live_projection_status() gains the progress
-- columns (events done and total, rate, ETA) of the serving build and of
-- the rebuild. The function's own file recreates it after migrating.
DROP VIEW pgevents.live_projection_status;
CREATE VIEW pgevents.live_projection_status AS
  SELECT l.name, l.version, l.group_name, l.category,
         NULL::text        AS state,
         '0'::xid8         AS transaction_id,
         0::bigint         AS sequence_number,
         0::bigint         AS lag_events,
         NULL::interval    AS lag,
         0::bigint         AS parked_events,
         0::integer        AS owned_partitions,
         0::integer        AS partitions,
         l.error, l.failed_at, l.registered_at,
         l.build, l.building_version, l.building_build, l.building_group,
         NULL::bigint AS building_lag_events,
         NULL::bigint AS building_projections,
         l.building_started_at, l.switched_at,
         0::bigint                   AS events_done,
         0::bigint                   AS events_total,
         NULL::double precision      AS rate,
         NULL::interval              AS eta,
         l.build_started_at,
         NULL::bigint                AS building_events_done,
         NULL::bigint                AS building_events_total,
         NULL::double precision      AS building_rate,
         NULL::interval              AS building_eta,
         l.building_requested_at
    FROM pgevents.live_projections l
   WHERE false;

COMMENT ON VIEW pgevents.live_projection_status IS
  'Row type of pgevents.live_projection_status() (always empty itself).';
