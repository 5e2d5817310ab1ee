// Package live keeps projections current by themselves: a Runner feeds each
// of its projections the events of a category (or of the whole log)
// through a consumer group (package consumer, SPEC §7), and saves each
// batch's projections in the transaction that saves the group's
// checkpoint. With PostgreSQL a crash therefore never leaves a projection
// ahead of or behind its checkpoint: either the batch's projections and
// its checkpoint are both committed, or neither is, and the batch is
// delivered again.
//
//	counts, _ := live.NewProjection(counter, &live.Options[Count, struct{}]{Source: pgevents.CategoryID("order")})
//	byCustomer, _ := live.NewProjection(totals, &live.Options[Total, struct{}]{
//		Source: pgevents.CategoryID("order"),
//		Key: func(e pgevents.Event) (string, bool) { return customerOf(e), true }, // one projection per customer
//	})
//	runner, _ := live.NewRunner(&live.Config{
//		Consumers:   pgstore.NewConsumerStore(events),
//		Projections: projections.ForBatch, // a *pgstore.ProjectionStore: saves through the batch's transaction
//	}, counts, byCustomer)
//	err := runner.Run(ctx) // until ctx ends; run it in as many processes as you like
//
// Each projection has its own consumer group (Options.Group, by default
// "projection:" + the projector's name), so projections of one process
// progress independently, and several processes share each projection's
// partitions. The projections are stored in the projection store under the
// projector's name, and are read with its Repository like any other.
//
// # Ids
//
// A per-stream projection (the default) has one projection per stream: its
// id is the stream name (with a category source) or "category/stream"
// (with the log), and its source is the stream. A cross-stream projection
// sets Options.Key, which derives the id from each event (for example one
// projection per customer across order streams); its source is the
// group's source. Events for which Key returns false are skipped.
//
// # Delivery
//
// Events of one stream arrive in position order; a stream's events always
// go to the same partition, so one per-stream projection is only ever
// updated by one member at a time. A cross-stream projection whose events
// come from streams of different partitions may be updated by two members
// concurrently: the row lock of the save serialises them, but both fold
// onto the state they loaded, so give such groups one partition
// (Options.Partitions = 1, the default).
//
// Handler errors follow the consumer's policy (Options.OnError): Stop
// (the default) stops the projection, whose status becomes failed; Park
// parks the event and goes on (status parked).
package live

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/consumer"
	"github.com/pgevents/pgevents/projection"
)

// CodeInvalidArgument is the SQLSTATE of an invalid live projection
// argument (a projector version below 1) that the SQL registry
// (pgevents.register_live_projection) reports, in a
// *pgevents.InvalidInputError.
const CodeInvalidArgument = "PE141"

// Options configure one live projection. Nil means defaults.
type Options[S, M any] struct {
	// BatchSize is the most events per batch (consumer.Config.BatchSize).
	// Defaults to DefaultBatchSize.
	BatchSize int
	// Group is the consumer group's name. Defaults to "projection:" + the
	// projector's name.
	Group string
	// Key returns the id of the projection an event belongs to, and false
	// to skip the event. Defaults to per-stream ids (see the package doc).
	Key func(event pgevents.Event) (id string, ok bool)
	// OnError is what a batch that keeps failing does: consumer.Stop (the
	// default) or consumer.Park.
	OnError consumer.ErrorPolicy
	// Partitions is the group's partition count (1 to 64). Defaults to 1.
	Partitions int
	// Source is the category (pgevents.CategoryID) or the log
	// (pgevents.LogID(), the zero Identifier) projected.
	Source pgevents.Identifier
}

// Projection is a live projection a Runner keeps current; NewProjection
// builds one from a projector.
type Projection interface {
	// Name returns the projection name (the projector's name).
	Name() string
	// Version returns the projector's version.
	Version() int
	// consumerConfig returns the consumer configuration of the projection
	// in group, with its handler saving through stores under the name
	// target returns for each batch.
	consumerConfig(group string, stores StoreFunc, target func(ctx context.Context, b *consumer.Batch) (string, error)) consumer.Config
	// batchSize returns Options.BatchSize.
	batchSize() int
	// group returns the consumer group's name.
	group() string
	// source returns the category or log projected.
	source() pgevents.Identifier
}

// StoreFunc returns the projection store a batch's projections are saved
// through. With PostgreSQL it must save in the batch's transaction
// (pgstore.ProjectionStore.ForBatch does), which is what makes a
// projection move exactly with its checkpoint.
type StoreFunc func(batch *consumer.Batch) projection.Store

