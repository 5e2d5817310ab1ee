package consumer

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"os"
	"slices"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/pgevents/pgevents"
)

// Defaults of Config.
const (
	// DefaultBatchSize is the most events per batch.
	DefaultBatchSize = 100
	// DefaultLease is how long a membership lasts without a heartbeat.
	DefaultLease = 30 * time.Second
	// DefaultMaxAttempts is how many times an event is tried before the
	// error policy applies.
	DefaultMaxAttempts = 3
	// DefaultPollInterval is the longest an idle member waits before
	// reading again.
	DefaultPollInterval = time.Second
	// DefaultRetryBackoff is the wait before the second attempt; it doubles
	// with each further attempt.
	DefaultRetryBackoff = 100 * time.Millisecond
	// MaxBatchSize is the largest Config.BatchSize (setting
	// consumer_max_batch of a default installation).
	MaxBatchSize = 10_000
)

// maxRetryBackoff caps the doubling of Config.RetryBackoff.
const maxRetryBackoff = 30 * time.Second

// ErrorPolicy says what a Consumer does with an event its handler keeps
// failing on.
type ErrorPolicy int

const (
	// Stop makes Run return a *HandlerError once the event has failed
	// Config.MaxAttempts times. The checkpoint stays before the event: a
	// restarted consumer tries it again. The default.
	Stop ErrorPolicy = iota
	// Park parks the event (the parked events of the group, with the
	// error) once it has failed Config.MaxAttempts times, moves the
	// checkpoint past it in the same transaction, and goes on. Parked
	// events can be listed, replayed and dropped (Store.ListParked,
	// ReplayParked, DropParked; pgevents parked ...). Later events of the
	// same stream are handled meanwhile.
	Park
)

// String returns "stop" or "park".
func (p ErrorPolicy) String() string {
	switch p {
	case Stop:
		return "stop"
	case Park:
		return "park"
	}
	return fmt.Sprintf("ErrorPolicy(%d)", int(p))
}

// Handler handles a batch of events. Returning nil commits: the batch's
// checkpoint is saved in the same transaction as whatever the handler
// wrote through batch.Tx or batch.Store. Returning an error (or panicking)
// rolls all of it back; the events are tried again (see ErrorPolicy).
//
// The handler must be idempotent for effects outside that transaction
// (an HTTP call, a message sent): they may be repeated (at-least-once).
type Handler func(ctx context.Context, batch *Batch) error

// Batch is what a Handler gets.
type Batch struct {
	// Attempt is 1 on the first try of these events, 2 on the second, ...
	Attempt int
	// Events are the events, each stream's in position order (events of
	// different streams may interleave in any order).
	Events []pgevents.Event
	// Group is the consumer group.
	Group string
	// Member is this member's name.
	Member string
	// Replay reports that the events are replays of parked events
	// (delivered one at a time, after later events of their stream).
	Replay bool
	// Store is a pgevents.Store bound to the batch's transaction: events
	// appended through it commit with the checkpoint, or not at all.
	Store pgevents.Store
	// Tx is the PostgreSQL transaction in which the checkpoint will be
	// saved (pgstore; nil with memstore): writes made through it take
	// effect exactly once, together with the checkpoint. Do not commit or
	// roll it back.
	Tx pgx.Tx
}

