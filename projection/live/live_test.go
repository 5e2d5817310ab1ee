package live_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/consumer"
	"github.com/pgevents/pgevents/internal/pgtest"
	"github.com/pgevents/pgevents/memstore"
	"github.com/pgevents/pgevents/pgstore"
	"github.com/pgevents/pgevents/projection"
	"github.com/pgevents/pgevents/projection/live"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// tally is the state of the test projections: how many events, and the
// sum of their positions (a double-applied or skipped event changes it).
type tally struct {
	Count     int   `json:"count"`
	Positions int64 `json:"positions"`
}

// newTally returns a projector counting "Deposited" events; fail, when
// set, makes a handler fail (a crash of the batch).
func newTally(t *testing.T, name string, fail func() bool) *projection.Projector[tally, struct{}] {
	t.Helper()
	p, err := projection.New(&projection.Config[tally, struct{}]{
		Name: name,
		Handlers: map[string]projection.Handler[tally]{
			"deposited": func(s tally, e pgevents.Event) (tally, error) {
				if fail != nil && fail() {
					return s, errors.New("injected crash")
				}
				s.Count++
				s.Positions += e.Position
				return s, nil
			},
		},
	})
	require.NoError(t, err)
	return p
}

// customerOf is the cross-stream key: the payload's customer.
func customerOf(e pgevents.Event) (string, bool) {
	var p struct {
		Customer string `json:"customer"`
	}
	if err := json.Unmarshal(e.Payload, &p); err != nil || p.Customer == "" {
		return "", false
	}
	return p.Customer, true
}

// deposit appends n "Deposited" events to acct/stream for customer.
func deposit(ctx context.Context, s pgevents.Store, stream, customer string, n int) error {
	events := make([]pgevents.NewEvent, n)
	for i := range events {
		events[i] = pgevents.NewEvent{Name: "Deposited", Payload: json.RawMessage(fmt.Sprintf(`{"customer": %q}`, customer))}
	}
	_, err := pgevents.NewClient(s).Stream("acct", stream).Append(ctx, events, nil)
	return err
}

// checkConsistent asserts, in one REPEATABLE READ snapshot, that every
// projection of the per-stream tally "count" holds exactly the events its
// group's checkpoints cover (no more, no fewer), and that the customers'
// tallies ("by-customer") add up to the events their group's checkpoint
// covers. It returns how many events "count" covers.
func checkConsistent(t *testing.T, ctx context.Context, pool *pgxpool.Pool) int64 {
	t.Helper()
	tx, err := pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	const covered = `
		SELECT e.stream, count(*) AS n, sum(e.position) AS positions
		  FROM pgevents.events e
		  JOIN pgevents.consumer_checkpoints c
		    ON c.group_name = $1 AND c.bucket = CASE WHEN (SELECT g.partitions FROM pgevents.consumer_groups g WHERE g.name = $1) = 1
		                                              THEN 0 ELSE pgevents.stream_bucket(e.category, e.stream) END
		 WHERE e.category = 'acct' AND (e.transaction_id, e.sequence_number) <= (c.transaction_id, c.sequence_number)
		 GROUP BY e.stream`
	rows, err := tx.Query(ctx, `
		WITH covered AS (`+covered+`)
		SELECT COALESCE(c.stream, p.id), COALESCE(c.n, 0), COALESCE(c.positions, 0),
		       COALESCE((p.state->>'count')::bigint, 0), COALESCE((p.state->>'positions')::numeric, 0)
		  FROM covered c FULL JOIN (SELECT * FROM pgevents.projections WHERE name = 'count') p ON p.id = c.stream`,
		"projection:count")
	require.NoError(t, err)
	var total int64
	for rows.Next() {
		var stream string
		var n, count int64
		var positions, statePositions float64
		require.NoError(t, rows.Scan(&stream, &n, &positions, &count, &statePositions))
		require.Equal(t, n, count, "stream %s: the projection holds %d events, its checkpoint covers %d", stream, count, n)
		require.Equal(t, positions, statePositions, "stream %s: positions", stream)
		total += n
	}
	require.NoError(t, rows.Err())
	var coveredByCustomer, customerTotal int64
	require.NoError(t, tx.QueryRow(ctx, `SELECT COALESCE(sum(n), 0)::bigint FROM (`+covered+`) c`, "projection:by-customer").
		Scan(&coveredByCustomer))
	require.NoError(t, tx.QueryRow(ctx,
		`SELECT COALESCE(sum((state->>'count')::bigint), 0)::bigint FROM pgevents.projections WHERE name = 'by-customer'`).
		Scan(&customerTotal))
	require.Equal(t, coveredByCustomer, customerTotal, "cross-stream: the customers' tallies add up to what the checkpoint covers")
	return total
}

