-- +goose Up
-- 00009: live projections (issue 11): snapshots. Builds exactly what
-- sql/schema/40_live_projections.sql describes.

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

-- +goose Down
-- Drops what Up created (the functions first: they name the table).
DROP FUNCTION IF EXISTS pgevents.save_snapshot(text, integer, text, text, bigint, jsonb, jsonb),
  pgevents.load_snapshot(text, integer, text, text),
  pgevents.drop_snapshots(text, integer);
DROP TABLE pgevents.snapshots;
