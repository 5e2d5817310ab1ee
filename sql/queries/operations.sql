-- Operations (issue 12): the stats functions, for pgstore's LogStats,
-- CategoryStats and EventNameStats (the CLI's stats, the browser's overview,
-- the serve command's /metrics).

-- name: LogStats :one
-- LogStats calls pgevents.log_stats: totals of the log (exact within the
-- count budget, else flagged estimates), rates and the fence.
SELECT * FROM pgevents.log_stats(p_count_budget => sqlc.narg(count_budget));

-- name: CategoryStats :many
-- CategoryStats calls pgevents.category_stats: per-category counts and
-- rates, key-set paged by category (or one category).
SELECT * FROM pgevents.category_stats(p_after => sqlc.narg(after), p_limit => @max_rows,
  p_count_budget => sqlc.narg(count_budget), p_category => sqlc.narg(category));

-- name: EventNameStats :many
-- EventNameStats calls pgevents.event_name_stats: the event names of the log
-- or a category, most frequent first.
SELECT * FROM pgevents.event_name_stats(p_category => sqlc.narg(category), p_limit => @max_rows,
  p_count_budget => sqlc.narg(count_budget));