// typed is the Projection of a Projector[S, M].
type typed[S, M any] struct {
	opts      Options[S, M]
	projector *projection.Projector[S, M]
}

// NewProjection returns the live projection of projector. opts may be nil
// (a per-stream projection of the whole log). It fails when opts.Source is
// a stream or invalid (an *pgevents.InvalidInputError, or an error matching
// pgevents.ErrInvalidInput); an invalid group name is reported by
// NewRunner.
func NewProjection[S, M any](projector *projection.Projector[S, M], opts *Options[S, M]) (Projection, error) {
	if projector == nil {
		return nil, errors.New("pgevents: live: NewProjection needs a projector (got nil)")
	}
	t := &typed[S, M]{projector: projector}
	if opts != nil {
		t.opts = *opts
	}
	switch t.opts.Source.Kind() {
	case "category", "log":
	default:
		return nil, fmt.Errorf("pgevents: live projection %q: Options.Source must be a category or the log (got %s): %w",
			projector.Name(), t.opts.Source, pgevents.ErrInvalidInput)
	}
	if err := t.opts.Source.Validate(); err != nil {
		return nil, err
	}
	if t.opts.Group == "" {
		t.opts.Group = "projection:" + projector.Name()
	}
	if t.opts.Partitions == 0 {
		t.opts.Partitions = 1
	}
	if t.opts.BatchSize == 0 {
		t.opts.BatchSize = DefaultBatchSize
	}
	return t, nil
}

func (t *typed[S, M]) Name() string  { return t.projector.Name() }
func (t *typed[S, M]) Version() int  { return t.projector.Version() }
func (t *typed[S, M]) group() string { return t.opts.Group }

func (t *typed[S, M]) source() pgevents.Identifier { return t.opts.Source }

func (t *typed[S, M]) consumerConfig(group string, stores StoreFunc,
	target func(ctx context.Context, b *consumer.Batch) (string, error)) consumer.Config {
	return consumer.Config{BatchSize: t.opts.BatchSize, Group: group, OnError: t.opts.OnError,
		Partitions: t.opts.Partitions, Source: t.opts.Source,
		Handler: func(ctx context.Context, b *consumer.Batch) error {
			name := t.projector.Name()
			if target != nil {
				var err error
				if name, err = target(ctx, b); err != nil {
					return err
				}
			}
			return t.handle(ctx, stores(b), name, b.Events)
		}}
}

// key returns the id and source of the projection event belongs to.
func (t *typed[S, M]) key(e pgevents.Event) (string, pgevents.Identifier, bool) {
	if t.opts.Key != nil {
		id, ok := t.opts.Key(e)
		return id, t.opts.Source, ok
	}
	if t.opts.Source.Kind() == "log" {
		return e.Category + "/" + e.Stream, pgevents.StreamID(e.Category, e.Stream), true
	}
	return e.Stream, pgevents.StreamID(e.Category, e.Stream), true
}

// BatchStore is a projection.Store that loads and saves several
// projections in one round trip (pgstore's *ProjectionStore, through
// ForBatch, is one). A live projection batch whose StoreFunc returns one
// loads every projection the batch touches with one call and saves them
// with one; other stores are called once per projection.
type BatchStore interface {
	projection.Store
	// LoadProjections returns the projections ids of name in ids' order,
	// nil for those that do not exist.
	LoadProjections(ctx context.Context, name string, ids []string) ([]*projection.Stored, error)
	// SaveProjections saves projections, in order.
	SaveProjections(ctx context.Context, projections []*projection.Stored) error
}