// Config configures a Consumer. Group, Handler and Source are required;
// every other zero field means its default.
type Config struct {
	// BatchSize is the most events per batch, 1 to MaxBatchSize. Defaults
	// to DefaultBatchSize.
	BatchSize int
	// FromEnd makes a group created by this consumer start after the
	// events committed so far. Defaults to false: from the first event.
	FromEnd bool
	// Group is the consumer group's name. Run creates it when it does not
	// exist (with Source and Partitions); when it exists, they must match
	// (ErrGroupMismatch).
	Group string
	// Handler handles the batches. Required.
	Handler Handler
	// Lease is how long this member's membership lasts without a
	// heartbeat; heartbeats run every Lease/3. A member that dies is
	// replaced after at most Lease. 100 ms to 1 hour; defaults to
	// DefaultLease.
	Lease time.Duration
	// Logger receives warnings about retried store errors. Defaults to
	// discarding them.
	Logger *slog.Logger
	// MaxAttempts is how many times an event is tried before OnError
	// applies. Defaults to DefaultMaxAttempts.
	MaxAttempts int
	// Member is this member's name, unique among the group's live members.
	// Defaults to hostname-pid-random.
	Member string
	// MeterProvider gives the Consumer's OpenTelemetry meter
	// (instrumentation scope InstrumentationName): counters of batches by
	// outcome, events handled, errors by SQLSTATE class, retries, parked
	// events and lost leases, a histogram of batch durations and the
	// partitions owned, all by group (never by stream). nil means
	// otel.GetMeterProvider(), a no-op unless the application installs an
	// SDK. See the README's telemetry section for every name.
	MeterProvider metric.MeterProvider
	// OnError is the policy for events that keep failing. Defaults to Stop.
	OnError ErrorPolicy
	// Partitions is the group's partition count when Run creates it, 1 to
	// Buckets. Defaults to 1 (a singleton consumer: one member works, the
	// others stand by).
	Partitions int
	// PollInterval is the longest an idle member waits before reading
	// again (a Waker cuts the wait short). Defaults to DefaultPollInterval.
	PollInterval time.Duration
	// RetryBackoff is the wait before the second attempt of a failed
	// event, doubling with each attempt (up to 30 s, with jitter); store
	// errors are retried after it too. Defaults to DefaultRetryBackoff.
	RetryBackoff time.Duration
	// Source is what the group consumes: pgevents.CategoryID(c), or
	// pgevents.LogID() (the zero Identifier) for the whole log.
	Source pgevents.Identifier
	// TracerProvider gives the Consumer's OpenTelemetry tracer: a span
	// pgevents.consumer.batch (kind consumer) per batch handled, with the
	// group, member, event count and outcome as attributes and events for
	// retries and parked events; the handler's context carries it. nil
	// means otel.GetTracerProvider(), a no-op unless the application
	// installs an SDK.
	TracerProvider trace.TracerProvider
	// Waker, when set, wakes the member as soon as events may have been
	// appended (pgstore.Notifier). Without it the member polls every
	// PollInterval while idle.
	Waker Waker
}

// withDefaults validates cfg and fills in the defaults.
func (cfg Config) withDefaults() (Config, error) {
	if err := pgevents.CheckName("group", cfg.Group); err != nil {
		return cfg, err
	}
	if cfg.Handler == nil {
		return cfg, invalid("handler", "is required")
	}
	if cfg.Source.Stream != "" {
		return cfg, invalid("source", "a consumer group consumes a category or the log, not a stream")
	}
	if cfg.Source.Category != "" {
		if err := pgevents.CheckName("source.category", cfg.Source.Category); err != nil {
			return cfg, err
		}
	}
	var err error
	if cfg.BatchSize, err = orDefault("batch_size", cfg.BatchSize, DefaultBatchSize, 1, MaxBatchSize); err != nil {
		return cfg, err
	}
	if cfg.Partitions, err = orDefault("partitions", cfg.Partitions, 1, 1, Buckets); err != nil {
		return cfg, err
	}
	if cfg.MaxAttempts, err = orDefault("max_attempts", cfg.MaxAttempts, DefaultMaxAttempts, 1, math.MaxInt32); err != nil {
		return cfg, err
	}
	if cfg.Lease, err = orDefault("lease", cfg.Lease, DefaultLease, 100*time.Millisecond, time.Hour); err != nil {
		return cfg, err
	}
	if cfg.PollInterval, err = orDefault("poll_interval", cfg.PollInterval, DefaultPollInterval, time.Millisecond, 24*time.Hour); err != nil {
		return cfg, err
	}
	if cfg.RetryBackoff, err = orDefault("retry_backoff", cfg.RetryBackoff, DefaultRetryBackoff, time.Microsecond, time.Hour); err != nil {
		return cfg, err
	}
	if cfg.OnError != Stop && cfg.OnError != Park {
		return cfg, invalid("on_error", fmt.Sprintf("must be Stop or Park (got %d)", int(cfg.OnError)))
	}
	if cfg.Member == "" {
		cfg.Member = defaultMember()
	} else if err := pgevents.CheckName("member", cfg.Member); err != nil {
		return cfg, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return cfg, nil
}

func orDefault[T int | time.Duration](field string, v, def, lo, hi T) (T, error) {
	if v == 0 {
		return def, nil
	}
	if v < lo || v > hi {
		return v, invalid(field, fmt.Sprintf("must be between %v and %v (got %v)", lo, hi, v))
	}
	return v, nil
}

// defaultMember returns hostname-pid-random.
func defaultMember() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "member"
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	name := fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
	if r := []rune(name); len(r) > 255 {
		name = string(r[len(r)-255:])
	}
	return name
}

