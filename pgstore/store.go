package pgstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/pgeventsdb"
)

// Store is the PostgreSQL implementation of pgevents.Store: a thin driver
// over the pgevents SQL functions (see package pgeventsdb), which hold every
// rule. It is safe for concurrent use, except a Store bound to a caller's
// transaction (WithTx), which is as safe as that pgx.Tx (not at all).
//
// A Store not bound to a transaction runs each operation as one statement in
// a transaction of its own, retried on retryable conflicts (Config). A Store
// bound to a caller's transaction runs in it and never retries: its writes
// commit or roll back with the caller's own, and an error aborts the
// caller's transaction (PostgreSQL semantics; use a savepoint, tx.Begin, to
// recover from an expected error such as an unmet condition).
type Store struct {
	cfg     Config
	group   *groupCommit    // coalesces AppendEvents calls (groupcommit.go); nil when off
	onRetry func(err error) // test hook: called before each retry
	pool    *pgxpool.Pool
	queries *pgeventsdb.Queries
	reader  *Store     // serves reads: itself, or a copy over Config.ReadPool
	tel     *telemetry // OpenTelemetry tracer and instruments (telemetry.go)
	tx      pgx.Tx     // set by WithTx
}

// New returns a Store over pool, configured by cfg (nil means defaults).
// The pool is used, never closed, by the Store. It returns an error when
// pool is nil or cfg is invalid.
//
// The pool may use any pgx.QueryExecMode, including
// QueryExecModeSimpleProtocol (PgBouncer in transaction mode). The database
// must be migrated with pgevents.Migrate, and the pool's role needs
// pgevents_writer (or pgevents_reader for reads only).
func New(pool *pgxpool.Pool, cfg *Config) (*Store, error) {
	if pool == nil {
		return nil, errNilPool
	}
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Store{cfg: c, pool: pool, queries: pgeventsdb.New()}
	if s.tel, err = newTelemetry(c.TracerProvider, c.MeterProvider); err != nil {
		return nil, fmt.Errorf("pgevents: pgstore: telemetry: %w", err)
	}
	s.reader = s.withReadPool(c.ReadPool)
	if !c.DisableGroupCommit {
		s.group = newGroupCommit(s, c.GroupCommitMaxBatch, min(c.GroupCommitMaxInFlight, int(pool.Config().MaxConns)),
			c.GroupCommitMaxAppendEvents)
		s.group.minItems = c.GroupCommitMinBatch
	}
	return s, nil
}

// WithTx returns a Store bound to the caller's transaction tx: every
// operation runs in tx, sees tx's own uncommitted writes, and is committed
// or rolled back with the rest of tx. Nothing is retried (a retryable
// conflict, pgevents.ErrRetryable, means the caller must roll back and retry
// its whole transaction). The returned Store is not safe for concurrent use
// and must not be used after tx ends. It panics if tx is nil (a programmer
// error).
//
// Append early in the transaction: a transaction whose id is older than the
// stream's latest writer's fails with ErrRetryable (SQLSTATE 40001), see the
// ordering section of the pgevents README. A transaction gets its id at its
// first write (or pg_current_xact_id()).
func (s *Store) WithTx(tx pgx.Tx) *Store {
	if tx == nil {
		panic("pgevents: pgstore: WithTx needs a pgx.Tx (got nil)")
	}
	bound := *s
	bound.tx = tx
	bound.reader = &bound
	return &bound
}