// TestRunner_CrashNeverSplitsProjectionAndCheckpoint runs two live
// projections (per stream, 4 partitions; cross-stream by customer) under
// continuous writes, with handlers that fail at random and runners killed
// (context cancelled mid-batch) and restarted over and over, while a
// checker verifies in consistent snapshots that no projection is ever
// ahead of or behind its checkpoint. At the end every projection holds
// exactly its events, each once.
func TestRunner_CrashNeverSplitsProjectionAndCheckpoint(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	pool := pgtest.NewPool(t)
	store, err := pgstore.New(pool, nil)
	require.NoError(t, err)
	consumers := pgstore.NewConsumerStore(store)
	projections := pgstore.NewProjectionStore(pool)
	registry := pgstore.NewLiveProjectionStore(pool)

	var failing atomic.Bool
	failing.Store(true)
	rng := rand.New(rand.NewPCG(1, 2))
	var rngMu sync.Mutex
	fail := func() bool {
		rngMu.Lock()
		defer rngMu.Unlock()
		return failing.Load() && rng.IntN(50) == 0
	}
	count, err := live.NewProjection(newTally(t, "count", fail), &live.Options[tally, struct{}]{
		Source: pgevents.CategoryID("acct"), Partitions: 4, BatchSize: 7})
	require.NoError(t, err)
	byCustomer, err := live.NewProjection(newTally(t, "by-customer", fail), &live.Options[tally, struct{}]{
		Source: pgevents.CategoryID("acct"), Key: customerOf, BatchSize: 11})
	require.NoError(t, err)
	newRunner := func() *live.Runner {
		r, err := live.NewRunner(&live.Config{Consumers: consumers, Projections: projections.ForBatch,
			Registry: registry, Lease: 500 * time.Millisecond, PollInterval: 5 * time.Millisecond, Member: "m"}, count, byCustomer)
		require.NoError(t, err)
		return r
	}

	// Writers: 12 streams, 6 customers, until stopped.
	writeCtx, stopWriting := context.WithCancel(ctx)
	var writers sync.WaitGroup
	for w := range 3 {
		writers.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 9))
			for writeCtx.Err() == nil {
				n := 1 + r.IntN(4)
				if err := deposit(writeCtx, store, fmt.Sprintf("s%d", r.IntN(12)), fmt.Sprintf("c%d", r.IntN(6)), n); err != nil {
					if writeCtx.Err() == nil {
						t.Errorf("append: %v", err)
					}
					return
				}
				time.Sleep(5 * time.Millisecond)
			}
		})
	}

	// Runners killed and restarted, a consistency check after each.
	r := rand.New(rand.NewPCG(3, 4))
	for round := range 12 {
		runCtx, kill := context.WithCancel(ctx)
		runner := newRunner()
		done := make(chan error, 1)
		go func() { done <- runner.Run(runCtx) }()
		deadline := time.Now().Add(time.Duration(50+r.IntN(250)) * time.Millisecond)
		for time.Now().Before(deadline) {
			checkConsistent(t, ctx, pool)
			time.Sleep(5 * time.Millisecond)
		}
		kill()
		err := <-done
		t.Logf("round %d: runner ended with %v", round, err)
		checkConsistent(t, ctx, pool)
	}
	stopWriting()
	writers.Wait()
	failing.Store(false)

	// A last run catches up: every event projected exactly once.
	runCtx, kill := context.WithCancel(ctx)
	defer kill()
	runner := newRunner()
	done := make(chan error, 1)
	go func() { done <- runner.Run(runCtx) }()
	require.Eventually(t, func() bool {
		status, err := runner.Status(ctx)
		require.NoError(t, err)
		for _, s := range status {
			if s.LagEvents > 0 || s.State != live.StateLive || s.Cursor.IsZero() {
				return false
			}
		}
		return true
	}, 60*time.Second, 500*time.Millisecond)
	var written int64 // counted in the database: an append cancelled with the writers may still have committed
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM pgevents.events WHERE category = 'acct'`).Scan(&written))
	require.Equal(t, written, checkConsistent(t, ctx, pool), "every event projected")
	status, err := runner.Status(ctx)
	require.NoError(t, err)
	require.Len(t, status, 2)
	require.Equal(t, "count", status[0].Name)
	require.Equal(t, 1, status[0].Version)
	require.Equal(t, "projection:count", status[0].Group)
	sqlStatus, err := registry.Status(ctx, "")
	require.NoError(t, err)
	require.Len(t, sqlStatus, 2)
	require.Equal(t, "by-customer", sqlStatus[0].Name, "name order")
	for i, want := range []live.Status{status[1], status[0]} {
		got := sqlStatus[i]
		require.Equal(t, live.StateLive, got.State, "%+v", got)
		require.Equal(t, want.Cursor, got.Cursor, "SQL and Go agree on the cursor of %s", got.Name)
		require.Equal(t, want.Group, got.Group)
		require.Equal(t, 1, got.Version)
		require.Zero(t, got.LagEvents)
	}

	// Every stream's projection equals a fresh fold of the stream.
	client := pgevents.NewClient(store)
	repo := newTally(t, "count", nil).Repository(projections)
	for i := range 12 {
		stream := client.Stream("acct", fmt.Sprintf("s%d", i))
		want, err := newTally(t, "count", nil).ProjectStream(ctx, stream)
		require.NoError(t, err)
		got, err := repo.Load(ctx, stream.ID().Stream)
		if want.State.Count == 0 {
			require.ErrorIs(t, err, pgevents.ErrNotFound)
			continue
		}
		require.NoError(t, err)
		require.Equal(t, want.State, got.State, "stream s%d", i)
		require.Equal(t, stream.ID(), got.Source)
	}
	kill()
	require.NoError(t, <-done)
	status, err = runner.Status(ctx)
	require.NoError(t, err)
	require.Equal(t, live.StateStopped, status[0].State)
}

// TestRunner_Failed shows a projector error under OnError Stop as
// StateFailed with the error, and that nothing of the failed batch is
// saved; and that OnError Park parks the event (StateParked) and goes on.
func TestRunner_FailedAndParked(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	events := memstore.New(nil)
	consumers := memstore.NewConsumerStore(events)
	projections := memstore.NewProjectionStore()
	require.NoError(t, deposit(ctx, events, "a", "c1", 2))
	_, err := pgevents.NewClient(events).Stream("acct", "a").Append(ctx, []pgevents.NewEvent{{Name: "Unknown", Payload: json.RawMessage(`{}`)}}, nil)
	require.NoError(t, err)
	require.NoError(t, deposit(ctx, events, "b", "c1", 1))

	stop, err := live.NewProjection(newTally(t, "stop", nil), &live.Options[tally, struct{}]{Source: pgevents.CategoryID("acct")})
	require.NoError(t, err)
	park, err := live.NewProjection(newTally(t, "park", nil), &live.Options[tally, struct{}]{Source: pgevents.CategoryID("acct"),
		OnError: consumer.Park})
	require.NoError(t, err)
	runner, err := live.NewRunner(&live.Config{Consumers: consumers, Projections: func(*consumer.Batch) projection.Store { return projections },
		PollInterval: 5 * time.Millisecond}, stop, park)
	require.NoError(t, err)
	runCtx, kill := context.WithCancel(ctx)
	defer kill()
	done := make(chan error, 1)
	go func() { done <- runner.Run(runCtx) }()
	require.Eventually(t, func() bool {
		status, err := runner.Status(ctx)
		require.NoError(t, err)
		return status[0].State == live.StateFailed && status[1].State == live.StateParked && status[1].LagEvents == 0
	}, 10*time.Second, 5*time.Millisecond)
	status, err := runner.Status(ctx)
	require.NoError(t, err)
	require.Contains(t, status[0].Error, "Unknown")
	require.Equal(t, int64(1), status[1].ParkedEvents)

	got, err := projections.LoadProjection(ctx, "stop", "a")
	require.NoError(t, err, "the events before the failing one are projected (they were retried one at a time)")
	require.JSONEq(t, `{"count": 2, "positions": 1}`, string(got.State))
	_, err = projections.LoadProjection(ctx, "stop", "b")
	require.ErrorIs(t, err, pgevents.ErrNotFound, "nothing after the failing event")
	got, err = projections.LoadProjection(ctx, "park", "b")
	require.NoError(t, err)
	require.JSONEq(t, `{"count": 1, "positions": 0}`, string(got.State), "the parked projection went on")
	kill()
	require.ErrorContains(t, <-done, "stop")
}

// TestLiveProjectionStore_FailedAndDrop shows a stopped projection as
// failed, with its error, in the SQL status, and drops it with its group,
// rows and snapshots.
func TestLiveProjectionStore_FailedAndDrop(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	pool := pgtest.NewPool(t)
	store, err := pgstore.New(pool, nil)
	require.NoError(t, err)
	projections := pgstore.NewProjectionStore(pool)
	registry := pgstore.NewLiveProjectionStore(pool)
	require.NoError(t, deposit(ctx, store, "a", "c1", 2))
	_, err = pgevents.NewClient(store).Stream("acct", "a").Append(ctx, []pgevents.NewEvent{{Name: "Unknown", Payload: json.RawMessage(`{}`)}}, nil)
	require.NoError(t, err)
	p, err := live.NewProjection(newTally(t, "stop", nil), &live.Options[tally, struct{}]{Source: pgevents.CategoryID("acct")})
	require.NoError(t, err)
	runner, err := live.NewRunner(&live.Config{Consumers: pgstore.NewConsumerStore(store), Projections: projections.ForBatch,
		Registry: registry, PollInterval: 5 * time.Millisecond}, p)
	require.NoError(t, err)
	err = runner.Run(ctx) // returns once its only projection failed
	require.ErrorIs(t, err, projection.ErrUnknownEvent)
	status, err := registry.Status(ctx, "stop")
	require.NoError(t, err)
	require.Len(t, status, 1)
	require.Equal(t, live.StateFailed, status[0].State)
	require.Contains(t, status[0].Error, "Unknown")
	stored, err := projections.LoadProjection(ctx, "stop", "a")
	require.NoError(t, err)
	require.JSONEq(t, `{"count": 2, "positions": 1}`, string(stored.State), "the events before the failing one")

	n, err := registry.Drop(ctx, "stop")
	require.NoError(t, err)
	require.Equal(t, int64(1), n)
	_, err = projections.LoadProjection(ctx, "stop", "a")
	require.ErrorIs(t, err, pgevents.ErrNotFound)
	_, err = pgstore.NewConsumerStore(store).GroupStatus(ctx, "projection:stop")
	require.ErrorIs(t, err, consumer.ErrGroupNotFound)
	_, err = registry.Drop(ctx, "stop")
	require.ErrorIs(t, err, pgevents.ErrNotFound)
	status, err = registry.Status(ctx, "")
	require.NoError(t, err)
	require.Empty(t, status)

	bad, err := live.NewProjection(newTally(t, "bad", nil), &live.Options[tally, struct{}]{Source: pgevents.CategoryID("acct"),
		Group: "g\x01"})
	require.NoError(t, err)
	_, err = live.NewRunner(&live.Config{Consumers: pgstore.NewConsumerStore(store), Projections: projections.ForBatch,
		Registry: registry}, bad)
	require.ErrorIs(t, err, pgevents.ErrInvalidInput, "an invalid group name")
}

func TestNewProjection_Invalid(t *testing.T) {
	t.Parallel()
	p := newTally(t, "x", nil)
	_, err := live.NewProjection(p, &live.Options[tally, struct{}]{Source: pgevents.StreamID("a", "b")})
	require.ErrorIs(t, err, pgevents.ErrInvalidInput, "a stream source")
	a, err := live.NewProjection(p, &live.Options[tally, struct{}]{Source: pgevents.LogID()})
	require.NoError(t, err)
	_, err = live.NewRunner(&live.Config{Consumers: memstore.NewConsumerStore(memstore.New(nil)),
		Projections: func(*consumer.Batch) projection.Store { return nil }}, a, a)
	require.ErrorContains(t, err, "share the consumer group")
	_, err = live.NewRunner(nil, a)
	require.Error(t, err)
}