// Consumer runs one member of a consumer group: it keeps its membership
// alive, reads its partitions' events in batches and hands them to the
// handler, saving the checkpoint in the handler's transaction. A group of
// one member is a singleton consumer; start the same Consumer config in
// several processes (with distinct Member names) to share the work.
type Consumer struct {
	cfg     Config
	running atomic.Bool
	store   Store
	tel     *telemetry
}

// New returns a Consumer of store configured by cfg. It returns an
// *pgevents.InvalidInputError for an invalid or incomplete cfg, and an
// error when store is nil. Nothing is contacted until Run.
func New(store Store, cfg *Config) (*Consumer, error) {
	if store == nil {
		return nil, errors.New("pgevents: consumer: New needs a Store (pgstore.NewConsumerStore or memstore.NewConsumerStore)")
	}
	if cfg == nil {
		cfg = &Config{}
	}
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	tel, err := newTelemetry(c.TracerProvider, c.MeterProvider, c.Group, c.Member)
	if err != nil {
		return nil, fmt.Errorf("pgevents: consumer: telemetry: %w", err)
	}
	return &Consumer{cfg: c, store: store, tel: tel}, nil
}

// Member returns this member's name (Config.Member, or the generated one).
func (c *Consumer) Member() string { return c.cfg.Member }

// Run creates the group if needed, joins it and processes batches until
// ctx ends, then leaves the group (releasing its partitions at once, so
// the other members take them over at their next heartbeat) and returns
// nil. A batch in flight when ctx ends is rolled back (its events are
// delivered again, to this or another member).
//
// Delivery: every event is handled at least once; what the handler writes
// through Batch.Tx (or Batch.Store) commits together with the checkpoint,
// so it takes effect exactly once. Batches of one member are handled one at
// a time. Each stream's events are handled in position order; with the
// Park policy a parked event is skipped (and its replay comes later).
//
// Run returns early with an error when the group cannot be created
// (ErrGroupMismatch, invalid input), when it is dropped while running
// (ErrGroupNotFound), or, under the Stop policy, with a *HandlerError
// once an event has failed MaxAttempts times. Store errors (a lost
// connection, a conflict) are logged and retried after RetryBackoff. A
// batch whose partition passed to another member meanwhile (ErrLeaseLost,
// ErrCheckpointConflict) is dropped quietly: that member handles it.
//
// Run may be called again after it returns, but not concurrently.
func (c *Consumer) Run(ctx context.Context) (err error) {
	if !c.running.CompareAndSwap(false, true) {
		return errors.New("pgevents: consumer: Run is already running")
	}
	defer c.running.Store(false)
	cfg := c.cfg
	if _, err := c.store.CreateGroup(ctx, &CreateGroupParams{Group: cfg.Group, Source: cfg.Source,
		Partitions: cfg.Partitions, FromEnd: cfg.FromEnd}); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	defer func() {
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.Lease)
		defer cancel()
		if _, lerr := c.store.LeaveGroup(lctx, cfg.Group, cfg.Member); lerr != nil && !errors.Is(lerr, ErrGroupNotFound) && err == nil {
			err = fmt.Errorf("pgevents: consumer: leave group %s: %w", cfg.Group, lerr)
		}
		c.tel.own(lctx, 0)
	}()
	partitions, err := c.store.JoinGroup(ctx, &JoinGroupParams{Group: cfg.Group, Member: cfg.Member, Lease: cfg.Lease})
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	c.tel.own(ctx, len(partitions))

	runCtx, cancel := context.WithCancel(ctx)
	var fatal atomic.Pointer[error]
	stop := func(err error) {
		fatal.CompareAndSwap(nil, &err)
		cancel()
	}
	heartbeatDone := make(chan struct{})
	go c.heartbeat(runCtx, stop, heartbeatDone)
	defer func() {
		cancel()
		<-heartbeatDone
		if p := fatal.Load(); p != nil && err == nil {
			err = *p
		}
	}()

	var wake <-chan struct{}
	if cfg.Waker != nil {
		wake = cfg.Waker.Subscribe(runCtx, cfg.Source.Category)
	}
	idle := newIdleWait(cfg.PollInterval)
	for runCtx.Err() == nil {
		deliveries, err := c.store.ReadBatch(runCtx, &ReadBatchParams{Group: cfg.Group, Member: cfg.Member, Limit: cfg.BatchSize})
		switch {
		case runCtx.Err() != nil:
			return nil
		case errors.Is(err, ErrGroupNotFound):
			return err
		case err != nil:
			c.tel.storeError(runCtx, opRead, err)
			cfg.Logger.Warn("pgevents: consumer: read batch failed; retrying", "group", cfg.Group, "member", cfg.Member, "error", err)
			sleep(runCtx, c.backoff(1))
			continue
		case len(deliveries) == 0:
			idle.wait(runCtx, wake)
			continue
		}
		idle.reset()
		if err := c.process(runCtx, deliveries); err != nil {
			if runCtx.Err() != nil {
				return nil
			}
			return err
		}
	}
	return nil
}

