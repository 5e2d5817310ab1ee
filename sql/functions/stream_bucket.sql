-- pgevents.stream_bucket: the consumer bucket (0..63) of a stream.
--
-- Parameters: p_category, p_stream: the stream. Returns
-- hashtext(p_category || E'\x1f' || p_stream) & 63, the expression the
-- consumer bucket indexes are built on (pgevents.consumer_index_definition)
-- and that pgevents.read_consumer_batch reads by. A stream's bucket never
-- changes; bucket b belongs to partition b % partitions of a group. U+001F
-- cannot occur in a valid name, so two streams never hash the same text.
-- The Go function consumer.Bucket computes the same value.
-- The index expression is spelled out where it is used rather than calling
-- this function: an index must never depend on a function body that a later
-- migration could replace.
-- Raises nothing (NULL for NULL input). Locks: none. IMMUTABLE: a pure
-- function of its arguments (hashtext of a deterministic collation).
CREATE OR REPLACE FUNCTION pgevents.stream_bucket(p_category text, p_stream text)
  RETURNS integer
  LANGUAGE sql
  IMMUTABLE
  STRICT
  PARALLEL SAFE
  SET search_path = pgevents, pg_temp
AS $$
  SELECT pg_catalog.hashtext(p_category || E'\x1f' || p_stream) & 63
$$;

COMMENT ON FUNCTION pgevents.stream_bucket(text, text) IS
  'The consumer bucket (0..63) of a stream: hashtext(category || E''\x1f'' || stream) & 63. Bucket b belongs to partition b % partitions. No locks.';
