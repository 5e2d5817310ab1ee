-- pgevents.create_consumer_group: creates a consumer group over a category or the log (idempotent).
--
-- Parameters:
--   p_group       the group's name (1..255 characters, no control characters)
--   p_source      what it consumes, an identifier: {"type": "category",
--                 "category": C} or {"type": "log"} (a stream is refused)
--   p_partitions  the fixed number of partitions, 1..64 (default 1). Bucket b
--                 (pgevents.stream_bucket) belongs to partition b % p_partitions;
--                 each partition is owned by at most one live member.
--   p_from_end    false (default): the checkpoints start before the first
--                 event; true: after every event of a transaction that has
--                 ended (the fence), so only events committed from now on
--                 are delivered.
-- Returns the group's row. Creating a group that exists with the same source
-- and partitions returns it unchanged (p_from_end is then ignored); with a
-- different source or partition count it fails with PE122.
-- A group with more than one partition reads each bucket through the
-- category's consumer bucket index (pgevents.consumer_index_definition). When
-- it is missing, this function creates it: CREATE INDEX takes a SHARE lock
-- on pgevents.events while it builds, so appends wait; on a big table run
-- pgevents.consumer_index_definition(category, true) (CONCURRENTLY) first.
-- At most setting consumer_max_indexed_categories (default 8) such indexes
-- exist: each makes appends to its category pay an index insertion, and
-- every append a predicate test (~2-3 µs); and at most consumer_max_groups
-- groups (PE125 beyond either).
-- Locks: SHARE ROW EXCLUSIVE on pgevents.consumer_groups (serialises group
-- creation and removal; heartbeats, reads and saves are not blocked), and
-- CREATE INDEX's SHARE lock on pgevents.events when it builds the index.
-- Raises: PE101 invalid name, PE120 invalid source or partitions, PE122 the
-- group exists with another definition, PE125 a limit is reached.
-- VOLATILE: it writes.
CREATE OR REPLACE FUNCTION pgevents.create_consumer_group(
  p_group text,
  p_source jsonb,
  p_partitions integer DEFAULT 1,
  p_from_end boolean DEFAULT false
)
  RETURNS SETOF pgevents.consumer_groups
  LANGUAGE plpgsql
  VOLATILE
  SECURITY DEFINER
  SET search_path = pgevents, pg_temp
AS $$
DECLARE
  _category text;
  _existing pgevents.consumer_groups;
  _created pgevents.consumer_groups;
  _ddl text;
  _index text;
  _now timestamptz := pg_catalog.clock_timestamp();
  _start xid8 := '0'::xid8;