// AppendEvents appends params.Events to one stream atomically, under
// params.Condition and params.Scope, and returns them as stored, in input
// order, at positions latest+1, latest+2, ... (0 for a new stream). See
// pgevents.Store.AppendEvents for the guarantees.
//
// Events without an ID get a UUIDv7 before the first attempt
// (params.EventsWithIDs), kept in params: an internal retry, and a caller's
// retry of the same *AppendParams after an error whose outcome it cannot
// know (a lost connection, a timeout), send the same ids, and the SQL
// returns the stored events of such an exact retry instead of appending
// them again. A new AppendParams is a new append, even with the same
// events. params.Events is not modified. No events is a no-op that still
// evaluates the condition. A nil params is the zero AppendParams.
//
// Events are checked before they are sent, as memstore checks them: an event
// name that is not UTF-8 (CodeInvalidName, field events[i].name), a payload
// or metadata that jsonb's input refuses (invalid UTF-8, \u0000, a lone
// surrogate escape, a number beyond numeric's range: CodeInvalidEvents,
// events[i].payload or events[i].metadata).
//
// Group commit (on unless Config.DisableGroupCommit; never on a Store bound
// by WithTx): concurrent calls are coalesced into pgevents.append_batch
// calls, each one transaction of independent appends, at most one per
// stream; a call finding the Store idle is sent at once. The result and
// errors are exactly those of the append alone, each caller getting its
// own. A batch that fails with a retryable error or a lost connection is
// sent again (same ids: idempotent), at most Config.MaxRetries times; an
// append that fails with a retryable error of its own goes into the next
// batch.
//
// ctx governs the whole call, retries included. With group commit, a ctx
// that ends while the append is still queued returns ctx's error and
// nothing is written; once its batch is sent, the call returns ctx's error
// at once, but the append may still commit with the batch (as a single
// append may commit when ctx ends during its COMMIT): retry the same
// *AppendParams to find out (an exact retry returns the stored events).
// Errors: a *pgevents.ConditionError (ErrConditionFailed,
// ErrUnexpectedPosition, ErrStreamNotEmpty, ErrStreamDoesNotExist) when the
// condition is not met; a *pgevents.InvalidInputError (ErrInvalidInput;
// ErrEventIDConflict for an id reused in another stream or with other
// content) for bad names, events, conditions or scope; ErrRetryable when
// retries are exhausted. Nothing is written on error.
func (s *Store) AppendEvents(ctx context.Context, params *pgevents.AppendParams) (res *pgevents.AppendResult, err error) {
	ctx, c := s.tel.start(ctx, opAppendEvents, appendAttrs(params))
	defer func() { c.end(err, resultLen(res)) }()
	if s.group != nil && s.tx == nil {
		return s.group.append(ctx, params)
	}
	arg, err := appendParamsToInternal(params)
	if err != nil {
		return nil, err
	}
	return s.appendOne(ctx, arg)
}

// AppendEventsTx is AppendEvents in the caller's transaction tx. This
// variant commits the events with the caller's data (or rolls them back with
// it) and never retries; see WithTx.
func (s *Store) AppendEventsTx(ctx context.Context, tx pgx.Tx, params *pgevents.AppendParams) (*pgevents.AppendResult, error) {
	return s.WithTx(tx).AppendEvents(ctx, params)
}

// AppendStreams appends to several streams of params.Category, all or
// nothing, each stream under its own condition, taking the stream locks in
// sorted order (concurrent multi-stream appends never deadlock). It returns
// the stored events ordered by stream name (byte order), then input order.
// Events without an ID get a UUIDv7 first, kept in params, as in
// AppendEvents: a retry of the same *AppendStreamsParams is idempotent. A
// nil params is the zero AppendStreamsParams.
//
// ctx governs the whole call, retries included. Errors are those of
// AppendEvents; a *pgevents.ConditionError names the stream whose condition
// failed. Nothing is written on error.
func (s *Store) AppendStreams(ctx context.Context, params *pgevents.AppendStreamsParams) (res *pgevents.AppendResult, err error) {
	ctx, c := s.tel.start(ctx, opAppendStreams, appendStreamsAttrs(params))
	defer func() { c.end(err, resultLen(res)) }()
	arg, err := appendStreamsParamsToInternal(params)
	if err != nil {
		return nil, err
	}
	var rows []*pgeventsdb.Event
	err = s.run(ctx, func(ctx context.Context, db pgeventsdb.DBTX) (err error) {
		rows, err = s.queries.AppendStreams(ctx, db, arg)
		return interpretError("append streams", err)
	})
	if err != nil {
		return nil, err
	}
	s.afterAppend(params.Category)
	return &pgevents.AppendResult{Events: eventsFromInternal(rows)}, nil
}

// AppendStreamsTx is AppendStreams in the caller's transaction tx. This
// variant commits the events with the caller's data (or rolls them back with
// it) and never retries; see WithTx.
func (s *Store) AppendStreamsTx(ctx context.Context, tx pgx.Tx, params *pgevents.AppendStreamsParams) (*pgevents.AppendResult, error) {
	return s.WithTx(tx).AppendStreams(ctx, params)
}

// ReadStream returns a stream's events in position order from
// params.FromPosition, at most params.Limit of them (0 means
// pgevents.DefaultLimit, -1 all): every event committed when the statement
// starts (plus, in a caller's transaction, its own). A nil params is the
// zero ReadStreamParams. It returns an empty slice, not an error, for a
// stream with no events.
//
// ctx governs the whole call. Errors: a *pgevents.InvalidInputError
// (ErrInvalidInput) for invalid names, a negative position or limit.
func (s *Store) ReadStream(ctx context.Context, params *pgevents.ReadStreamParams) (events []pgevents.Event, err error) {
	ctx, c := s.tel.start(ctx, opReadStream, readStreamAttrs(params))
	defer func() { c.end(err, len(events)) }()
	arg, err := readStreamParamsToInternal(params)
	if err != nil {
		return nil, err
	}
	var rows []*pgeventsdb.Event
	err = s.reader.run(ctx, func(ctx context.Context, db pgeventsdb.DBTX) (err error) {
		rows, err = s.queries.ReadStream(ctx, db, arg)
		return interpretError("read stream", err)
	})
	if err != nil {
		return nil, err
	}
	return eventsFromInternal(rows), nil
}