// handle folds a batch into its projections: each projection touched is
// loaded once, updated with its events in batch order, and saved (with a
// BatchStore, all loads in one call and all saves in one). Every fold runs
// before the first save, so a projector error saves nothing.
func (t *typed[S, M]) handle(ctx context.Context, store projection.Store, name string, events []pgevents.Event) error {
	type group struct {
		idx    []int // into events
		id     string
		source pgevents.Identifier
	}
	var order []*group
	byID := map[string]*group{}
	for i := range events {
		id, source, ok := t.key(events[i])
		if !ok {
			continue
		}
		g := byID[id]
		if g == nil {
			g = &group{id: id, source: source}
			byID[id] = g
			order = append(order, g)
		}
		g.idx = append(g.idx, i)
	}
	batch, isBatch := store.(BatchStore)
	var loaded []*projection.Stored
	if isBatch && len(order) > 0 {
		ids := make([]string, len(order))
		for i, g := range order {
			ids[i] = g.id
		}
		var err error
		if loaded, err = batch.LoadProjections(ctx, name, ids); err != nil {
			return fmt.Errorf("pgevents: live projection %q: load: %w", name, err)
		}
	}
	saves := make([]*projection.Stored, 0, len(order))
	for i, g := range order {
		var base *projection.Projection[S, M]
		var err error
		if isBatch {
			base, err = t.fromStored(loaded[i], g.id, g.source)
		} else {
			base, err = t.load(ctx, store, name, g.id, g.source)
		}
		if err != nil {
			return err
		}
		next, err := t.projector.Update(base, func(yield func(pgevents.Event, error) bool) {
			for _, j := range g.idx {
				if !yield(events[j], nil) {
					return
				}
			}
		})
		if err != nil {
			return err
		}
		next.ID = g.id
		stored, err := next.ToStored()
		if err != nil {
			return err
		}
		stored.Name = name // name@build while rebuilding
		saves = append(saves, stored)
	}
	if isBatch {
		if err := batch.SaveProjections(ctx, saves); err != nil {
			return fmt.Errorf("pgevents: live projection %q: save: %w", name, err)
		}
		return nil
	}
	for _, s := range saves {
		if _, err := store.SaveProjection(ctx, s); err != nil {
			return fmt.Errorf("pgevents: live projection %q: save %q: %w", name, s.ID, err)
		}
	}
	return nil
}

// load returns the stored projection id, or the initial one.
func (t *typed[S, M]) load(ctx context.Context, store projection.Store, name, id string, source pgevents.Identifier) (*projection.Projection[S, M], error) {
	stored, err := store.LoadProjection(ctx, name, id)
	switch {
	case errors.Is(err, pgevents.ErrNotFound):
		stored = nil
	case err != nil:
		return nil, fmt.Errorf("pgevents: live projection %q: load %q: %w", name, id, err)
	}
	return t.fromStored(stored, id, source)
}

// fromStored returns the projection of stored, or the initial one of id
// when stored is nil.
func (t *typed[S, M]) fromStored(stored *projection.Stored, id string, source pgevents.Identifier) (*projection.Projection[S, M], error) {
	if stored == nil {
		initial, err := t.projector.Initial(source)
		if err != nil {
			return nil, err
		}
		initial.ID = id
		return initial, nil
	}
	p, err := projection.FromStored[S, M](stored)
	if err != nil {
		return nil, err
	}
	p.Name = t.projector.Name() // stored as name@build while rebuilding
	return p, nil
}

// Config configures a Runner. Consumers and Projections are required.
type Config struct {
	// Consumers is the consumer store the projections' groups live in.
	Consumers consumer.Store
	// Lease is each member's lease (consumer.Config.Lease). Defaults to
	// consumer.DefaultLease.
	Lease time.Duration
	// Logger receives the consumers' logs. Defaults to slog.Default().
	Logger *slog.Logger
	// Member is this process's member name in every group. Defaults to
	// the consumer's default (host and process id).
	Member string
	// PollInterval is how often an idle projection reads
	// (consumer.Config.PollInterval). Defaults to
	// consumer.DefaultPollInterval.
	PollInterval time.Duration
	// Projections returns the store each batch's projections are saved
	// through. Required. With PostgreSQL, use ForBatch of a
	// *pgstore.ProjectionStore: the projections then commit with the
	// checkpoint.
	Projections StoreFunc
	// Registry, when set, records the projections when Run starts them and
	// the errors that stop them, where operators see them (with
	// pgstore.LiveProjectionStore: pgevents.live_projection_status in SQL and
	// "pgevents projections"), and runs blue/green rebuilds when a
	// projector's version changes. Defaults to none: no versions, no
	// rebuilds (raising a version then changes nothing).
	Registry Registry
	// SwitchInterval is how often a rebuild is checked for having caught
	// up. Defaults to DefaultSwitchInterval.
	SwitchInterval time.Duration
	// Waker wakes idle projections when events are appended (for example
	// a pgstore.Notifier). Defaults to none (polling).
	Waker consumer.Waker
}

// Registration is a live projection as a Registry records it.
type Registration struct {
	// Group is the consumer group's name.
	Group string
	// Name is the projection name.
	Name string
	// Source is the category or the log projected.
	Source pgevents.Identifier
	// Version is the projector's version.
	Version int
}

