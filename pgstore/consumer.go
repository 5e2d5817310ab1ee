package pgstore

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/consumer"
	"github.com/pgevents/pgevents/pgeventsdb"
)

// ConsumerStore is the PostgreSQL consumer.Store: consumer groups, leases,
// checkpoints and parked events in the tables of migration 00007, through
// the SQL functions create_consumer_group, join_consumer_group,
// read_consumer_batch, save_consumer_checkpoint, ... (via package
// pgeventsdb). Every rule (fencing, compare-and-set, limits) is enforced in
// SQL.
//
// CommitBatch runs the handler in a transaction of its own (READ
// COMMITTED) and saves the checkpoints in it, pipelined in one round trip,
// then commits: the handler's writes through consumer.Tx.PgxTx (and events
// appended through consumer.Tx.Store) take effect exactly once, together
// with the checkpoint. The other methods are one statement each, retried
// on retryable conflicts like the Store's.
//
// It works behind PgBouncer in transaction mode (no session state; only
// transaction-scoped row locks). A ConsumerStore is safe for concurrent use.
type ConsumerStore struct {
	store *Store
}

// NewConsumerStore returns a ConsumerStore over the pool and configuration
// of store (handlers get store bound to their transaction as
// consumer.Tx.Store). It panics when store is nil or bound to a caller's
// transaction (programmer errors).
func NewConsumerStore(store *Store) *ConsumerStore {
	if store == nil || store.tx != nil {
		panic("pgevents: pgstore: NewConsumerStore needs a *Store made by New (not nil, not bound with WithTx)")
	}
	return &ConsumerStore{store: store}
}

// ConsumerStore implements the contract at compile time.
var _ consumer.Store = (*ConsumerStore)(nil)

// CreateGroup creates a consumer group (pgevents.create_consumer_group),
// or returns the existing one when its source and partition count match.
// A group with more than one partition creates its category's bucket index
// when missing (see pgevents.consumer_index_definition).
//
// Errors: consumer.ErrGroupMismatch; a *pgevents.InvalidInputError for
// invalid names, source or partitions, or a reached limit.
func (s *ConsumerStore) CreateGroup(ctx context.Context, params *consumer.CreateGroupParams) (*consumer.Group, error) {
	if params == nil {
		params = &consumer.CreateGroupParams{}
	}
	if err := checkNames(params.Source.Category, params.Source.Stream); err != nil {
		return nil, err
	}
	if err := checkText(pgevents.CodeInvalidName, "group", params.Group); err != nil {
		return nil, err
	}
	source, err := json.Marshal(params.Source)
	if err != nil {
		return nil, fmt.Errorf("pgevents: create consumer group: encode source: %w", err)
	}
	partitions := params.Partitions
	if partitions == 0 {
		partitions = 1
	}
	var row *pgeventsdb.ConsumerGroup
	err = s.run(ctx, "create consumer group", func(ctx context.Context, db pgeventsdb.DBTX) (err error) {
		row, err = s.store.queries.CreateConsumerGroup(ctx, db, &pgeventsdb.CreateConsumerGroupParams{
			GroupName: params.Group, Source: source, Partitions: clampInt32(partitions), FromEnd: params.FromEnd})
		return err
	})
	if err != nil {
		return nil, err
	}
	return groupFromInternal(row), nil
}

// DropGroup removes a group (pgevents.drop_consumer_group) and reports
// whether it existed. Errors: a *pgevents.InvalidInputError for an invalid
// name.
func (s *ConsumerStore) DropGroup(ctx context.Context, group string) (bool, error) {
	if err := checkText(pgevents.CodeInvalidName, "group", group); err != nil {
		return false, err
	}
	var dropped bool
	err := s.run(ctx, "drop consumer group", func(ctx context.Context, db pgeventsdb.DBTX) (err error) {
		dropped, err = s.store.queries.DropConsumerGroup(ctx, db, group)
		return err
	})
	return dropped, err
}