// ReadStreamTx is ReadStream in the caller's transaction tx. This variant
// sees the transaction's own uncommitted events; see WithTx.
func (s *Store) ReadStreamTx(ctx context.Context, tx pgx.Tx, params *pgevents.ReadStreamParams) ([]pgevents.Event, error) {
	return s.WithTx(tx).ReadStream(ctx, params)
}

// ReadEvents returns the events of params.Category, or of the whole log
// when it is empty, after the cursor params.After, in resumable order
// (transaction id, sequence number), at most params.Limit of them (0 means
// pgevents.DefaultLimit, -1 all). Only events of transactions below the
// snapshot fence are returned, so resuming from the Cursor of the last event
// returned never skips or repeats an event, whatever writers do
// concurrently; a long or idle transaction anywhere in the cluster delays
// (never loses) events (see FenceLag). A nil params reads the log from the
// start.
//
// Rows are not decoded: an event encoding/json cannot decode is returned as
// its bytes, never failing the page.
//
// ctx governs the whole call. Errors: a *pgevents.InvalidInputError
// (ErrInvalidInput) for an invalid category or limit, or a cursor with a
// negative sequence number or a transaction id not assigned yet
// (CodeInvalidReadArgument, fields after_sequence_number and
// after_transaction_id: such a cursor was never returned by a read).
func (s *Store) ReadEvents(ctx context.Context, params *pgevents.ReadEventsParams) (events []pgevents.Event, err error) {
	ctx, c := s.tel.start(ctx, opReadEvents, readEventsAttrs(params))
	defer func() { c.end(err, len(events)) }()
	params, err = readEventsParamsOrDefault(params)
	if err != nil {
		return nil, err
	}
	var rows []*pgeventsdb.Event
	err = s.reader.run(ctx, func(ctx context.Context, db pgeventsdb.DBTX) (err error) {
		rows, err = s.readEvents(ctx, db, params)
		return interpretError("read events", err)
	})
	if err != nil {
		return nil, err
	}
	return eventsFromInternal(rows), nil
}

// readEvents calls read_category, or read_log when params names no category.
func (s *Store) readEvents(ctx context.Context, db pgeventsdb.DBTX, params *pgevents.ReadEventsParams) ([]*pgeventsdb.Event, error) {
	if params.Category == "" {
		return s.queries.ReadLog(ctx, db, &pgeventsdb.ReadLogParams{AfterTransactionID: params.After.TransactionID,
			AfterSequenceNumber: params.After.SequenceNumber, Limit: limitToInternal(params.Limit)})
	}
	return s.queries.ReadCategory(ctx, db, &pgeventsdb.ReadCategoryParams{Category: params.Category,
		AfterTransactionID: params.After.TransactionID, AfterSequenceNumber: params.After.SequenceNumber,
		Limit: limitToInternal(params.Limit)})
}

// ReadEventsTx is ReadEvents in the caller's transaction tx. This variant
// runs under tx's snapshot: in a REPEATABLE READ or SERIALIZABLE transaction
// the fence does not move, so polling for new events needs fresh
// transactions. It never returns tx's own uncommitted events once tx has a
// transaction id (after its first write): tx itself holds the fence below
// them until it ends. See WithTx.
func (s *Store) ReadEventsTx(ctx context.Context, tx pgx.Tx, params *pgevents.ReadEventsParams) ([]pgevents.Event, error) {
	return s.WithTx(tx).ReadEvents(ctx, params)
}

// LatestEvent returns the latest event of params.Source: a stream's event at
// the highest position, or the last event of a category or the log in
// resumable order among those visible now (including events not yet past the
// snapshot fence: a one-shot read, not a resume point). A nil params is the
// log.
//
// ctx governs the whole call. Errors: pgevents.ErrNotFound when the source
// has no event; a *pgevents.InvalidInputError (ErrInvalidInput) for invalid
// names or a stream without a category.
func (s *Store) LatestEvent(ctx context.Context, params *pgevents.LatestEventParams) (_ *pgevents.Event, err error) {
	ctx, c := s.tel.start(ctx, opLatestEvent, latestEventAttrs(params))
	defer func() { c.end(err, 1) }()
	arg, err := latestEventParamsToInternal(params)
	if err != nil {
		return nil, err
	}
	var row *pgeventsdb.Event
	err = s.reader.run(ctx, func(ctx context.Context, db pgeventsdb.DBTX) (err error) {
		row, err = s.queries.LatestEvent(ctx, db, arg)
		return interpretError("latest event", err)
	})
	if err != nil {
		return nil, err
	}
	e := eventFromInternal(row)
	return &e, nil
}

