-- pgevents: live projections and snapshots (readable current schema).
--
-- Built identically by migrations/00009_live_projections.sql.

-- Snapshots (issue 11): a stream's folded state at a position, so loading
-- the stream's projection reads the snapshot plus the events after it. One
-- row per (projector name, version, stream): a snapshot only ever moves
-- forwards, and a newer projector version has rows of its own (older
-- versions' rows are ignored by loads and dropped with drop_snapshots).
-- Snapshots are a cache: dropping any of them loses no data.
CREATE TABLE pgevents.snapshots (
  name       text COLLATE "C" NOT NULL,
  version    integer     NOT NULL,
  category   text COLLATE "C" NOT NULL,
  stream     text COLLATE "C" NOT NULL,
  position   bigint      NOT NULL,
  state      jsonb       NOT NULL,
  metadata   jsonb       NOT NULL,
  created_at timestamptz NOT NULL,
  CONSTRAINT snapshots_version_check CHECK (version >= 1),
  CONSTRAINT snapshots_position_check CHECK (position >= 0)
);

COMMENT ON TABLE pgevents.snapshots IS
  'Snapshots: a stream''s folded state at a position, per projector name and version (the latest only). Write through pgevents.save_snapshot, read with pgevents.load_snapshot, drop with pgevents.drop_snapshots; a cache, safe to drop.';
COMMENT ON COLUMN pgevents.snapshots.name IS
  'The projector''s name (the projection name).';
COMMENT ON COLUMN pgevents.snapshots.version IS
  'The projector version that folded the state (>= 1). Loads ask for one version; rows of other versions are ignored.';
COMMENT ON COLUMN pgevents.snapshots.position IS
  'The position of the last event of the stream the state covers; loading folds the events after it.';
COMMENT ON COLUMN pgevents.snapshots.created_at IS
  'When the snapshot was saved (server clock); snapshot policies by age use it.';

-- The key: (name, version, stream). The category and stream are hashed
-- (joined by a newline, which names cannot contain):
-- three 255-character names of 4-byte characters exceed a btree entry's
-- 2,704 bytes. save_snapshot upserts on this index.
CREATE UNIQUE INDEX snapshots_key_idx ON pgevents.snapshots
  (name, version, pg_catalog.md5(category || E'\n' || stream));

-- Reading is allowed directly; writing only through the functions (which run
-- as the owner).
REVOKE ALL ON pgevents.snapshots FROM PUBLIC;
GRANT SELECT ON pgevents.snapshots TO pgevents_reader, pgevents_writer;

-- Live projections (issue 11): the registry of the projections that
-- projection/live Runners keep current, one row per projection name, so
-- that their status is readable (pgevents.live_projection_status) and they
-- can be dropped (pgevents.drop_live_projection) from psql. A runner
-- registers its projections when it starts (pgevents.register_live_projection)
-- and records the error that stops one (pgevents.fail_live_projection).
CREATE TABLE pgevents.live_projections (
  name          text COLLATE "C" NOT NULL,
  version       integer     NOT NULL,
  group_name    text        NOT NULL,
  category      text,
  error         text,
  failed_at     timestamptz,
  registered_at timestamptz NOT NULL,
  build         integer     NOT NULL DEFAULT 1,
  building_version    integer,
  building_build      integer,
  building_group      text,
  building_started_at timestamptz,
  switched_at   timestamptz,
  CONSTRAINT live_projections_pkey PRIMARY KEY (name),
  CONSTRAINT live_projections_version_check CHECK (version >= 1),
  CONSTRAINT live_projections_building_check CHECK ((building_version IS NULL) = (building_build IS NULL)
    AND (building_version IS NULL) = (building_group IS NULL) AND (building_version IS NULL OR building_version > version))
);

COMMENT ON TABLE pgevents.live_projections IS
  'Live projections: the projections projection/live Runners keep current (name, projector version, consumer group, source). Write through pgevents.register_live_projection / fail_live_projection; read with pgevents.live_projection_status; drop with pgevents.drop_live_projection.';
COMMENT ON COLUMN pgevents.live_projections.group_name IS
  'The consumer group that feeds the projection (its checkpoints are the projection''s cursor).';
COMMENT ON COLUMN pgevents.live_projections.category IS
  'The category projected; NULL for the whole log.';
COMMENT ON COLUMN pgevents.live_projections.error IS
  'The error that stopped the projection (state failed); NULL while it runs. Cleared when a runner registers it again.';
COMMENT ON COLUMN pgevents.live_projections.build IS
  'The build serving reads: its rows are stored under the projection name. Each rebuild is a new build (blue/green).';
COMMENT ON COLUMN pgevents.live_projections.building_version IS
  'A newer projector version being rebuilt beside the serving one (NULL: none): its build (building_build) folds from the start through its own group (building_group) into rows named name@build, until pgevents.switch_live_projection swaps them in atomically.';

REVOKE ALL ON pgevents.live_projections FROM PUBLIC;
GRANT SELECT ON pgevents.live_projections TO pgevents_reader, pgevents_writer;

-- The row type of pgevents.live_projection_status(): one row per live
-- projection.
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
         l.building_started_at, l.switched_at
    FROM pgevents.live_projections l
   WHERE false;

COMMENT ON VIEW pgevents.live_projection_status IS
  'Row type of pgevents.live_projection_status() (always empty itself).';