// JoinGroup is the heartbeat (pgevents.join_consumer_group): it renews the
// member's lease, rebalances, and returns the partitions the member owns.
// Errors: consumer.ErrGroupNotFound; a *pgevents.InvalidInputError for
// invalid names or lease, or a reached member limit.
func (s *ConsumerStore) JoinGroup(ctx context.Context, params *consumer.JoinGroupParams) ([]consumer.Partition, error) {
	if params == nil {
		params = &consumer.JoinGroupParams{}
	}
	if err := checkMember(params.Group, params.Member); err != nil {
		return nil, err
	}
	lease := params.Lease
	if lease == 0 {
		lease = consumer.DefaultLease
	}
	var rows []*pgeventsdb.ConsumerPartition
	err := s.run(ctx, "join consumer group", func(ctx context.Context, db pgeventsdb.DBTX) (err error) {
		rows, err = s.store.queries.JoinConsumerGroup(ctx, db, &pgeventsdb.JoinConsumerGroupParams{
			GroupName: params.Group, Member: params.Member, Lease: lease})
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]consumer.Partition, len(rows))
	for i, r := range rows {
		out[i] = consumer.Partition{Generation: r.Generation, Partition: int(r.Partition)}
		if r.ClaimedAt != nil {
			out[i].ClaimedAt = r.ClaimedAt.UTC()
		}
	}
	return out, nil
}

// LeaveGroup releases the member's partitions at once
// (pgevents.leave_consumer_group) and returns how many. Errors:
// consumer.ErrGroupNotFound; a *pgevents.InvalidInputError for invalid
// names.
func (s *ConsumerStore) LeaveGroup(ctx context.Context, group, member string) (int, error) {
	if err := checkMember(group, member); err != nil {
		return 0, err
	}
	var n int32
	err := s.run(ctx, "leave consumer group", func(ctx context.Context, db pgeventsdb.DBTX) (err error) {
		n, err = s.store.queries.LeaveConsumerGroup(ctx, db, &pgeventsdb.LeaveConsumerGroupParams{GroupName: group, Member: member})
		return err
	})
	return int(n), err
}

// ReadBatch returns the member's next deliveries
// (pgevents.read_consumer_batch): replays first, then new events of its
// buckets after their checkpoints, in resumable order below the snapshot
// fence, through an index (no read amplification). It moves nothing.
// Errors: consumer.ErrGroupNotFound; a *pgevents.InvalidInputError for
// invalid names or limit.
func (s *ConsumerStore) ReadBatch(ctx context.Context, params *consumer.ReadBatchParams) ([]consumer.Delivery, error) {
	if params == nil {
		params = &consumer.ReadBatchParams{}
	}
	if err := checkMember(params.Group, params.Member); err != nil {
		return nil, err
	}
	limit := params.Limit
	if limit == 0 {
		limit = consumer.DefaultBatchSize
	}
	var rows []*pgeventsdb.ReadConsumerBatchRow
	err := s.run(ctx, "read consumer batch", func(ctx context.Context, db pgeventsdb.DBTX) (err error) {
		rows, err = s.store.queries.ReadConsumerBatch(ctx, db, &pgeventsdb.ReadConsumerBatchParams{
			GroupName: params.Group, Member: params.Member, BatchLimit: clampInt32(limit)})
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]consumer.Delivery, len(rows))
	for i, r := range rows {
		out[i] = consumer.Delivery{
			After:      pgevents.Cursor{TransactionID: r.AfterTransactionID, SequenceNumber: r.AfterSequenceNumber},
			Attempts:   int(r.Attempts),
			Bucket:     int(r.Bucket),
			Generation: r.Generation,
			Partition:  int(r.Partition),
			Event: pgevents.Event{Category: r.Category, ID: r.ID, Metadata: r.Metadata, Name: r.Name,
				ObservedAt: r.ObservedAt.UTC(), OccurredAt: r.OccurredAt.UTC(), Payload: r.Payload, Position: r.Position,
				SequenceNumber: r.SequenceNumber, Stream: r.Stream, TransactionID: r.TransactionID},
		}
		if r.ParkedID != nil {
			out[i].ParkedID = *r.ParkedID
		}
	}
	return out, nil
}