// LatestEventTx is LatestEvent in the caller's transaction tx. This variant
// sees the transaction's own uncommitted events; see WithTx.
func (s *Store) LatestEventTx(ctx context.Context, tx pgx.Tx, params *pgevents.LatestEventParams) (*pgevents.Event, error) {
	return s.WithTx(tx).LatestEvent(ctx, params)
}

// FenceLag is how far resumable readers (ReadEvents) are held back: the
// snapshot fence and the committed events at or above it.
type FenceLag struct {
	// Fence is the snapshot fence, pg_snapshot_xmin(pg_current_snapshot()):
	// resumable reads return only events of transactions below it.
	Fence uint64
	// HeldBackEvents is the number of committed events visible now but not
	// yet returned by resumable reads.
	HeldBackEvents int64
	// HeldBackSince is when the oldest held-back event was recorded
	// (observed_at); the zero time when none is held back.
	HeldBackSince time.Time
	// Lag is how long the oldest held-back event has waited (the server's
	// now() minus HeldBackSince); zero when none is held back.
	Lag time.Duration
}

// FenceLag reports how far resumable readers are held back right now. A
// growing Lag means a long or idle-in-transaction session somewhere in the
// cluster (any database) holds the fence back: find it in pg_stat_activity
// (backend_xid, backend_xmin). Events are delayed, never lost. ctx governs
// the whole call. It returns no typed errors beyond those of the connection.
func (s *Store) FenceLag(ctx context.Context) (lag *FenceLag, err error) {
	ctx, c := s.tel.start(ctx, opFenceLag, nil)
	defer func() { c.end(err, 0) }()
	var row *pgeventsdb.FenceLagRow
	err = s.reader.run(ctx, func(ctx context.Context, db pgeventsdb.DBTX) (err error) {
		row, err = s.queries.FenceLag(ctx, db)
		return interpretError("fence lag", err)
	})
	if err != nil {
		return nil, err
	}
	lag = fenceLagFromInternal(row)
	s.tel.recordFence(ctx, lag.HeldBackEvents, lag.Lag)
	return lag, nil
}

// FenceLagTx is FenceLag in the caller's transaction tx. This variant
// reports the fence of tx's snapshot; see WithTx.
func (s *Store) FenceLagTx(ctx context.Context, tx pgx.Tx) (*FenceLag, error) {
	return s.WithTx(tx).FenceLag(ctx)
}

// run runs fn once in the caller's transaction, or against the pool,
// retrying while fn's (interpreted) error matches pgevents.ErrRetryable, at
// most cfg.MaxRetries times, with a jittered exponential backoff. Every
// method goes through run, so that the rules of owned and caller
// transactions live in one place.
func (s *Store) run(ctx context.Context, fn func(ctx context.Context, db pgeventsdb.DBTX) error) error {
	if s.tx != nil {
		return fn(ctx, s.tx)
	}
	return s.withRetries(ctx, func(err error) bool { return errors.Is(err, pgevents.ErrRetryable) },
		func() error { return fn(ctx, s.pool) })
}

// withRetries calls attempt until it succeeds or fails with an error that
// retryable rejects, retrying at most cfg.MaxRetries times with a jittered
// exponential backoff (s.backoff) and reporting each retry (onRetry,
// telemetry). The error after the last attempt says how many were made.
func (s *Store) withRetries(ctx context.Context, retryable func(error) bool, attempt func() error) error {
	for n := 0; ; n++ {
		err := attempt()
		if err == nil || !retryable(err) {
			return err
		}
		if n >= s.cfg.MaxRetries {
			if n == 0 {
				return err
			}
			return fmt.Errorf("pgevents: giving up after %d attempts: %w", n+1, err)
		}
		if s.onRetry != nil {
			s.onRetry(err)
		}
		s.tel.retry(ctx, err)
		timer := time.NewTimer(s.backoff(n))
		select {
		case <-ctx.Done():
			timer.Stop()
			return fmt.Errorf("pgevents: retry: %w (last error: %w)", ctx.Err(), err)
		case <-timer.C:
		}
	}
}

// backoff returns the delay before retry attempt (from 0): a random
// duration in [d/2, d] with d = RetryBackoff * 2^min(attempt, 6).
func (s *Store) backoff(attempt int) time.Duration {
	d := s.cfg.RetryBackoff << min(attempt, maxBackoffDoublings)
	return d/2 + rand.N(d/2+1)
}

// limitToInternal converts a read limit: 0 means pgevents.DefaultLimit, and
// a limit beyond the SQL integer range means all (-1). Other values,
// including invalid negative ones, go to SQL as they are.
func limitToInternal(limit int) int32 {
	switch {
	case limit == 0:
		return pgevents.DefaultLimit
	case limit > math.MaxInt32:
		return -1
	case limit < math.MinInt32:
		return math.MinInt32
	}
	return int32(limit)
}
