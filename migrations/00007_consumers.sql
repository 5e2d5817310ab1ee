-- +goose Up
-- 00007: consumers and consumer groups (issue 9, SPEC §7). Builds exactly
-- what sql/schema/30_consumers.sql describes; the functions are repeatable
-- (sql/functions/*consumer*.sql, *parked*.sql), applied by pgevents.Migrate.
--
-- Design
-- ======
-- A consumer group processes a source (one category, or the whole log) in
-- the fenced (transaction_id, sequence_number) order of SPEC §3, from
-- durable checkpoints. A consumer is a group of one member.
--
-- Partitions and buckets. Every stream has a fixed bucket, 0..63:
--   hashtext(category || E'\x1f' || stream) & 63
-- (pgevents.stream_bucket; U+001F cannot occur in a name, so two streams
-- never hash the same text). A group is created with N partitions (1..64);
-- bucket b belongs to partition b % N, so a stream always lands in one
-- partition. A partition is the unit of ownership (one live member at a
-- time); a bucket is the unit of reading: each bucket of a group has its own
-- checkpoint, and a member reads each of its buckets as ONE ordered index
-- range, from that bucket's checkpoint:
--   category = C AND <bucket expression> = b
--   AND (transaction_id, sequence_number) > checkpoint
--   AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
--   ORDER BY transaction_id, sequence_number LIMIT n
-- so a member reads only its own rows (no read amplification, no merge).
-- A group with ONE partition has a single checkpoint over the whole source
-- (bucket 0 stands for everything) and reads through the existing
-- events_category_order_idx / events_log_order_idx: singleton consumers need
-- no index at all.
--
-- The bucket index, and what it costs appends. Reading a bucket needs an
-- index on (bucket expression, transaction_id, sequence_number). One index
-- over every event would make every append pay an extra index insertion
-- (measured at ~4-7 µs per row of backend CPU, ~15% of a 10-event append;
-- see bench/README.md, "Consumers"). So the index is PARTIAL and created on
-- demand, per category: the first group with N > 1 partitions over category
-- C creates
--   events_consumer_<slug>_<hash>_idx ON pgevents.events
--     ((hashtext(category || E'\x1f' || stream) & 63), transaction_id, sequence_number)
--     WHERE category = C
-- (pgevents.consumer_index_definition prints it, also CONCURRENTLY for big
-- tables). Appends to other categories pay only the predicate test; a log
-- group with N > 1 creates the same index over the whole log. No stored
-- column is added to pgevents.events, so its row type (and every SETOF
-- pgevents.events function) is unchanged.
--
-- Membership and fencing, leaderless. A member calls
-- pgevents.join_consumer_group (the heartbeat) every lease/3: it renews its
-- lease (a row in consumer_members), forgets members whose lease has
-- expired, computes its fair share (partitions / live members; the first
-- partitions % members members by name take one more), releases partitions
-- above it and claims unowned ones (no owner, or an owner without a live
-- lease) up to it. Every claim increments the partition's generation: the
-- fencing token. A checkpoint is saved only by the owner at the current
-- generation, and only from the checkpoint the batch started at
-- (compare-and-set): a member that lost a partition (paused, partitioned,
-- rebalanced away) gets PE123 and nothing moves; a batch that does not start
-- at the stored checkpoint gets PE124. Membership changes of a group are
-- serialised by a row lock on its consumer_groups row (FOR NO KEY UPDATE,
-- transaction-scoped); a checkpoint save holds FOR SHARE on its partition's
-- row until commit, so a claim waits for the batch in flight to commit or
-- roll back. No session advisory locks anywhere: everything works behind
-- PgBouncer in transaction mode. A clean stop (pgevents.leave_consumer_group)
-- releases at once; a crash is noticed when the lease expires.
--
-- Wake-up. Appends never NOTIFY (a NOTIFY makes every commit take a global
-- lock). The Go driver (pgstore) sends one coalesced NOTIFY on channel
-- pgevents_appended after its own appends commit, at most one in flight;
-- members that can LISTEN wake on it, everyone else polls. LISTEN is an
-- optimisation; an idle member costs one read per poll interval.
--
-- Poison events. consumer_parked holds events a member gave up on (error,
-- attempts); they can be listed, marked for replay (the owning member
-- delivers them again before new events) and dropped.

-- Consumer groups: the source and the fixed partition count.
CREATE TABLE pgevents.consumer_groups (
  name       text        NOT NULL,
  category   text,
  partitions integer     NOT NULL,
  created_at timestamptz NOT NULL,
  CONSTRAINT consumer_groups_pkey PRIMARY KEY (name),
  CONSTRAINT consumer_groups_partitions_check CHECK (partitions BETWEEN 1 AND 64)
);

COMMENT ON TABLE pgevents.consumer_groups IS
  'Consumer groups: a source (category, or NULL = the log) split into a fixed number of partitions. Write through pgevents.create_consumer_group / drop_consumer_group.';
COMMENT ON COLUMN pgevents.consumer_groups.category IS
  'The category the group consumes; NULL: the whole log.';
COMMENT ON COLUMN pgevents.consumer_groups.partitions IS
  'Number of partitions (1..64), fixed at creation. Bucket b (pgevents.stream_bucket) belongs to partition b % partitions.';

-- Live members: one row per member with an unexpired lease (expired rows are
-- removed by the next heartbeat of the group).
CREATE TABLE pgevents.consumer_members (
  group_name       text        NOT NULL,
  member           text        NOT NULL,
  joined_at        timestamptz NOT NULL,
  heartbeat_at     timestamptz NOT NULL,
  lease_expires_at timestamptz NOT NULL,
  CONSTRAINT consumer_members_pkey PRIMARY KEY (group_name, member),
  CONSTRAINT consumer_members_group_fkey FOREIGN KEY (group_name)
    REFERENCES pgevents.consumer_groups (name) ON DELETE CASCADE
);

COMMENT ON TABLE pgevents.consumer_members IS
  'Members of consumer groups and their leases. Written by pgevents.join_consumer_group (the heartbeat) and leave_consumer_group.';

-- Partitions: owner and fencing token.
CREATE TABLE pgevents.consumer_partitions (
  group_name text        NOT NULL,
  partition  integer     NOT NULL,
  owner      text,
  generation bigint      NOT NULL DEFAULT 0,
  claimed_at timestamptz,
  CONSTRAINT consumer_partitions_pkey PRIMARY KEY (group_name, partition),
  CONSTRAINT consumer_partitions_group_fkey FOREIGN KEY (group_name)
    REFERENCES pgevents.consumer_groups (name) ON DELETE CASCADE
);

COMMENT ON TABLE pgevents.consumer_partitions IS
  'Partitions of consumer groups: the owning member (NULL: unowned; an owner without a live lease may be replaced) and the lease generation.';
COMMENT ON COLUMN pgevents.consumer_partitions.generation IS
  'Lease generation, the fencing token: incremented by every claim. Checkpoints are saved only at the current generation.';

-- Checkpoints: one per bucket (one per group when it has one partition).
CREATE TABLE pgevents.consumer_checkpoints (
  group_name      text        NOT NULL,
  bucket          integer     NOT NULL,
  partition       integer     NOT NULL,
  transaction_id  xid8        NOT NULL DEFAULT '0',
  sequence_number bigint      NOT NULL DEFAULT 0,
  updated_at      timestamptz NOT NULL,
  CONSTRAINT consumer_checkpoints_pkey PRIMARY KEY (group_name, bucket),
  CONSTRAINT consumer_checkpoints_bucket_check CHECK (bucket BETWEEN 0 AND 63),
  CONSTRAINT consumer_checkpoints_partition_fkey FOREIGN KEY (group_name, partition)
    REFERENCES pgevents.consumer_partitions (group_name, partition) ON DELETE CASCADE
);

COMMENT ON TABLE pgevents.consumer_checkpoints IS
  'Checkpoints of consumer groups: per bucket, the cursor (transaction_id, sequence_number) of the last event handled. Moved only forwards, by pgevents.save_consumer_checkpoint.';

CREATE INDEX consumer_checkpoints_partition_idx ON pgevents.consumer_checkpoints (group_name, partition);

-- Parked (dead-lettered) events.
CREATE TABLE pgevents.consumer_parked (
  id                  bigint GENERATED ALWAYS AS IDENTITY,
  group_name          text        NOT NULL,
  bucket              integer     NOT NULL,
  sequence_number     bigint      NOT NULL,
  error               text        NOT NULL,
  attempts            integer     NOT NULL,
  parked_at           timestamptz NOT NULL,
  updated_at          timestamptz NOT NULL,
  replay_requested_at timestamptz,
  CONSTRAINT consumer_parked_pkey PRIMARY KEY (id),
  CONSTRAINT consumer_parked_event_key UNIQUE (group_name, sequence_number),
  CONSTRAINT consumer_parked_group_fkey FOREIGN KEY (group_name)
    REFERENCES pgevents.consumer_groups (name) ON DELETE CASCADE
);

COMMENT ON TABLE pgevents.consumer_parked IS
  'Parked (dead-lettered) events of consumer groups: the event (by sequence number), the last error and the attempts. List, replay and drop with pgevents.list_parked_events / replay_parked_events / drop_parked_events.';

-- Replays a member must deliver.
CREATE INDEX consumer_parked_replay_idx ON pgevents.consumer_parked (group_name, bucket)
  WHERE replay_requested_at IS NOT NULL;

-- The row type of pgevents.read_consumer_batch: one delivered event, with
-- the bucket it was read from, that bucket's checkpoint before the batch
-- (for the compare-and-set of pgevents.save_consumer_checkpoint), the
-- partition's generation, and for a replay the parked row's id. Selecting
-- from the view itself returns nothing.
CREATE VIEW pgevents.consumer_batch AS
  SELECT c.group_name, c.partition, c.bucket, p.generation,
         c.transaction_id AS after_transaction_id, c.sequence_number AS after_sequence_number,
         NULL::bigint AS parked_id, 0::integer AS attempts,
         e.sequence_number, e.transaction_id, e.id, e.category, e.stream, e.position, e.name,
         e.payload, e.metadata, e.occurred_at, e.observed_at
    FROM pgevents.consumer_checkpoints c
    JOIN pgevents.consumer_partitions p ON p.group_name = c.group_name AND p.partition = c.partition
   CROSS JOIN pgevents.events e
   WHERE false;

COMMENT ON VIEW pgevents.consumer_batch IS
  'Row type of pgevents.read_consumer_batch (always empty itself).';

-- The row type of pgevents.consumer_status: one row per partition of a group.
CREATE VIEW pgevents.consumer_status AS
  SELECT g.name AS group_name, g.category, g.partitions, p.partition, p.owner,
         m.lease_expires_at, p.generation,
         c.transaction_id, c.sequence_number, c.updated_at,
         0::bigint AS lag_events, CAST(NULL AS interval) AS lag,
         0::bigint AS held_back_events, CAST(NULL AS interval) AS fence_lag,
         0::bigint AS parked_events, '0'::xid8 AS fence
    FROM pgevents.consumer_groups g
    JOIN pgevents.consumer_partitions p ON p.group_name = g.name
    JOIN pgevents.consumer_checkpoints c ON c.group_name = p.group_name AND c.partition = p.partition
    LEFT JOIN pgevents.consumer_members m ON m.group_name = p.group_name AND m.member = p.owner
   WHERE false;

COMMENT ON VIEW pgevents.consumer_status IS
  'Row type of pgevents.consumer_status() (always empty itself).';

-- A parked event with the event itself.
CREATE VIEW pgevents.parked_events AS
  SELECT k.id AS parked_id, k.group_name, k.bucket, k.error, k.attempts, k.parked_at, k.updated_at,
         k.replay_requested_at,
         e.sequence_number, e.transaction_id, e.id, e.category, e.stream, e.position, e.name,
         e.payload, e.metadata, e.occurred_at, e.observed_at
    FROM pgevents.consumer_parked k
    JOIN pgevents.events e ON e.sequence_number = k.sequence_number;

COMMENT ON VIEW pgevents.parked_events IS
  'Parked events of consumer groups, joined with the events. Row type of pgevents.list_parked_events.';

-- Limits (owner-only settings; see pgevents.settings).
INSERT INTO pgevents.settings (name, value, description) VALUES
  ('consumer_max_groups', '1000', 'Maximum number of consumer groups (create_consumer_group fails with PE125 beyond it).'),
  ('consumer_max_members', '256', 'Maximum number of live members of one consumer group (join_consumer_group fails with PE125 beyond it).'),
  ('consumer_max_indexed_categories', '8', 'Maximum number of consumer bucket indexes (categories, or the log, consumed by groups of several partitions): each costs appends to its category one index insertion, and every append a predicate test (~2-3 µs).'),
  ('consumer_max_batch', '10000', 'Largest batch read_consumer_batch returns (limit), and the most ids replay/drop_parked_events take.'),
  ('consumer_max_error_length', '8192', 'Parked error texts are cut to this many characters.'),
  ('consumer_status_max_count', '1000000', 'consumer_status counts at most this many lagging events per partition.')
ON CONFLICT (name) DO NOTHING;

-- The tables are written only through the functions (which run as the
-- owner); reading them is allowed.
REVOKE ALL ON pgevents.consumer_groups, pgevents.consumer_members, pgevents.consumer_partitions,
  pgevents.consumer_checkpoints, pgevents.consumer_parked, pgevents.consumer_batch,
  pgevents.consumer_status, pgevents.parked_events FROM PUBLIC;
GRANT SELECT ON pgevents.consumer_groups, pgevents.consumer_members, pgevents.consumer_partitions,
  pgevents.consumer_checkpoints, pgevents.consumer_parked, pgevents.parked_events
  TO pgevents_reader, pgevents_writer;

-- +goose Down
-- The consumer functions first (they depend on the tables and views).
DROP FUNCTION IF EXISTS pgevents.create_consumer_group(text, jsonb, integer, boolean),
  pgevents.drop_consumer_group(text),
  pgevents.join_consumer_group(text, text, interval),
  pgevents.leave_consumer_group(text, text),
  pgevents.read_consumer_batch(text, text, integer),
  pgevents.save_consumer_checkpoint(text, text, integer, bigint, xid8, bigint, xid8, bigint),
  pgevents.park_consumer_event(text, text, bigint, bigint, text, integer),
  pgevents.settle_parked_event(text, text, bigint, bigint),
  pgevents.list_parked_events(text, bigint, integer),
  pgevents.replay_parked_events(text, bigint[]),
  pgevents.drop_parked_events(text, bigint[]),
  pgevents.consumer_status(text),
  pgevents.list_consumer_members(text),
  pgevents.find_consumer_group(text),
  pgevents.lock_consumer_partition(text, text, integer, bigint),
  pgevents.raise_consumer_error(text, text, jsonb),
  pgevents.check_parked_ids(bigint[]),
  pgevents.consumer_bucket_query(text),
  pgevents.consumer_index_definition(text, boolean),
  pgevents.stream_bucket(text, text);
-- The bucket indexes created on demand (events_consumer_*_idx) are dropped
-- too: they serve only consumer groups.
-- +goose StatementBegin
DO $$
DECLARE
  _index text;
BEGIN
  FOR _index IN
    SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_index i ON i.indexrelid = c.oid
     WHERE i.indrelid = 'pgevents.events'::regclass AND c.relname LIKE 'events\_consumer\_%\_idx'
  LOOP
    EXECUTE pg_catalog.format('DROP INDEX pgevents.%I', _index);
  END LOOP;
END
$$;
-- +goose StatementEnd
DROP VIEW pgevents.parked_events;
DROP VIEW pgevents.consumer_status;
DROP VIEW pgevents.consumer_batch;
DROP TABLE pgevents.consumer_parked;
DROP TABLE pgevents.consumer_checkpoints;
DROP TABLE pgevents.consumer_partitions;
DROP TABLE pgevents.consumer_members;
DROP TABLE pgevents.consumer_groups;
DELETE FROM pgevents.settings WHERE name LIKE 'consumer\_%';