// CommitBatch runs params.Handle in a new transaction, then, in the same
// transaction and one pipelined round trip, saves each bucket's checkpoint
// (pgevents.save_consumer_checkpoint), settles the handled replays
// (settle_parked_event) and parks params.Park (park_consumer_event), and
// commits. A batch of new events only (the usual one, and every catch-up
// batch) saves its checkpoints in the COMMIT's own round trip. Any error rolls everything back: the handler's error is
// returned as it is; consumer.ErrLeaseLost (the member no longer holds a
// partition at the generation the batch was read under) and
// consumer.ErrCheckpointConflict (another batch saved first) mean the
// batch must be dropped. It is not retried.
//
// The handler gets the transaction as consumer.Tx.PgxTx and this
// ConsumerStore's Store bound to it as consumer.Tx.Store. ctx governs the
// whole call; when it ends, the transaction rolls back.
func (s *ConsumerStore) CommitBatch(ctx context.Context, params *consumer.CommitBatchParams) (err error) {
	if params == nil {
		params = &consumer.CommitBatchParams{}
	}
	if err := checkMember(params.Group, params.Member); err != nil {
		return err
	}
	saves, settles, parks, err := commitToInternal(params)
	if err != nil {
		return err
	}
	// The usual batch (new events only) saves its checkpoints in the COMMIT
	// round trip: one simple-protocol message "SELECT
	// pgevents.save_consumer_checkpoint(...); ...; COMMIT" (literal
	// arguments, see checkpointCommitQuery). A failed save aborts the
	// transaction; COMMIT is then skipped, and the error returned as before.
	var opts pgx.TxOptions
	if len(saves) > 0 && len(settles) == 0 && len(parks) == 0 {
		opts.CommitQuery = checkpointCommitQuery(saves)
		saves = nil
	}
	tx, err := s.store.pool.BeginTx(ctx, opts)
	if err != nil {
		return consumerError("commit consumer batch", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	if params.Handle != nil {
		if err := params.Handle(ctx, &consumer.Tx{PgxTx: tx, Store: s.store.WithTx(tx)}); err != nil {
			return err
		}
	}
	q := s.store.queries
	if len(saves) > 0 {
		if err := execBatch(q.SaveConsumerCheckpoint(ctx, tx, saves)); err != nil {
			return consumerError("save consumer checkpoint", err)
		}
	}
	if len(settles) > 0 {
		if err := execBatch(q.SettleParkedEvent(ctx, tx, settles)); err != nil {
			return consumerError("settle parked event", err)
		}
	}
	if len(parks) > 0 {
		if err := execBatch(q.ParkConsumerEvent(ctx, tx, parks)); err != nil {
			return consumerError("park consumer event", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return consumerError("commit consumer batch", err)
	}
	return nil
}

// checkpointCommitQuery returns the statements that save saves (one
// pgevents.save_consumer_checkpoint call each, in order) and commit, as one
// simple-protocol query string. Names are escape-string literals (E'...',
// backslashes and quotes doubled: safe whatever standard_conforming_strings
// says; checkMember refused NUL bytes), numbers are decimal.
func checkpointCommitQuery(saves []*pgeventsdb.SaveConsumerCheckpointParams) string {
	var b strings.Builder
	for _, p := range saves {
		fmt.Fprintf(&b, "SELECT pgevents.save_consumer_checkpoint(p_group => %s, p_member => %s, p_bucket => %d, "+
			"p_generation => %d, p_after_transaction_id => '%d'::pg_catalog.xid8, p_after_sequence_number => %d, "+
			"p_transaction_id => '%d'::pg_catalog.xid8, p_sequence_number => %d);\n",
			escapeLiteral(p.GroupName), escapeLiteral(p.Member), p.Bucket, p.Generation, p.AfterTransactionID,
			p.AfterSequenceNumber, p.TransactionID, p.SequenceNumber)
	}
	b.WriteString("COMMIT")
	return b.String()
}

// escapeLiteral returns s as an escape-string literal.
func escapeLiteral(s string) string {
	return "E'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", "''") + "'"
}

// batchExecer is a pipelined batch of sqlc's :batchexec queries.
type batchExecer interface {
	Exec(f func(int, error))
	Close() error
}

// execBatch runs b and returns its first error.
func execBatch(b batchExecer) error {
	var first error
	b.Exec(func(_ int, err error) {
		if err != nil && first == nil {
			first = err
		}
	})
	if err := b.Close(); err != nil && first == nil {
		first = err
	}
	return first
}

// commitToInternal turns a commit into checkpoint saves (one per bucket of
// the new events handled or parked), settles (handled replays) and parks.
func commitToInternal(p *consumer.CommitBatchParams) (saves []*pgeventsdb.SaveConsumerCheckpointParams,
	settles []*pgeventsdb.SettleParkedEventParams, parks []*pgeventsdb.ParkConsumerEventParams, err error) {
	byBucket := map[int]*pgeventsdb.SaveConsumerCheckpointParams{}
	partitionOf := map[int]int{}
	advance := func(d consumer.Delivery) error {
		partitionOf[d.Bucket] = d.Partition
		c := d.Event.Cursor()
		save := byBucket[d.Bucket]
		if save == nil {
			save = &pgeventsdb.SaveConsumerCheckpointParams{GroupName: p.Group, Member: p.Member, Bucket: clampInt32(d.Bucket),
				Generation: d.Generation, AfterTransactionID: d.After.TransactionID, AfterSequenceNumber: d.After.SequenceNumber}
			byBucket[d.Bucket] = save
			saves = append(saves, save)
		} else if save.Generation != d.Generation || save.AfterTransactionID != d.After.TransactionID ||
			save.AfterSequenceNumber != d.After.SequenceNumber {
			return &pgevents.InvalidInputError{Code: consumer.CodeInvalidArgument, Field: "handled",
				Reason: fmt.Sprintf("deliveries of bucket %d disagree on their generation or checkpoint", d.Bucket)}
		}
		if (pgevents.Cursor{TransactionID: save.TransactionID, SequenceNumber: save.SequenceNumber}).Less(c) {
			save.TransactionID, save.SequenceNumber = c.TransactionID, c.SequenceNumber
		}
		return nil
	}
	for _, d := range p.Handled {
		if d.ParkedID != 0 {
			settles = append(settles, &pgeventsdb.SettleParkedEventParams{GroupName: p.Group, Member: p.Member,
				Generation: d.Generation, ParkedID: d.ParkedID})
			continue
		}
		if err := advance(d); err != nil {
			return nil, nil, nil, err
		}
	}
	for _, pd := range p.Park {
		if pd.Delivery.ParkedID == 0 {
			if err := advance(pd.Delivery); err != nil {
				return nil, nil, nil, err
			}
		}
		parks = append(parks, &pgeventsdb.ParkConsumerEventParams{GroupName: p.Group, Member: p.Member,
			Generation: pd.Delivery.Generation, SequenceNumber: pd.Delivery.Event.SequenceNumber, Error: errorText(pd.Error),
			Attempts: clampInt32(pd.Attempts)})
	}
	// Lock partitions in ascending order (as join_consumer_group releases
	// them): fewer deadlocks between a batch and its member's heartbeat.
	slices.SortStableFunc(saves, func(a, b *pgeventsdb.SaveConsumerCheckpointParams) int {
		return cmp.Compare(partitionOf[int(a.Bucket)], partitionOf[int(b.Bucket)])
	})
	return saves, settles, parks, nil
}

// errorText returns a handler's error text as PostgreSQL text can hold it:
// valid UTF-8 without NUL bytes.
func errorText(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}

// GroupStatus returns every partition of group ("" for every group)
// through pgevents.consumer_status: owner and lease, generation,
// checkpoint, lag in events and time, how much of it the snapshot fence
// holds back, parked events. Errors: consumer.ErrGroupNotFound when a
// named group does not exist.
func (s *ConsumerStore) GroupStatus(ctx context.Context, group string) ([]consumer.PartitionStatus, error) {
	if err := checkText(pgevents.CodeInvalidName, "group", group); err != nil {
		return nil, err
	}
	var rows []*pgeventsdb.ConsumerStatus
	err := s.run(ctx, "consumer status", func(ctx context.Context, db pgeventsdb.DBTX) (err error) {
		rows, err = s.store.queries.ConsumerStatus(ctx, db, nonEmpty(group))
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]consumer.PartitionStatus, len(rows))
	for i, r := range rows {
		out[i] = consumer.PartitionStatus{
			Checkpoint:     pgevents.Cursor{TransactionID: r.TransactionID, SequenceNumber: r.SequenceNumber},
			CheckpointedAt: r.UpdatedAt.UTC(),
			Fence:          r.Fence,
			Generation:     r.Generation,
			Group:          r.GroupName,
			HeldBackEvents: r.HeldBackEvents,
			LagEvents:      r.LagEvents,
			ParkedEvents:   r.ParkedEvents,
			Partition:      int(r.Partition),
			Partitions:     int(r.Partitions),
		}
		if r.Category != nil {
			out[i].Category = *r.Category
		}
		if r.Owner != nil {
			out[i].Owner = *r.Owner
		}
		if r.LeaseExpiresAt != nil {
			out[i].LeaseExpiresAt = r.LeaseExpiresAt.UTC()
		}
		if r.Lag != nil {
			out[i].Lag = max(*r.Lag, 0)
		}
		if r.FenceLag != nil {
			out[i].FenceLag = max(*r.FenceLag, 0)
		}
	}
	return out, nil
}

// ListMembers returns the live members of group ("" for every group)
// through pgevents.list_consumer_members. Errors:
// consumer.ErrGroupNotFound when a named group does not exist.
func (s *ConsumerStore) ListMembers(ctx context.Context, group string) ([]consumer.Member, error) {
	if err := checkText(pgevents.CodeInvalidName, "group", group); err != nil {
		return nil, err
	}
	var rows []*pgeventsdb.ConsumerMember
	err := s.run(ctx, "list consumer members", func(ctx context.Context, db pgeventsdb.DBTX) (err error) {
		rows, err = s.store.queries.ListConsumerMembers(ctx, db, nonEmpty(group))
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]consumer.Member, len(rows))
	for i, r := range rows {
		out[i] = consumer.Member{Group: r.GroupName, HeartbeatAt: r.HeartbeatAt.UTC(), JoinedAt: r.JoinedAt.UTC(),
			LeaseExpiresAt: r.LeaseExpiresAt.UTC(), Member: r.Member}
	}
	return out, nil
}

// ListParked returns a group's parked events with the events, in id order
// (pgevents.list_parked_events). Errors: consumer.ErrGroupNotFound; a
// *pgevents.InvalidInputError for an invalid name or limit.
func (s *ConsumerStore) ListParked(ctx context.Context, params *consumer.ListParkedParams) ([]consumer.ParkedEvent, error) {
	if params == nil {
		params = &consumer.ListParkedParams{}
	}
	if err := checkText(pgevents.CodeInvalidName, "group", params.Group); err != nil {
		return nil, err
	}
	limit := params.Limit
	if limit == 0 {
		limit = 100
	}
	var rows []*pgeventsdb.ParkedEvent
	err := s.run(ctx, "list parked events", func(ctx context.Context, db pgeventsdb.DBTX) (err error) {
		rows, err = s.store.queries.ListParkedEvents(ctx, db, &pgeventsdb.ListParkedEventsParams{
			GroupName: params.Group, AfterID: params.AfterID, Limit: limitToInternal(limit)})
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]consumer.ParkedEvent, len(rows))
	for i, r := range rows {
		out[i] = consumer.ParkedEvent{Attempts: int(r.Attempts), Bucket: int(r.Bucket), Error: r.Error, Group: r.GroupName,
			ID: r.ParkedID, ParkedAt: r.ParkedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
			Event: pgevents.Event{Category: r.Category, ID: r.ID, Metadata: r.Metadata, Name: r.Name,
				ObservedAt: r.ObservedAt.UTC(), OccurredAt: r.OccurredAt.UTC(), Payload: r.Payload, Position: r.Position,
				SequenceNumber: r.SequenceNumber, Stream: r.Stream, TransactionID: r.TransactionID}}
		if r.ReplayRequestedAt != nil {
			out[i].ReplayRequestedAt = r.ReplayRequestedAt.UTC()
		}
	}
	return out, nil
}

// ReplayParked marks parked events for replay (pgevents.replay_parked_events)
// and returns how many are marked. Errors: consumer.ErrGroupNotFound; a
// *pgevents.InvalidInputError for an invalid name, nil or too many ids.
func (s *ConsumerStore) ReplayParked(ctx context.Context, group string, ids []int64) (int, error) {
	return s.parked(ctx, "replay parked events", group, ids, s.store.queries.ReplayParkedEvents)
}

// DropParked removes parked events (pgevents.drop_parked_events) and
// returns how many. Errors: as ReplayParked.
func (s *ConsumerStore) DropParked(ctx context.Context, group string, ids []int64) (int, error) {
	return s.parked(ctx, "drop parked events", group, ids, func(ctx context.Context, db pgeventsdb.DBTX, arg *pgeventsdb.ReplayParkedEventsParams) (int32, error) {
		return s.store.queries.DropParkedEvents(ctx, db, &pgeventsdb.DropParkedEventsParams{GroupName: arg.GroupName, Ids: arg.Ids})
	})
}

func (s *ConsumerStore) parked(ctx context.Context, op, group string, ids []int64,
	call func(ctx context.Context, db pgeventsdb.DBTX, arg *pgeventsdb.ReplayParkedEventsParams) (int32, error)) (int, error) {
	if err := checkText(pgevents.CodeInvalidName, "group", group); err != nil {
		return 0, err
	}
	if ids == nil {
		ids = []int64{} // an empty list marks nothing; SQL NULL would be refused
	}
	var n int32
	err := s.run(ctx, op, func(ctx context.Context, db pgeventsdb.DBTX) (err error) {
		n, err = call(ctx, db, &pgeventsdb.ReplayParkedEventsParams{GroupName: group, Ids: ids})
		return err
	})
	return int(n), err
}

// run is Store.run with consumer errors interpreted.
func (s *ConsumerStore) run(ctx context.Context, op string, fn func(ctx context.Context, db pgeventsdb.DBTX) error) error {
	return s.store.run(ctx, func(ctx context.Context, db pgeventsdb.DBTX) error {
		return consumerError(op, fn(ctx, db))
	})
}

// consumerDetail is the JSON DETAIL of PE121..PE124 (sql/errcodes.md).
type consumerDetail struct {
	Bucket     *int   `json:"bucket"`
	Generation int64  `json:"generation"`
	Group      string `json:"group"`
	Member     string `json:"member"`
	Partition  *int   `json:"partition"`
}

// consumerError maps PE121..PE124 to *consumer.Error, everything else as
// interpretError does.
func consumerError(op string, err error) error {
	if err == nil {
		return nil
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case consumer.CodeGroupNotFound, consumer.CodeGroupMismatch, consumer.CodeLeaseLost, consumer.CodeCheckpointConflict:
			var d consumerDetail
			_ = json.Unmarshal([]byte(pgErr.Detail), &d)
			e := &consumer.Error{Bucket: -1, Code: pgErr.Code, Generation: d.Generation, Group: d.Group, Member: d.Member,
				Message: pgErr.Message, Partition: -1}
			if d.Bucket != nil {
				e.Bucket = *d.Bucket
			}
			if d.Partition != nil {
				e.Partition = *d.Partition
			}
			return e
		}
	}
	return interpretError(op, err)
}

// checkMember refuses NUL bytes in a group and member name.
func checkMember(group, member string) error {
	if err := checkText(pgevents.CodeInvalidName, "group", group); err != nil {
		return err
	}
	return checkText(pgevents.CodeInvalidName, "member", member)
}

// clampInt32 converts n to int32, saturating (SQL then refuses the value).
func clampInt32(n int) int32 {
	return int32(max(min(n, math.MaxInt32), math.MinInt32))
}

func groupFromInternal(r *pgeventsdb.ConsumerGroup) *consumer.Group {
	g := &consumer.Group{CreatedAt: r.CreatedAt.UTC(), Name: r.Name, Partitions: int(r.Partitions)}
	if r.Category != nil {
		g.Source = pgevents.CategoryID(*r.Category)
	}
	return g
}
