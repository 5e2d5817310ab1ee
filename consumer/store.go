package consumer

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pgevents/pgevents"
)

// Store is the storage contract of consumer groups, the counterpart of the
// SQL functions of migration 00007 (create_consumer_group, ...):
// pgstore.ConsumerStore (PostgreSQL) and memstore.ConsumerStore (in memory)
// implement it, and both pass the contract suite storetest.RunConsumers.
// Consumer (Run) is built on it; most code never calls it directly.
//
// Adding a method is a breaking change. All methods are safe for concurrent
// use and return typed errors: *Error (ErrGroupNotFound, ErrGroupMismatch,
// ErrLeaseLost, ErrCheckpointConflict) and *pgevents.InvalidInputError
// (CodeInvalidArgument, CodeLimitExceeded, pgevents.CodeInvalidName).
type Store interface {
	// CreateGroup creates a consumer group over params.Source with
	// params.Partitions partitions, or returns the existing one when it has
	// the same source and partition count (ErrGroupMismatch otherwise).
	CreateGroup(ctx context.Context, params *CreateGroupParams) (*Group, error)
	// DropGroup removes a group with its members, partitions, checkpoints
	// and parked events; it reports whether the group existed.
	DropGroup(ctx context.Context, group string) (bool, error)
	// JoinGroup joins the group or renews the membership (the heartbeat),
	// releasing partitions above the member's fair share or claiming free
	// ones up to it, and returns the partitions the member owns.
	JoinGroup(ctx context.Context, params *JoinGroupParams) ([]Partition, error)
	// LeaveGroup ends a membership at once, releasing its partitions; it
	// returns how many were released.
	LeaveGroup(ctx context.Context, group, member string) (int, error)
	// ReadBatch returns the member's next deliveries: replays of parked
	// events first, then new events of its buckets after their checkpoints
	// in resumable order (see Delivery). It moves nothing.
	ReadBatch(ctx context.Context, params *ReadBatchParams) ([]Delivery, error)
	// CommitBatch runs params.Handle (if any) in a transaction and, when it
	// succeeds, saves in the same transaction the checkpoints of the
	// handled and parked new events, settles the handled replays and parks
	// the events of params.Park; then commits. Nothing of it takes effect
	// unless all of it does: a handler error, ErrLeaseLost or
	// ErrCheckpointConflict roll everything back.
	CommitBatch(ctx context.Context, params *CommitBatchParams) error
	// GroupStatus returns every partition of one group (or of every group
	// when group is ""), in (group, partition) order.
	GroupStatus(ctx context.Context, group string) ([]PartitionStatus, error)
	// ListMembers returns the live members of one group (or of every group
	// when group is ""), in (group, member) order.
	ListMembers(ctx context.Context, group string) ([]Member, error)
	// ListParked returns the parked events of a group in id order, after
	// params.AfterID, at most params.Limit of them.
	ListParked(ctx context.Context, params *ListParkedParams) ([]ParkedEvent, error)
	// ReplayParked marks parked events for replay; it returns how many are
	// marked (unknown ids are ignored).
	ReplayParked(ctx context.Context, group string, ids []int64) (int, error)
	// DropParked removes parked events; it returns how many were removed
	// (unknown ids are ignored).
	DropParked(ctx context.Context, group string, ids []int64) (int, error)
}

// Group is a consumer group.
type Group struct {
	// CreatedAt is when the group was created.
	CreatedAt time.Time
	// Name is the group's name.
	Name string
	// Partitions is the fixed number of partitions (1 to Buckets).
	Partitions int
	// Source is what the group consumes: the log or a category.
	Source pgevents.Identifier
}

// CreateGroupParams are the parameters of Store.CreateGroup.
type CreateGroupParams struct {
	// FromEnd makes a new group start after every event committed so far
	// (only events committed from now on are delivered). Ignored when the
	// group exists. Defaults to false: from the first event.
	FromEnd bool
	// Group is the group's name. Required.
	Group string
	// Partitions is the number of partitions, 1 to Buckets. Zero means 1.
	Partitions int
	// Source is the log (pgevents.LogID()) or a category
	// (pgevents.CategoryID(c)); a stream is refused.
	Source pgevents.Identifier
}

// JoinGroupParams are the parameters of Store.JoinGroup.
type JoinGroupParams struct {
	// Group is the group's name. Required.
	Group string
	// Lease is how long the membership lasts without another JoinGroup:
	// 100 ms to 1 hour. Zero means DefaultLease.
	Lease time.Duration
	// Member is the member's name, unique among the group's live members.
	// Required.
	Member string
}

// Partition is a partition a member owns.
type Partition struct {
	// ClaimedAt is when the member claimed it.
	ClaimedAt time.Time
	// Generation is the lease generation: the fencing token under which the
	// member's batches of this partition save their checkpoints.
	Generation int64
	// Partition is the partition number.
	Partition int
}

// ReadBatchParams are the parameters of Store.ReadBatch.
type ReadBatchParams struct {
	// Group is the group's name. Required.
	Group string
	// Limit is the most deliveries to return, 1 to 10,000 (setting
	// consumer_max_batch). Zero means DefaultBatchSize.
	Limit int
	// Member is the reading member. Required.
	Member string
}

