-- name: AppendEvents :many
-- AppendEvents calls pgevents.append: appends events (a JSON array) to one stream
-- atomically under an optional condition (NULL = none) and serialisation
-- scope, and returns the stored events in input order.
SELECT * FROM pgevents.append(
  p_category => @category,
  p_stream => @stream,
  p_events => @events,
  p_condition => sqlc.narg(condition),
  p_scope => @scope
);

-- name: AppendStreams :many
-- AppendStreams calls pgevents.append_streams: appends to several streams of
-- one category, all or nothing. Streams is a JSON object
-- stream -> {"events": [...], "condition": ...}.
SELECT * FROM pgevents.append_streams(
  p_category => @category,
  p_streams => @streams,
  p_scope => @scope
);

-- name: ReadStream :many
-- ReadStream calls pgevents.read_stream: a stream's events in position order
-- from FromPosition, at most Limit (-1 = all).
SELECT * FROM pgevents.read_stream(
  p_category => @category,
  p_stream => @stream,
  p_from_position => @from_position,
  p_limit => sqlc.arg('limit')
);

-- name: ReadCategory :many
-- ReadCategory calls pgevents.read_category: a category's events after the
-- cursor (AfterTransactionID, AfterSequenceNumber), in resumable order, below
-- the snapshot fence. The cast picks the xid8 version (not the text overload
-- for literals), also under the simple protocol.
SELECT * FROM pgevents.read_category(
  p_category => @category,
  p_after_transaction_id => @after_transaction_id::xid8,
  p_after_sequence_number => @after_sequence_number,
  p_limit => sqlc.arg('limit')
);

-- name: ReadLog :many
-- ReadLog calls pgevents.read_log: the log's events after the cursor
-- (AfterTransactionID, AfterSequenceNumber), in resumable order, below the
-- snapshot fence. The cast picks the xid8 version (not the text overload for
-- literals), also under the simple protocol.
SELECT * FROM pgevents.read_log(
  p_after_transaction_id => @after_transaction_id::xid8,
  p_after_sequence_number => @after_sequence_number,
  p_limit => sqlc.arg('limit')
);

-- name: ReadLogBySequence :many
-- ReadLogBySequence calls pgevents.read_log_by_sequence, the legacy read by
-- sequence number: safe for resuming only when every writer uses the log
-- scope. Category nil reads the whole log.
SELECT * FROM pgevents.read_log_by_sequence(
  p_after_sequence_number => @after_sequence_number,
  p_limit => sqlc.arg('limit'),
  p_category => sqlc.narg(category)
);

-- name: LatestEvent :one
-- LatestEvent calls pgevents.latest_event: the latest event of a stream
-- (category and stream), a category (category only) or the log (neither).
-- It returns pgx.ErrNoRows when there is none.
SELECT * FROM pgevents.latest_event(
  p_category => sqlc.narg(category),
  p_stream => sqlc.narg(stream)
);

-- name: StreamPosition :one
-- StreamPosition calls pgevents.stream_position: the stream's latest
-- position, nil when the stream is empty.
SELECT * FROM pgevents.stream_position(p_category => @category, p_stream => @stream);

-- name: FenceLag :one
-- FenceLag calls pgevents.fence_lag: the snapshot fence and how many
-- committed events it holds back from resumable readers, since when.
SELECT * FROM pgevents.fence_lag();

-- name: Identifier :one
-- Identifier calls pgevents.identifier: the JSON identifier of the log, a
-- category (category only) or a stream (both).
SELECT pgevents.identifier(
  p_category => sqlc.narg(category),
  p_stream => sqlc.narg(stream)
) AS identifier;