// heartbeat renews the membership every Lease/3 (sooner after a failure)
// until ctx ends. A dropped group stops the consumer.
func (c *Consumer) heartbeat(ctx context.Context, stop func(error), done chan<- struct{}) {
	defer close(done)
	cfg := c.cfg
	interval := cfg.Lease / 3
	for {
		if !sleep(ctx, interval) {
			return
		}
		partitions, err := c.store.JoinGroup(ctx, &JoinGroupParams{Group: cfg.Group, Member: cfg.Member, Lease: cfg.Lease})
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, ErrGroupNotFound):
			stop(err)
			return
		case err != nil:
			c.tel.storeError(ctx, opHeartbeat, err)
			cfg.Logger.Warn("pgevents: consumer: heartbeat failed; retrying", "group", cfg.Group, "member", cfg.Member, "error", err)
			interval = max(cfg.Lease/10, time.Millisecond)
		default:
			c.tel.own(ctx, len(partitions))
			interval = cfg.Lease / 3
		}
	}
}

// process handles one batch read: replays one at a time, then the new
// events together. It returns an error only when Run must stop.
func (c *Consumer) process(ctx context.Context, deliveries []Delivery) (err error) {
	ctx, batch := c.tel.startBatch(ctx, deliveries)
	defer func() { batch.end(err) }()
	fresh := deliveries // usually no replays: no copy
	if slices.ContainsFunc(deliveries, func(d Delivery) bool { return d.ParkedID != 0 }) {
		fresh = make([]Delivery, 0, len(deliveries))
		for _, d := range deliveries {
			if d.ParkedID == 0 {
				fresh = append(fresh, d)
				continue
			}
			if done, err := c.processOne(ctx, d, true); err != nil || !done {
				return err
			}
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	result, handlerErr := c.commit(ctx, fresh, false, 1)
	switch result {
	case committed, dropped:
		return nil
	case handlerFailed:
		if len(fresh) == 1 {
			_, err := c.retryOne(ctx, fresh[0], false, handlerErr)
			return err
		}
		c.tel.split(ctx, len(fresh))
		return c.processOneByOne(ctx, fresh)
	}
	return nil
}

// processOneByOne handles deliveries one at a time, each in its own
// transaction, chaining each bucket's checkpoint: so that only the events
// that fail are retried, and parked.
func (c *Consumer) processOneByOne(ctx context.Context, deliveries []Delivery) error {
	after := map[int]pgevents.Cursor{}
	for _, d := range deliveries {
		if a, ok := after[d.Bucket]; ok {
			d.After = a
		}
		done, err := c.processOne(ctx, d, false)
		if err != nil || !done {
			return err
		}
		after[d.Bucket] = d.Event.Cursor()
	}
	return nil
}

// processOne handles a single delivery with retries. done reports that it
// was committed or parked (false: dropped, go back to reading).
func (c *Consumer) processOne(ctx context.Context, d Delivery, replay bool) (done bool, err error) {
	result, handlerErr := c.commit(ctx, []Delivery{d}, replay, 1)
	switch result {
	case committed:
		return true, nil
	case dropped:
		return false, nil
	}
	return c.retryOne(ctx, d, replay, handlerErr)
}

// retryOne retries a delivery whose first attempt failed with handlerErr,
// then applies the error policy (replays are always parked again).
func (c *Consumer) retryOne(ctx context.Context, d Delivery, replay bool, handlerErr error) (done bool, err error) {
	cfg := c.cfg
	attempt := 1
	for attempt < cfg.MaxAttempts {
		if !sleep(ctx, c.backoff(attempt)) {
			return false, nil
		}
		attempt++
		c.tel.retry(ctx, attempt)
		var result commitResult
		result, handlerErr = c.commit(ctx, []Delivery{d}, replay, attempt)
		switch result {
		case committed:
			return true, nil
		case dropped:
			return false, nil
		}
	}
	if cfg.OnError == Stop && !replay {
		return false, &HandlerError{Attempts: attempt, Err: handlerErr, Event: d.Event, Group: cfg.Group}
	}
	err = c.store.CommitBatch(ctx, &CommitBatchParams{Group: cfg.Group, Member: cfg.Member,
		Park: []ParkedDelivery{{Attempts: attempt, Delivery: d, Error: handlerErr.Error()}}})
	if err != nil {
		c.storeFailed(ctx, opPark, err)
		return false, fatalOnly(err)
	}
	c.tel.park(ctx, attempt)
	return true, nil
}

type commitResult int

const (
	committed     commitResult = iota
	handlerFailed              // the handler returned an error (or panicked)
	dropped                    // lease lost, checkpoint conflict, store error or ctx done: read again
)

// commit runs the handler over deliveries in a CommitBatch. handlerErr is
// the handler's error when result is handlerFailed.
func (c *Consumer) commit(ctx context.Context, deliveries []Delivery, replay bool, attempt int) (result commitResult, handlerErr error) {
	cfg := c.cfg
	events := make([]pgevents.Event, len(deliveries))
	for i, d := range deliveries {
		events[i] = d.Event
	}
	err := c.store.CommitBatch(ctx, &CommitBatchParams{Group: cfg.Group, Member: cfg.Member, Handled: deliveries,
		Handle: func(ctx context.Context, tx *Tx) (err error) {
			defer func() {
				if r := recover(); r != nil {
					err = fmt.Errorf("pgevents: consumer: handler panicked: %v", r)
				}
				handlerErr = err
			}()
			return cfg.Handler(ctx, &Batch{Attempt: attempt, Events: events, Group: cfg.Group, Member: cfg.Member,
				Replay: replay, Store: tx.Store, Tx: tx.PgxTx})
		}})
	switch {
	case err == nil:
		c.tel.handled(ctx, len(deliveries))
		return committed, nil
	case handlerErr != nil && ctx.Err() == nil:
		c.tel.handlerFailed(ctx, attempt, handlerErr)
		return handlerFailed, handlerErr
	}
	c.storeFailed(ctx, opCommit, err)
	return dropped, nil
}

// storeFailed logs a store error that makes the member drop its batch, and
// waits RetryBackoff after a transient one.
func (c *Consumer) storeFailed(ctx context.Context, op string, err error) {
	c.tel.dropped(ctx, op, err)
	if ctx.Err() != nil || errors.Is(err, ErrLeaseLost) || errors.Is(err, ErrCheckpointConflict) {
		return
	}
	c.cfg.Logger.Warn("pgevents: consumer: "+op+" failed; reading again", "group", c.cfg.Group, "member", c.cfg.Member, "error", err)
	sleep(ctx, c.backoff(1))
}

// fatalOnly returns err when it must stop Run (the group is gone), nil
// otherwise.
func fatalOnly(err error) error {
	if errors.Is(err, ErrGroupNotFound) {
		return err
	}
	return nil
}

// backoff returns the wait before attempt+1: RetryBackoff * 2^(attempt-1),
// at most 30 s, with jitter in [d/2, d].
func (c *Consumer) backoff(attempt int) time.Duration {
	d := c.cfg.RetryBackoff << min(attempt-1, 20)
	if d <= 0 || d > maxRetryBackoff {
		d = maxRetryBackoff
	}
	return d/2 + mrand.N(d/2+1)
}

// sleep waits d or until ctx ends; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// idleWait is the wait of an idle member: PollInterval, cut short by a
// wake-up. After a wake-up that found nothing (the event may still be held
// back by the snapshot fence), it polls again after 1 ms, 2 ms, 4 ms, ...
// up to PollInterval.
type idleWait struct {
	poll  time.Duration
	short time.Duration // 0: not after a wake-up
}

func newIdleWait(poll time.Duration) *idleWait { return &idleWait{poll: poll} }

func (w *idleWait) reset() { w.short = 0 }

func (w *idleWait) wait(ctx context.Context, wake <-chan struct{}) {
	d := w.poll
	if w.short > 0 {
		d = min(w.short, w.poll)
		w.short = min(2*w.short, w.poll)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	case <-wake:
		if w.short == 0 {
			w.short = time.Millisecond
		}
	}
}