// Delivery is one event delivered to a member, with what it needs to save
// its checkpoint.
//
// A batch holds the events of the member's buckets: within a bucket they
// are contiguous and in resumable (transaction id, sequence number) order,
// and a stream always falls in one bucket, so each stream's events are in
// position order. Replays (ParkedID != 0) come first.
type Delivery struct {
	// After is the bucket's checkpoint when the batch was read: the
	// compare-and-set value for saving it.
	After pgevents.Cursor
	// Attempts is how many times a replayed event was tried before (0 for
	// a new event).
	Attempts int
	// Bucket is the event's bucket (Bucket(category, stream), or 0 in a
	// group with one partition).
	Bucket int
	// Event is the event.
	Event pgevents.Event
	// Generation is the partition's generation the batch was read under.
	Generation int64
	// ParkedID is the parked row of a replay; 0 for a new event.
	ParkedID int64
	// Partition is the bucket's partition.
	Partition int
}

// Tx is the transaction of CommitBatch, as the handler gets it.
type Tx struct {
	// PgxTx is the PostgreSQL transaction the checkpoint will be saved in
	// (pgstore); nil with adapters that have none (memstore).
	PgxTx pgx.Tx
	// Store is a pgevents.Store bound to the same transaction: events it
	// appends commit with the checkpoint, or not at all.
	Store pgevents.Store
}

// ParkedDelivery is a delivery to park, with why.
type ParkedDelivery struct {
	// Attempts is how many times it was tried in this round (at least 1).
	Attempts int
	// Delivery is the event (a new one or a replay).
	Delivery Delivery
	// Error is the handler's last error text.
	Error string
}

// CommitBatchParams are the parameters of Store.CommitBatch.
type CommitBatchParams struct {
	// Group is the group's name. Required.
	Group string
	// Handle runs first, in the transaction; its error rolls everything
	// back and is returned as it is. Nil runs nothing.
	Handle func(ctx context.Context, tx *Tx) error
	// Handled are the deliveries handled: new events move their bucket's
	// checkpoint (from their After to the last of them in the bucket;
	// all deliveries of a bucket must share After and be a prefix of what
	// ReadBatch returned from it), replays are settled (removed from the
	// parked events).
	Handled []Delivery
	// Member is the committing member. Required.
	Member string
	// Park are deliveries to park: a new event is parked and its bucket's
	// checkpoint moves past it (with the handled ones of that bucket); a
	// replay stays parked with the new error and more attempts.
	Park []ParkedDelivery
}

// PartitionStatus is the state of one partition of a group.
type PartitionStatus struct {
	// Category is the group's category; "" for the log.
	Category string
	// Checkpoint is how far the partition got: the most advanced checkpoint
	// of its buckets (each bucket has its own; LagEvents counts what is left
	// after each).
	Checkpoint pgevents.Cursor
	// CheckpointedAt is when a checkpoint of the partition was last saved.
	CheckpointedAt time.Time
	// Fence is the snapshot fence now (0 in memstore, which has none).
	Fence uint64
	// FenceLag is how long the oldest held-back event has waited; zero
	// when none is held back.
	FenceLag time.Duration
	// Generation is the partition's lease generation.
	Generation int64
	// Group is the group's name.
	Group string
	// HeldBackEvents is how many of the LagEvents the snapshot fence still
	// holds back (committed, but an older transaction is still open).
	HeldBackEvents int64
	// Lag is how long the oldest unhandled event has waited; zero when
	// none.
	Lag time.Duration
	// LagEvents is how many committed events are not handled yet (counted
	// up to setting consumer_status_max_count per bucket).
	LagEvents int64
	// LeaseExpiresAt is when the owner's lease expires; the zero time when
	// the partition has no owner with a live lease.
	LeaseExpiresAt time.Time
	// Owner is the owning member; "" when none.
	Owner string
	// ParkedEvents is how many events of the partition are parked.
	ParkedEvents int64
	// Partition is the partition number.
	Partition int
	// Partitions is the group's partition count.
	Partitions int
}

// Member is a live member of a group.
type Member struct {
	// Group is the group's name.
	Group string
	// HeartbeatAt is when the member last called JoinGroup.
	HeartbeatAt time.Time
	// JoinedAt is when the member joined.
	JoinedAt time.Time
	// LeaseExpiresAt is when the membership ends without another JoinGroup.
	LeaseExpiresAt time.Time
	// Member is the member's name.
	Member string
}

// ListParkedParams are the parameters of Store.ListParked.
type ListParkedParams struct {
	// AfterID lists parked events with a larger id only; zero lists from
	// the first.
	AfterID int64
	// Group is the group's name. Required.
	Group string
	// Limit is the most to return; zero means 100, -1 all.
	Limit int
}

// ParkedEvent is a parked (dead-lettered) event.
type ParkedEvent struct {
	// Attempts is how many times it was tried, over all rounds.
	Attempts int
	// Bucket is the event's bucket in the group.
	Bucket int
	// Error is the last error.
	Error string
	// Event is the event.
	Event pgevents.Event
	// Group is the group's name.
	Group string
	// ID identifies the parked row (for ReplayParked and DropParked).
	ID int64
	// ParkedAt is when it was first parked.
	ParkedAt time.Time
	// ReplayRequestedAt is when a replay was requested; the zero time when
	// none is pending.
	ReplayRequestedAt time.Time
	// UpdatedAt is when it last failed.
	UpdatedAt time.Time
}

// Waker wakes consumers up when events may have been appended, so that
// they need not poll often. pgstore.Notifier implements it with
// LISTEN/NOTIFY. A Waker is an optimisation only: consumers poll anyway.
type Waker interface {
	// Subscribe returns a channel that receives (coalesced, never blocking
	// the sender) whenever events of category may have been committed; ""
	// subscribes to every category. The subscription ends with ctx.
	Subscribe(ctx context.Context, category string) <-chan struct{}
}
