-- name: AppendBatch :many
-- AppendBatch calls pgevents.append_batch: many independent appends in one
-- call and transaction. Appends is a JSON array of (p_items)
-- {"category", "stream", "events", "condition", "scope"} objects. Rows come
-- ordered by item, then position: a successful item's stored events, one
-- row with only Item set for an item that wrote nothing, or one row with
-- the item's error (ErrorCode is the SQLSTATE; nothing of it is written).
SELECT * FROM pgevents.append_batch(p_items => @appends);