BEGIN
  PERFORM pgevents.check_name('group', p_group);
  IF p_source IS NULL OR pg_catalog.jsonb_typeof(p_source) <> 'object' THEN
    PERFORM pgevents.raise_invalid('PE120', 'source', 'must be {"type": "category", "category": ...} or {"type": "log"}');
  END IF;
  CASE p_source ->> 'type'
    WHEN 'log' THEN
      IF EXISTS (SELECT 1 FROM pg_catalog.jsonb_object_keys(p_source) k WHERE k <> 'type') THEN
        PERFORM pgevents.raise_invalid('PE120', 'source', 'a log source has no other key than "type"');
      END IF;
    WHEN 'category' THEN
      IF p_source ? 'stream' THEN
        PERFORM pgevents.raise_invalid('PE120', 'source', 'a consumer group consumes a category or the log, not a stream');
      END IF;
      IF EXISTS (SELECT 1 FROM pg_catalog.jsonb_object_keys(p_source) k WHERE k NOT IN ('type', 'category')) THEN
        PERFORM pgevents.raise_invalid('PE120', 'source', 'a category source has only the keys "type" and "category"');
      END IF;
      IF pg_catalog.jsonb_typeof(p_source -> 'category') IS DISTINCT FROM 'string' THEN
        PERFORM pgevents.raise_invalid('PE120', 'source.category', 'must be a string');
      END IF;
      _category := p_source ->> 'category';
      PERFORM pgevents.check_name('source.category', _category);
    ELSE
      IF p_source ->> 'type' = 'stream' THEN
        PERFORM pgevents.raise_invalid('PE120', 'source', 'a consumer group consumes a category or the log, not a stream');
      END IF;
      PERFORM pgevents.raise_invalid('PE120', 'source.type', 'must be "category" or "log"');
  END CASE;
  IF p_partitions IS NULL OR p_partitions < 1 OR p_partitions > 64 THEN
    PERFORM pgevents.raise_invalid('PE120', 'partitions',
      pg_catalog.format('must be between 1 and 64 (got %s)', COALESCE(p_partitions::text, 'NULL')));
  END IF;

  LOCK TABLE pgevents.consumer_groups IN SHARE ROW EXCLUSIVE MODE;
  SELECT * INTO _existing FROM pgevents.consumer_groups g WHERE g.name = p_group;
  IF FOUND THEN
    IF _existing.category IS NOT DISTINCT FROM _category AND _existing.partitions = p_partitions THEN
      RETURN NEXT _existing;
      RETURN;
    END IF;
    PERFORM pgevents.raise_consumer_error('PE122',
      pg_catalog.format('consumer group %s exists with another definition (source %s, %s partitions)', p_group,
        COALESCE(_existing.category, 'the log'), _existing.partitions),
      pg_catalog.jsonb_build_object('group', p_group, 'category', _existing.category, 'partitions', _existing.partitions));
  END IF;
  IF (SELECT pg_catalog.count(*) FROM pgevents.consumer_groups) >= COALESCE(pgevents.setting('consumer_max_groups')::integer, 1000) THEN
    PERFORM pgevents.raise_invalid('PE125', 'group',
      pg_catalog.format('there are already %s consumer groups (setting consumer_max_groups)', pgevents.setting('consumer_max_groups')));
  END IF;

  IF p_partitions > 1 THEN
    _ddl := pgevents.consumer_index_definition(_category, false);
    _index := pg_catalog.substring(_ddl, 'IF NOT EXISTS "?([a-z0-9_]+)"? ON');
    IF pg_catalog.to_regclass(pg_catalog.format('pgevents.%I', _index)) IS NULL THEN
      IF (SELECT pg_catalog.count(*) FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
           WHERE i.indrelid = 'pgevents.events'::regclass AND c.relname LIKE 'events\_consumer\_%\_idx')
         >= COALESCE(pgevents.setting('consumer_max_indexed_categories')::integer, 8) THEN
        PERFORM pgevents.raise_invalid('PE125', 'partitions', pg_catalog.format(
          'a group with several partitions needs a bucket index on its source, and %s such indexes exist already (setting consumer_max_indexed_categories)',
          pgevents.setting('consumer_max_indexed_categories')));
      END IF;
      EXECUTE _ddl;
    END IF;
  END IF;

  IF COALESCE(p_from_end, false) THEN
    _start := pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot());
  END IF;
  INSERT INTO pgevents.consumer_groups (name, category, partitions, created_at)
    VALUES (p_group, _category, p_partitions, _now)
    RETURNING * INTO _created;
  INSERT INTO pgevents.consumer_partitions (group_name, partition)
    SELECT p_group, p FROM pg_catalog.generate_series(0, p_partitions - 1) p;
  INSERT INTO pgevents.consumer_checkpoints (group_name, bucket, partition, transaction_id, sequence_number, updated_at)
    SELECT p_group, b, b % p_partitions, _start, 0, _now
      FROM pg_catalog.generate_series(0, CASE WHEN p_partitions = 1 THEN 0 ELSE 63 END) b;
  RETURN NEXT _created;
END;
$$;

COMMENT ON FUNCTION pgevents.create_consumer_group(text, jsonb, integer, boolean) IS
  'Creates a consumer group over a category or the log with 1..64 partitions (idempotent for the same definition); creates the category''s consumer bucket index when partitions > 1. Locks: SHARE ROW EXCLUSIVE on consumer_groups; SHARE on events while an index builds. SQLSTATEs: PE101, PE120, PE122, PE125.';
