-- name: RegisterLiveProjection :one
-- RegisterLiveProjection calls pgevents.register_live_projection: records
-- (or updates) live projection Name with its projector Version, consumer
-- Group and Category (nil: the log), clearing its error.
SELECT * FROM pgevents.register_live_projection(
  p_name => @name,
  p_version => @version,
  p_group => @group_name,
  p_category => sqlc.narg(category)
);

-- name: FailLiveProjection :one
-- FailLiveProjection calls pgevents.fail_live_projection: records the
-- error that stopped live projection Name; false when it is not registered.
SELECT pgevents.fail_live_projection(p_name => @name, p_error => @error, p_build => sqlc.narg(build)) AS found;

-- name: LiveProjectionStatus :many
-- LiveProjectionStatus calls pgevents.live_projection_status: every live
-- projection (or Name), with version, cursor, lag and state.
SELECT * FROM pgevents.live_projection_status(p_name => sqlc.narg(name));

-- name: DropLiveProjection :one
-- DropLiveProjection calls pgevents.drop_live_projection: removes live
-- projection Name with its group, projections and snapshots; returns the
-- projections deleted (-1: no such live projection).
SELECT COALESCE(pgevents.drop_live_projection(p_name => @name), -1)::bigint AS count;

-- name: CheckLiveProjectionBuild :one
-- CheckLiveProjectionBuild calls pgevents.check_live_projection_build (in a
-- batch's transaction): the projection name Build saves under; SQLSTATE
-- PE141 when the build was switched out, abandoned or dropped.
SELECT pgevents.check_live_projection_build(p_name => @name, p_build => @build)::text AS target;

-- name: SwitchLiveProjection :one
-- SwitchLiveProjection calls pgevents.switch_live_projection: swaps build
-- Build in when it has at most MaxLag events left; reports whether it did.
SELECT pgevents.switch_live_projection(p_name => @name, p_build => @build, p_max_lag => @max_lag) AS switched;

-- name: RequestLiveProjectionRebuild :many
-- RequestLiveProjectionRebuild calls pgevents.request_live_projection_rebuild:
-- starts a rebuild of the serving version of live projection Name (no-op
-- while one is in progress); no row when there is no such projection.
SELECT * FROM pgevents.request_live_projection_rebuild(p_name => @name);

-- name: FindLiveProjection :many
-- FindLiveProjection calls pgevents.find_live_projection: the registry row
-- of live projection Name (no row: no such projection).
SELECT * FROM pgevents.find_live_projection(p_name => @name);
