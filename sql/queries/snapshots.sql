-- name: SaveSnapshot :one
-- SaveSnapshot calls pgevents.save_snapshot: saves the snapshot of a stream
-- for (Name, Version) at Position, unless the stored one is already at or
-- past it; returns the stored row. Nil State or Metadata are stored as JSON
-- null.
SELECT * FROM pgevents.save_snapshot(
  p_name => @name,
  p_version => @version,
  p_category => @category,
  p_stream => @stream,
  p_position => @position,
  p_state => sqlc.narg(state),
  p_metadata => sqlc.narg(metadata)
);

-- name: LoadSnapshot :one
-- LoadSnapshot calls pgevents.load_snapshot: the snapshot of a stream for
-- (Name, Version). It returns pgx.ErrNoRows when there is none.
SELECT * FROM pgevents.load_snapshot(p_name => @name, p_version => @version, p_category => @category, p_stream => @stream);

-- name: DropSnapshots :one
-- DropSnapshots calls pgevents.drop_snapshots: deletes the snapshots of
-- Name (of versions below BelowVersion when not nil); returns how many.
SELECT pgevents.drop_snapshots(p_name => @name, p_below_version => sqlc.narg(below_version)) AS count;
