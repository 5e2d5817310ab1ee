-- +goose Up
-- 00010: the batch append (issue 10): the row type of pgevents.append_batch
-- and its item limit. Builds exactly what sql/schema/50_append_batch.sql describes.
-- The row type of pgevents.append_batch: the item's 0-based index, its error
-- (SQLSTATE, message, DETAIL, HINT; NULL on success), then the columns of
-- pgevents.events (NULL for a failed item, and for an item that wrote
-- nothing). A view, not CREATE TYPE: sqlc types the columns of a view (see
-- the sqlc notes in sqlc.yaml), and a view's row type is a composite type
-- like any other. Always empty itself.
CREATE VIEW pgevents.append_batch_result AS
  SELECT 0::integer          AS item,
         NULL::text          AS error_code,
         NULL::text          AS error_message,
         NULL::text          AS error_detail,
         NULL::text          AS error_hint,
         NULL::bigint        AS sequence_number,
         NULL::xid8          AS transaction_id,
         NULL::uuid          AS id,
         NULL::text          AS category,
         NULL::text          AS stream,
         NULL::bigint        AS position,
         NULL::text          AS name,
         NULL::jsonb         AS payload,
         NULL::jsonb         AS metadata,
         NULL::timestamptz   AS occurred_at,
         NULL::timestamptz   AS observed_at
   WHERE false;

COMMENT ON VIEW pgevents.append_batch_result IS
  'Row type of pgevents.append_batch(): item (0-based), error_code/message/detail/hint (NULL on success), then the columns of pgevents.events (NULL for a failed item or one that wrote nothing). Always empty itself.';

REVOKE ALL ON pgevents.append_batch_result FROM PUBLIC;

-- The limit of one batch call (PE112); its events together are bounded by
-- max_append_events and its JSON text by max_append_size.
INSERT INTO pgevents.settings (name, value, description) VALUES
  ('max_batch_items', '1000',
   'Most items one call of append_batch may carry; 100 to 100000. More: PE112 (the whole call fails, nothing written).')
ON CONFLICT (name) DO NOTHING;

ALTER TABLE pgevents.settings ADD CONSTRAINT settings_append_batch_check CHECK (
  CASE name
    WHEN 'max_batch_items' THEN pg_catalog.jsonb_typeof(value) = 'number' AND value::text ~ '^[1-9][0-9]{2,5}$'
      AND value::text::numeric <= 100000
    ELSE true
  END);

-- pgevents.write_stream, the core of every append, now returns
-- pgevents.append_batch_result rows and takes the batch item (p_item):
-- drop the old signature (the function files install the new one).
DROP FUNCTION IF EXISTS pgevents.write_stream(text, text, jsonb, jsonb, text);

-- +goose Down
-- The functions that use the row type first (a later migrate reinstalls
-- the function files of its version).
DROP FUNCTION IF EXISTS pgevents.append_batch(jsonb),
  pgevents.write_stream(text, text, jsonb, jsonb, text, integer),
  pgevents.fail_append(integer, text, text, text, text);
ALTER TABLE pgevents.settings DROP CONSTRAINT settings_append_batch_check;
DELETE FROM pgevents.settings WHERE name = 'max_batch_items';
DROP VIEW pgevents.append_batch_result;