// Assignment is what a Registry assigns a runner's projection: the build
// to run, its consumer group, and whether it is a rebuild beside the
// serving build (blue/green).
type Assignment struct {
	// Build is the build number.
	Build int
	// Group is the build's consumer group.
	Group string
	// Rebuilding reports that the build is being rebuilt beside the
	// serving one; the runner switches it in once it has caught up.
	Rebuilding bool
}

// Builds are a live projection's builds as a Registry records them.
type Builds struct {
	// Serving is the build serving reads (Rebuilding false).
	Serving Assignment
	// Version is the serving projector version.
	Version int
	// Rebuild is the build being rebuilt beside it (Rebuilding true); nil
	// when none.
	Rebuild *Assignment
	// RebuildVersion is the projector version being rebuilt (0: none):
	// newer than Version when a runner with a newer version started the
	// rebuild, equal to it when the rebuild was requested
	// (RequestRebuild, pgevents.request_live_projection_rebuild,
	// "pgevents projections rebuild NAME").
	RebuildVersion int
}

// Registry records live projections and runs their blue/green rebuilds:
// pgstore's LiveProjectionStore keeps them in pgevents.live_projections,
// memstore's in memory. A projector whose version is newer than the
// serving one, or a rebuild requested for the serving version, is rebuilt
// from the first event, into rows of its own, while the serving build
// keeps serving reads; once caught up it is switched in atomically.
type Registry interface {
	// RegisterLiveProjection records (or updates) a projection, clears its
	// error and returns the build its runner runs: the serving build for
	// the serving version, a rebuild for a newer version; a superseded
	// (older) version is an error.
	RegisterLiveProjection(ctx context.Context, r *Registration) (*Assignment, error)
	// FailLiveProjection records the error that stopped build of the
	// projection name (ignored when that build no longer serves nor
	// rebuilds).
	FailLiveProjection(ctx context.Context, name string, build int, err error) error
	// CheckBuild runs in a batch's transaction before its saves: it fences
	// the batch (a build switched out, abandoned or dropped fails) and
	// returns the projection name its projections are saved under.
	CheckBuild(ctx context.Context, batch *consumer.Batch, name string, build int) (string, error)
	// SwitchLiveProjection switches build in when it has at most maxLag
	// events left, and reports whether it did.
	SwitchLiveProjection(ctx context.Context, name string, build int, maxLag int64) (bool, error)
	// FindLiveProjection returns the projection's builds (an error matching
	// pgevents.ErrNotFound when it is not registered). Runners poll it
	// every Config.SwitchInterval to pick up requested rebuilds.
	FindLiveProjection(ctx context.Context, name string) (*Builds, error)
}

// State is what a live projection is doing.
type State string

const (
	// StateStopped: the runner is not running it (not started, or ended).
	StateStopped State = "stopped"
	// StateCatchingUp: running, with more than one batch of events to go
	// (and more than MaxSwitchLag).
	StateCatchingUp State = "catching-up"
	// StateLive: running, at most one batch (and MaxSwitchLag) behind.
	StateLive State = "live"
	// StateParked: running, with parked events (OnError Park).
	StateParked State = "parked"
	// StateFailed: stopped by an error (see Status.Error).
	StateFailed State = "failed"
)

// Progress is how far a build has got: events done of the total, the
// rate and the time left at that rate.
type Progress struct {
	// EventsDone is how many events the build has projected.
	EventsDone int64
	// EventsTotal is EventsDone plus the events left (LagEvents).
	EventsTotal int64
	// Rate is events per second (0: unknown yet).
	Rate float64
	// ETA is the time left at Rate (0: nothing left; -1: unknown).
	ETA time.Duration
}

// eta returns the time left for left events at rate.
func eta(left int64, rate float64) time.Duration {
	switch {
	case left <= 0:
		return 0
	case rate <= 0:
		return -1
	}
	return time.Duration(float64(left) / rate * float64(time.Second))
}

