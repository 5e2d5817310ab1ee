-- name: CreateConsumerGroup :one
-- CreateConsumerGroup calls pgevents.create_consumer_group: creates a consumer
-- group over a source identifier (a category or the log) with 1..64
-- partitions, or returns the existing one with the same definition.
SELECT * FROM pgevents.create_consumer_group(
  p_group => @group_name,
  p_source => @source,
  p_partitions => @partitions,
  p_from_end => @from_end
);

-- name: DropConsumerGroup :one
-- DropConsumerGroup calls pgevents.drop_consumer_group: removes a group with
-- its members, partitions, checkpoints and parked events; true when it existed.
SELECT pgevents.drop_consumer_group(p_group => @group_name);

-- name: JoinConsumerGroup :many
-- JoinConsumerGroup calls pgevents.join_consumer_group, the heartbeat: renews
-- the member's lease, rebalances, returns the partitions it owns.
SELECT * FROM pgevents.join_consumer_group(
  p_group => @group_name,
  p_member => @member,
  p_lease => @lease
);

-- name: LeaveConsumerGroup :one
-- LeaveConsumerGroup calls pgevents.leave_consumer_group: releases the
-- member's partitions at once; returns how many.
SELECT pgevents.leave_consumer_group(p_group => @group_name, p_member => @member);

-- name: ReadConsumerBatch :many
-- ReadConsumerBatch calls pgevents.read_consumer_batch: the member's next
-- deliveries (replays first, then new events of its buckets). Every column
-- but group_name (the caller's own argument): the function is inlined, so
-- a column not selected is neither computed nor sent, 5,000 times per
-- catch-up batch.
SELECT partition, bucket, generation, after_transaction_id, after_sequence_number, parked_id, attempts,
       sequence_number, transaction_id, id, category, stream, position, name, payload, metadata,
       occurred_at, observed_at
  FROM pgevents.read_consumer_batch(
  p_group => @group_name,
  p_member => @member,
  p_limit => @batch_limit
);

-- name: SaveConsumerCheckpoint :batchexec
-- SaveConsumerCheckpoint calls pgevents.save_consumer_checkpoint for each
-- bucket of a batch, pipelined: moves a bucket's checkpoint from where the
-- batch started to its last event, only for the owner at the generation.
SELECT pgevents.save_consumer_checkpoint(
  p_group => @group_name,
  p_member => @member,
  p_bucket => @bucket,
  p_generation => @generation,
  p_after_transaction_id => @after_transaction_id,
  p_after_sequence_number => @after_sequence_number,
  p_transaction_id => @transaction_id,
  p_sequence_number => @sequence_number
);

-- name: ParkConsumerEvent :batchexec
-- ParkConsumerEvent calls pgevents.park_consumer_event, pipelined: parks an
-- event with its error (a parked one is updated).
SELECT pgevents.park_consumer_event(
  p_group => @group_name,
  p_member => @member,
  p_generation => @generation,
  p_sequence_number => @sequence_number,
  p_error => @error,
  p_attempts => @attempts
);

-- name: SettleParkedEvent :batchexec
-- SettleParkedEvent calls pgevents.settle_parked_event, pipelined: removes a
-- parked event whose replay was handled.
SELECT pgevents.settle_parked_event(
  p_group => @group_name,
  p_member => @member,
  p_generation => @generation,
  p_parked_id => @parked_id
);

-- name: ListParkedEvents :many
-- ListParkedEvents calls pgevents.list_parked_events: a group's parked events
-- with the events, in id order, after AfterID, at most Limit (-1 = all).
SELECT * FROM pgevents.list_parked_events(
  p_group => @group_name,
  p_after_id => @after_id,
  p_limit => sqlc.arg('limit')
);

-- name: ReplayParkedEvents :one
-- ReplayParkedEvents calls pgevents.replay_parked_events: marks parked events
-- for replay; returns how many are marked.
SELECT pgevents.replay_parked_events(p_group => @group_name, p_ids => @ids::bigint[]);

-- name: DropParkedEvents :one
-- DropParkedEvents calls pgevents.drop_parked_events: removes parked events;
-- returns how many.
SELECT pgevents.drop_parked_events(p_group => @group_name, p_ids => @ids::bigint[]);

-- name: ConsumerStatus :many
-- ConsumerStatus calls pgevents.consumer_status: every partition of one group
-- (or all, GroupName nil) with owner, lease, checkpoint, lag and fence lag.
SELECT * FROM pgevents.consumer_status(p_group => sqlc.narg(group_name));

-- name: ListConsumerMembers :many
-- ListConsumerMembers calls pgevents.list_consumer_members: the live members
-- of one group (or all, GroupName nil).
SELECT * FROM pgevents.list_consumer_members(p_group => sqlc.narg(group_name));

-- name: StreamBucket :one
-- StreamBucket calls pgevents.stream_bucket: the consumer bucket (0..63) of a
-- stream.
SELECT pgevents.stream_bucket(p_category => @category, p_stream => @stream);
