-- name: SaveProjection :one
-- SaveProjection calls pgevents.save_projection: upserts the projection
-- (Name, ID) and returns the stored row; the first save's source and
-- created_at are kept. Nil State or Metadata are stored as JSON null.
SELECT * FROM pgevents.save_projection(
  p_name => @name,
  p_id => @id,
  p_source => @source,
  p_state => sqlc.narg(state),
  p_metadata => sqlc.narg(metadata)
);

-- name: LoadProjection :one
-- LoadProjection calls pgevents.load_projection: the projection (Name, ID).
-- It returns pgx.ErrNoRows when there is none.
SELECT * FROM pgevents.load_projection(p_name => @name, p_id => @id);

-- name: LocateProjection :one
-- LocateProjection calls pgevents.locate_projection: the projection of Name
-- whose source is Source (an identifier JSON). It returns pgx.ErrNoRows when
-- there is none, and SQLSTATE PE111 when there are several.
SELECT * FROM pgevents.locate_projection(p_name => @name, p_source => @source);

-- name: SearchProjections :many
-- SearchProjections calls pgevents.search_projections: the page of
-- projections matching Query (docs/query-language.md), in sort order.
SELECT * FROM pgevents.search_projections(p_query => @query);

-- name: CountProjections :one
-- CountProjections calls pgevents.count_projections: how many projections
-- match Query's filters.
SELECT pgevents.count_projections(p_query => @query) AS count;

-- name: LoadProjectionBatch :batchone
-- LoadProjectionBatch is LoadProjection for several projections in one
-- pipelined round trip (live projection batches).
SELECT * FROM pgevents.load_projection(p_name => @name, p_id => @id);

-- name: SaveProjectionBatch :batchone
-- SaveProjectionBatch is SaveProjection for several projections in one
-- pipelined round trip (live projection batches).
SELECT * FROM pgevents.save_projection(
  p_name => @name,
  p_id => @id,
  p_source => @source,
  p_state => sqlc.narg(state),
  p_metadata => sqlc.narg(metadata)
);