// Status is the state of one live projection.
type Status struct {
	// Build is the build serving reads (the one the runner runs, 1
	// without a Registry).
	Build int
	// Cursor is the most advanced checkpoint of the group's partitions.
	Cursor pgevents.Cursor
	// Error is the error that stopped the projection (StateFailed).
	Error string
	// Group is the consumer group's name.
	Group string
	// Lag is how long the oldest unprojected event has waited.
	Lag time.Duration
	// LagEvents is how many committed events are not projected yet.
	LagEvents int64
	// Name is the projection name.
	Name string
	// ParkedEvents is how many events are parked.
	ParkedEvents int64
	// Progress is the build's progress. From pgstore.LiveProjectionStore
	// (pgevents.live_projection_status): the events of the source
	// projected, of all committed, and the average rate since the build
	// started. From Runner.Status: this run's progress: the events this
	// runner projected since it started the build, plus LagEvents, and its
	// rate.
	Progress Progress
	// Rebuild is the blue/green rebuild in progress beside the serving
	// build; nil when none. Runner.Status reports the rebuilds this runner
	// runs beside a serving build it runs.
	Rebuild *RebuildStatus
	// Rebuilding reports that the build is a blue/green rebuild not
	// switched in yet (its rows are not the ones readers see): Runner.Status
	// of a runner whose projector version is newer than the serving one.
	Rebuilding bool
	// State is what the projection is doing.
	State State
	// Version is the projector's version.
	Version int
}

// RebuildStatus is the progress of a blue/green rebuild.
type RebuildStatus struct {
	// Build is the build being rebuilt.
	Build int
	// Group is its consumer group.
	Group string
	// LagEvents is how many events it has left to project; -1 before its
	// runner created its group.
	LagEvents int64
	// Progress is its progress (see Status.Progress).
	Progress Progress
	// Projections is how many projections it has built so far (0 in
	// Runner.Status).
	Projections int64
	// Requested reports a rebuild requested for the serving version
	// (RequestRebuild) rather than started by a newer projector version.
	Requested bool
	// StartedAt is when the rebuild started.
	StartedAt time.Time
	// Version is the projector version being rebuilt.
	Version int
}

// Runner runs live projections, one consumer each (two while it rebuilds
// one beside its serving build), in one process. It is safe for
// concurrent use; Run may be called once at a time.
type Runner struct {
	cfg         Config
	mu          sync.Mutex
	projections []Projection
	states      []runState
}

// runState is the runner's view of one projection.
type runState struct {
	serving *buildRun // the build the runner runs as its own (maybe a rebuild of a newer version)
	rebuild *buildRun // a requested rebuild it runs beside it
	err     error
	running bool
}

// buildRun is one build a runner runs: its assignment, what it projected.
type buildRun struct {
	a       Assignment
	cancel  context.CancelFunc
	handled atomic.Int64
	started time.Time
	retired bool // switched out by this runner: its end is not a failure
}

// newConsumer returns the consumer of projection p running build br.
func (r *Runner) newConsumer(p Projection, br *buildRun) (*consumer.Consumer, error) {
	var target func(ctx context.Context, b *consumer.Batch) (string, error)
	if reg := r.cfg.Registry; reg != nil {
		target = func(ctx context.Context, b *consumer.Batch) (string, error) {
			return reg.CheckBuild(ctx, b, p.Name(), br.a.Build)
		}
	}
	ccfg := p.consumerConfig(br.a.Group, r.cfg.Projections, target)
	handler := ccfg.Handler
	ccfg.Handler = func(ctx context.Context, b *consumer.Batch) error {
		if err := handler(ctx, b); err != nil {
			return err
		}
		br.handled.Add(int64(len(b.Events)))
		return nil
	}
	ccfg.Lease, ccfg.Logger, ccfg.Member, ccfg.PollInterval, ccfg.Waker = r.cfg.Lease, r.cfg.Logger, r.cfg.Member, r.cfg.PollInterval, r.cfg.Waker
	c, err := consumer.New(r.cfg.Consumers, &ccfg)
	if err != nil {
		return nil, fmt.Errorf("pgevents: live projection %q: %w", p.Name(), err)
	}
	return c, nil
}

