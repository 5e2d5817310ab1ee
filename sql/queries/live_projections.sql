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
SELECT pgevents.fail_live_projection(p_name => @name, p_error => @error) AS found;

-- name: LiveProjectionStatus :many
-- LiveProjectionStatus calls pgevents.live_projection_status: every live
-- projection (or Name), with version, cursor, lag and state.
SELECT * FROM pgevents.live_projection_status(p_name => sqlc.narg(name));

-- name: DropLiveProjection :one
-- DropLiveProjection calls pgevents.drop_live_projection: removes live
-- projection Name with its group, projections and snapshots; returns the
-- projections deleted (-1: no such live projection).
SELECT COALESCE(pgevents.drop_live_projection(p_name => @name), -1)::bigint AS count;