// NewRunner returns a Runner of projections. It fails when cfg lacks
// Consumers or Projections, when two projections share a group, and with
// consumer.New's errors (invalid group names, batch sizes, ...).
func NewRunner(cfg *Config, projections ...Projection) (*Runner, error) {
	if cfg == nil || cfg.Consumers == nil || cfg.Projections == nil {
		return nil, errors.New("pgevents: live: Config.Consumers and Config.Projections are required")
	}
	if cfg.SwitchInterval < 0 {
		return nil, errors.New("pgevents: live: Config.SwitchInterval must not be negative")
	}
	r := &Runner{cfg: *cfg, projections: projections, states: make([]runState, len(projections))}
	if r.cfg.SwitchInterval == 0 {
		r.cfg.SwitchInterval = DefaultSwitchInterval
	}
	groups := map[string]bool{}
	for i, p := range projections {
		if p == nil {
			return nil, errors.New("pgevents: live: a nil Projection")
		}
		if groups[p.group()] {
			return nil, fmt.Errorf("pgevents: live: two projections share the consumer group %q", p.group())
		}
		groups[p.group()] = true
		r.states[i].serving = &buildRun{a: Assignment{Build: 1, Group: p.group()}}
		if _, err := r.newConsumer(p, r.states[i].serving); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// DefaultBatchSize is the most events per batch of a live projection
// (Options.BatchSize): much larger than a consumer's default, since each
// batch costs a transaction, a load and a save of each projection it
// touches, and a checkpoint, whatever its size. The limit only matters
// while catching up (a live projection's batches hold the few events
// appended since the last one), where bigger batches go faster
// (BenchmarkCatchUp).
const DefaultBatchSize = 5000

// MaxSwitchLag is the most events a rebuild may still have to project when
// the runner switches it in (fewer when Options.BatchSize is smaller): the
// rest is projected after the switch, as new events are.
const MaxSwitchLag = 1000

// DefaultSwitchInterval is how often a runner checks whether a rebuild has
// caught up, and whether a rebuild was requested (Config.SwitchInterval).
const DefaultSwitchInterval = time.Second

// Run runs every projection until ctx ends, and returns nil then. A
// projection whose consumer fails (a handler error under OnError Stop, a
// store error it cannot retry, a build switched out by a newer version)
// stops with StateFailed while the others go on; Run returns, when ctx
// ends, the failures joined (errors.Join).
//
// With a Registry, Run first registers every projection (and returns the
// first error of that, starting nothing): a projector version newer than
// the serving one starts (or, after a restart, resumes) a blue/green
// rebuild, which Run switches in once it has at most one batch of events
// left (and at most MaxSwitchLag; checked every Config.SwitchInterval); it records each failure.
// Every Config.SwitchInterval it also looks for a rebuild requested for
// its version (pgevents.request_live_projection_rebuild, "pgevents
// projections rebuild NAME", RequestRebuild of the stores): it
// runs that build beside the serving one, switches it in once caught up,
// and goes on with it, stopping the old build's consumer quietly. A
// requested rebuild that fails is recorded and not retried by this Run;
// the serving build goes on.
func (r *Runner) Run(ctx context.Context) error {
	consumers := make([]*consumer.Consumer, len(r.projections))
	runs := make([]*buildRun, len(r.projections))
	for i, p := range r.projections {
		a := Assignment{Build: 1, Group: p.group()}
		if reg := r.cfg.Registry; reg != nil {
			got, err := reg.RegisterLiveProjection(ctx, &Registration{Group: p.group(), Name: p.Name(),
				Source: p.source(), Version: p.Version()})
			if err != nil {
				return fmt.Errorf("pgevents: live projection %q: register: %w", p.Name(), err)
			}
			a = *got
		}
		runs[i] = &buildRun{a: a}
		c, err := r.newConsumer(p, runs[i])
		if err != nil {
			return err
		}
		consumers[i] = c
	}
	var wg sync.WaitGroup
	errs := make([]error, len(consumers))
	for i := range consumers {
		r.setState(i, runState{serving: runs[i], running: true})
		wg.Go(func() {
			err := r.runProjection(ctx, i, runs[i], consumers[i])
			if err != nil {
				errs[i] = fmt.Errorf("pgevents: live projection %q: %w", r.projections[i].Name(), err)
			}
			r.mu.Lock()
			r.states[i].running, r.states[i].err, r.states[i].rebuild = false, errs[i], nil
			r.mu.Unlock()
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// ended is a build's consumer that returned.
type ended struct {
	run *buildRun
	err error
}

// runProjection runs projection i, build serving with consumer c, and the
// rebuilds it picks up, until ctx ends or the serving build fails.
func (r *Runner) runProjection(ctx context.Context, i int, serving *buildRun, c *consumer.Consumer) error {
	p := r.projections[i]
	projCtx, stopAll := context.WithCancel(ctx)
	defer stopAll()
	endc := make(chan ended, 2)
	active := 0
	start := func(br *buildRun, c *consumer.Consumer) {
		bctx, cancel := context.WithCancel(projCtx)
		r.mu.Lock()
		br.cancel, br.started = cancel, time.Now()
		r.mu.Unlock()
		active++
		go func() {
			err := c.Run(bctx)
			if bctx.Err() != nil && errors.Is(err, bctx.Err()) {
				err = nil
			}
			endc <- ended{run: br, err: err}
		}()
	}
	start(serving, c)
	var rebuild *buildRun
	failed := map[int]bool{} // requested rebuilds that failed in this run
	var tick <-chan time.Time
	if r.cfg.Registry != nil {
		t := time.NewTicker(r.cfg.SwitchInterval)
		defer t.Stop()
		tick = t.C
	}
	var result error
	stopping := false
	for active > 0 {
		select {
		case e := <-endc:
			active--
			r.mu.Lock()
			retired := e.run.retired
			r.mu.Unlock()
			switch {
			case retired || stopping:
				continue
			case e.run == rebuild:
				rebuild = nil
				r.mu.Lock()
				r.states[i].rebuild = nil
				r.mu.Unlock()
				if e.err != nil {
					failed[e.run.a.Build] = true
					r.logger().Error("pgevents: live: a requested rebuild failed", "projection", p.Name(), "build", e.run.a.Build, "error", e.err)
					r.recordFailure(ctx, p, e.run.a.Build, e.err)
				}
				continue
			}
			// The serving build ended: ctx ended, or it failed. Switched
			// out by another process running the same rebuild, it hands over.
			if e.err != nil && rebuild != nil && r.switchedElsewhere(ctx, p, rebuild) {
				serving, rebuild = r.promote(i, serving, rebuild)
				continue
			}
			if e.err != nil {
				result = e.err
				r.recordFailure(ctx, p, serving.a.Build, e.err)
			}
			stopping = true
			stopAll()
		case <-tick:
			if ctx.Err() != nil || stopping {
				continue
			}
			if serving.a.Rebuilding {
				r.trySwitch(projCtx, i, p, serving)
				continue
			}
			if rebuild != nil {
				if r.trySwitch(projCtx, i, p, rebuild) {
					serving, rebuild = r.promote(i, serving, rebuild)
				}
				continue
			}
			b, err := r.cfg.Registry.FindLiveProjection(projCtx, p.Name())
			switch {
			case err != nil:
				if projCtx.Err() == nil {
					r.logger().Error("pgevents: live: look for a requested rebuild", "projection", p.Name(), "error", err)
				}
				continue
			case b.Rebuild == nil || b.RebuildVersion != p.Version() || b.Rebuild.Build == serving.a.Build || failed[b.Rebuild.Build]:
				continue
			}
			br := &buildRun{a: *b.Rebuild}
			rc, err := r.newConsumer(p, br)
			if err != nil {
				r.logger().Error("pgevents: live: start a requested rebuild", "projection", p.Name(), "error", err)
				failed[b.Rebuild.Build] = true
				continue
			}
			r.logger().Info("pgevents: live: rebuild started", "projection", p.Name(), "build", br.a.Build, "version", p.Version())
			rebuild = br
			start(br, rc)
			r.mu.Lock()
			r.states[i].rebuild = br
			r.mu.Unlock()
		}
	}
	return result
}

// promote makes rebuild the serving build of projection i after its
// switch: the old serving build's consumer is stopped quietly.
func (r *Runner) promote(i int, serving, rebuild *buildRun) (*buildRun, *buildRun) {
	r.mu.Lock()
	serving.retired = true
	rebuild.a.Rebuilding = false
	r.states[i].serving, r.states[i].rebuild = rebuild, nil
	r.mu.Unlock()
	serving.cancel()
	return rebuild, nil
}

// switchedElsewhere reports whether rebuild now serves (another process
// switched it in).
func (r *Runner) switchedElsewhere(ctx context.Context, p Projection, rebuild *buildRun) bool {
	b, err := r.cfg.Registry.FindLiveProjection(context.WithoutCancel(ctx), p.Name())
	return err == nil && b.Serving.Build == rebuild.a.Build
}

// trySwitch switches build br of projection i in when it has caught up
// (at most one batch left), and reports whether it now serves (switched
// here or by another process).
func (r *Runner) trySwitch(ctx context.Context, i int, p Projection, br *buildRun) bool {
	maxLag := int64(min(p.batchSize(), MaxSwitchLag))
	if maxLag <= 0 {
		maxLag = consumer.DefaultBatchSize
	}
	switched, err := r.cfg.Registry.SwitchLiveProjection(ctx, p.Name(), br.a.Build, maxLag)
	if err != nil {
		if ctx.Err() != nil {
			return false
		}
		if !r.switchedElsewhere(ctx, p, br) {
			r.logger().Error("pgevents: live: switch a rebuild", "projection", p.Name(), "build", br.a.Build, "error", err)
			return false
		}
		switched = true
	}
	if switched {
		r.logger().Info("pgevents: live: rebuild switched in", "projection", p.Name(), "build", br.a.Build, "version", p.Version())
		r.mu.Lock()
		br.a.Rebuilding = false
		r.mu.Unlock()
	}
	return switched
}

// recordFailure records err as the failure of build of p in the registry.
func (r *Runner) recordFailure(ctx context.Context, p Projection, build int, err error) {
	if reg := r.cfg.Registry; reg != nil {
		if ferr := reg.FailLiveProjection(context.WithoutCancel(ctx), p.Name(), build, err); ferr != nil {
			r.logger().Error("pgevents: live: record a failure", "projection", p.Name(), "error", ferr)
		}
	}
}

func (r *Runner) logger() *slog.Logger {
	if r.cfg.Logger != nil {
		return r.cfg.Logger
	}
	return slog.Default()
}

func (r *Runner) setState(i int, s runState) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.states[i] = s
}

// Status returns the status of every projection of the runner, in the
// order given to NewRunner: version, the build's group, cursor, lag, state
// and this run's progress (from the group's status in the consumer store
// and the runner's own view), and the requested rebuild it runs beside it.
// It returns the consumer store's errors; a group not created yet reads as
// StateStopped with no cursor.
func (r *Runner) Status(ctx context.Context) ([]Status, error) {
	out := make([]Status, len(r.projections))
	now := time.Now()
	for i, p := range r.projections {
		r.mu.Lock()
		st := r.states[i]
		serving := st.serving
		a, handled, started := serving.a, serving.handled.Load(), serving.started
		var rb *RebuildStatus
		if b := st.rebuild; b != nil {
			rb = &RebuildStatus{Build: b.a.Build, Group: b.a.Group, LagEvents: -1, Requested: true, StartedAt: b.started,
				Version: p.Version(), Progress: Progress{EventsDone: b.handled.Load()}}
		}
		r.mu.Unlock()
		s := Status{Build: a.Build, Group: a.Group, Name: p.Name(), Rebuilding: a.Rebuilding,
			State: StateStopped, Version: p.Version(), Rebuild: rb}
		parts, err := r.cfg.Consumers.GroupStatus(ctx, s.Group)
		if err != nil && !errors.Is(err, consumer.ErrGroupNotFound) {
			return nil, fmt.Errorf("pgevents: live projection %q: status: %w", p.Name(), err)
		}
		batch := int64(consumer.DefaultBatchSize)
		if p.batchSize() > 0 {
			batch = int64(min(p.batchSize(), MaxSwitchLag))
		}
		for _, part := range parts {
			if s.Cursor.Less(part.Checkpoint) {
				s.Cursor = part.Checkpoint
			}
			s.Lag = max(s.Lag, part.Lag)
			s.LagEvents += part.LagEvents
			s.ParkedEvents += part.ParkedEvents
		}
		s.Progress = runProgress(handled, s.LagEvents, started, now)
		if rb != nil {
			parts, err := r.cfg.Consumers.GroupStatus(ctx, rb.Group)
			if err != nil && !errors.Is(err, consumer.ErrGroupNotFound) {
				return nil, fmt.Errorf("pgevents: live projection %q: rebuild status: %w", p.Name(), err)
			}
			if err == nil {
				rb.LagEvents = 0
				for _, part := range parts {
					rb.LagEvents += part.LagEvents
				}
			}
			rb.Progress = runProgress(rb.Progress.EventsDone, max(rb.LagEvents, 0), rb.StartedAt, now)
		}
		switch {
		case st.err != nil:
			s.State, s.Error = StateFailed, st.err.Error()
		case !st.running:
		case s.ParkedEvents > 0:
			s.State = StateParked
		case s.LagEvents > batch:
			s.State = StateCatchingUp
		default:
			s.State = StateLive
		}
		out[i] = s
	}
	return out, nil
}

// runProgress is the progress of a run that handled done events since
// started, with left events to go.
func runProgress(done, left int64, started, now time.Time) Progress {
	p := Progress{EventsDone: done, EventsTotal: done + left}
	if el := now.Sub(started); !started.IsZero() && el > 0 {
		p.Rate = float64(done) / el.Seconds()
	}
	p.ETA = eta(left, p.Rate)
	return p
}

func (t *typed[S, M]) batchSize() int { return t.opts.BatchSize }
