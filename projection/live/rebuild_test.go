package live_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/consumer"
	"github.com/pgevents/pgevents/internal/pgtest"
	"github.com/pgevents/pgevents/memstore"
	"github.com/pgevents/pgevents/pgstore"
	"github.com/pgevents/pgevents/projection"
	"github.com/pgevents/pgevents/projection/live"
)

// versioned is the state of the rebuild test's projector: which version
// folded it, and a tally.
type versioned struct {
	Count     int   `json:"count"`
	Positions int64 `json:"positions"`
	V         int   `json:"v"`
}

func newVersioned(t *testing.T, version int) *projection.Projector[versioned, struct{}] {
	t.Helper()
	p, err := projection.New(&projection.Config[versioned, struct{}]{
		Name:    "balance",
		Version: version,
		Handlers: map[string]projection.Handler[versioned]{
			"deposited": func(s versioned, e pgevents.Event) (versioned, error) {
				s.Count++
				s.Positions += e.Position * int64(version) // the versions fold differently
				s.V = version
				return s, nil
			},
		},
	})
	require.NoError(t, err)
	return p
}

// TestRunner_BlueGreenRebuild runs version 1 of a per-stream projection
// live, under continuous writes, then starts version 2: it rebuilds beside
// version 1 while readers of the name see only version 1's rows; killed
// mid-rebuild it resumes (same build, its progress kept) rather than
// restarting; once caught up it is switched in atomically (a consistent
// snapshot never sees both versions' rows), version 1's runner is fenced
// out and fails without marking version 2 failed; and at the end every
// projection is exactly what a fresh fold by version 2 gives.
func TestRunner_BlueGreenRebuild(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	pool := pgtest.NewPool(t)
	store, err := pgstore.New(pool, nil)
	require.NoError(t, err)
	consumers := pgstore.NewConsumerStore(store)
	projections := pgstore.NewProjectionStore(pool)
	registry := pgstore.NewLiveProjectionStore(pool)
	newRunner := func(version int, switchEvery time.Duration) *live.Runner {
		p, err := live.NewProjection(newVersioned(t, version), &live.Options[versioned, struct{}]{
			Source: pgevents.CategoryID("acct"), Partitions: 2, BatchSize: 20})
		require.NoError(t, err)
		r, err := live.NewRunner(&live.Config{Consumers: consumers, Projections: projections.ForBatch, Registry: registry,
			Lease: 500 * time.Millisecond, PollInterval: 5 * time.Millisecond, SwitchInterval: switchEvery, Member: fmt.Sprintf("v%d", version)}, p)
		require.NoError(t, err)
		return r
	}
	start := func(r *live.Runner) (stop func() error) {
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- r.Run(runCtx) }()
		return func() error { cancel(); return <-done }
	}
	// versionsSeen returns, in one snapshot, the versions of the rows named
	// "balance" readers see, and how many rows have each.
	versionsSeen := func() map[int]int {
		tx, err := pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
		require.NoError(t, err)
		defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
		rows, err := tx.Query(ctx, `SELECT (state->>'v')::int, count(*) FROM pgevents.projections WHERE name = 'balance' GROUP BY 1`)
		require.NoError(t, err)
		seen := map[int]int{}
		for rows.Next() {
			var v, n int
			require.NoError(t, rows.Scan(&v, &n))
			seen[v] = n
		}
		require.NoError(t, rows.Err())
		return seen
	}
	registryStatus := func() live.Status {
		status, err := registry.Status(ctx, "balance")
		require.NoError(t, err)
		require.Len(t, status, 1)
		return status[0]
	}

	writeCtx, stopWriting := context.WithCancel(ctx)
	var writers sync.WaitGroup
	for w := range 2 {
		writers.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 5))
			for writeCtx.Err() == nil {
				if err := deposit(writeCtx, store, fmt.Sprintf("s%d", r.IntN(10)), "c", 1+r.IntN(3)); err != nil && writeCtx.Err() == nil {
					t.Errorf("append: %v", err)
					return
				}
				time.Sleep(3 * time.Millisecond)
			}
		})
	}

	v1 := newRunner(1, 0)
	stopV1 := start(v1)
	require.Eventually(t, func() bool { return versionsSeen()[1] > 0 }, 20*time.Second, 10*time.Millisecond)

	// Version 2, never switching: it rebuilds beside version 1.
	v2 := newRunner(2, time.Hour)
	stopV2 := start(v2)
	require.Eventually(t, func() bool {
		rb := registryStatus().Rebuild
		return rb != nil && rb.Projections > 0
	}, 20*time.Second, 10*time.Millisecond)
	for range 20 {
		seen := versionsSeen()
		require.Zero(t, seen[2], "during the rebuild readers see only version 1's rows: %v", seen)
		time.Sleep(5 * time.Millisecond)
	}
	st := registryStatus()
	require.Equal(t, 1, st.Version)
	require.Equal(t, 2, st.Rebuild.Build)
	require.Equal(t, 2, st.Rebuild.Version)
	require.NoError(t, stopV2()) // a crash mid-rebuild
	before := registryStatus().Rebuild
	var checkpointBefore int64
	require.NoError(t, pool.QueryRow(ctx, `SELECT COALESCE(max(sequence_number), 0) FROM pgevents.consumer_checkpoints WHERE group_name = $1`,
		before.Group).Scan(&checkpointBefore))
	require.Positive(t, checkpointBefore, "the rebuild had progressed")

	// Restarted: it resumes the same build from its checkpoints, then switches.
	v2 = newRunner(2, 20*time.Millisecond)
	stopV2 = start(v2)
	require.Eventually(t, func() bool { // once Run has registered it
		status, err := v2.Status(ctx)
		require.NoError(t, err)
		return status[0].Build != 1 // the default before registering
	}, 10*time.Second, 5*time.Millisecond)
	status, err := v2.Status(ctx)
	require.NoError(t, err)
	require.Equal(t, 2, status[0].Build, "the same build resumes (not a new one)")
	var checkpointAfter int64
	require.NoError(t, pool.QueryRow(ctx, `SELECT COALESCE(max(sequence_number), 0) FROM pgevents.consumer_checkpoints WHERE group_name = $1`,
		before.Group).Scan(&checkpointAfter))
	require.GreaterOrEqual(t, checkpointAfter, checkpointBefore, "its checkpoints were kept: it resumes, not restarts")

	require.Eventually(t, func() bool {
		seen := versionsSeen()
		require.False(t, seen[1] > 0 && seen[2] > 0, "a snapshot never sees both versions' rows: %v", seen)
		return registryStatus().Version == 2
	}, 30*time.Second, 5*time.Millisecond, "switched in")
	st = registryStatus()
	require.Nil(t, st.Rebuild)
	require.Equal(t, 2, st.Build)
	require.Equal(t, "projection:balance@2", st.Group)

	// Version 1's runner is fenced out and fails; version 2 is not marked failed.
	require.Eventually(t, func() bool {
		status, err := v1.Status(ctx)
		require.NoError(t, err)
		return status[0].State == live.StateFailed
	}, 30*time.Second, 10*time.Millisecond)
	require.Error(t, stopV1())
	require.Empty(t, registryStatus().Error, "the old build's failure does not mark the new one")

	// Catch up after the writes and compare with fresh folds by version 2.
	stopWriting()
	writers.Wait()
	require.Eventually(t, func() bool {
		status, err := v2.Status(ctx)
		require.NoError(t, err)
		return status[0].LagEvents == 0 && !status[0].Cursor.IsZero() && status[0].State == live.StateLive
	}, 30*time.Second, 20*time.Millisecond)
	client := pgevents.NewClient(store)
	repo := newVersioned(t, 2).Repository(projections)
	streams := 0
	for i := range 10 {
		stream := client.Stream("acct", fmt.Sprintf("s%d", i))
		want, err := newVersioned(t, 2).ProjectStream(ctx, stream)
		require.NoError(t, err)
		if want.State.Count == 0 {
			continue
		}
		streams++
		got, err := repo.Load(ctx, stream.ID().Stream)
		require.NoError(t, err)
		require.Equal(t, want.State, got.State, "stream s%d", i)
	}
	require.Equal(t, map[int]int{2: streams}, versionsSeen())
	require.NoError(t, stopV2())
}

// TestRunner_RequestedRebuild requests a rebuild of the serving version
// from SQL (pgevents.request_live_projection_rebuild) while a runner of
// that version runs under continuous writes: the running runner picks it
// up and builds it beside the serving build; readers keep seeing the
// serving build's rows (a row damaged on purpose stays damaged) until the
// switch; a crash mid-rebuild resumes the same build (its group and
// checkpoints kept); once caught up it is switched in and the runner goes
// on with it (not failed), and at the end every projection is exactly
// what a fresh fold gives, the damaged one repaired.
func TestRunner_RequestedRebuild(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	pool := pgtest.NewPool(t)
	store, err := pgstore.New(pool, nil)
	require.NoError(t, err)
	consumers := pgstore.NewConsumerStore(store)
	projections := pgstore.NewProjectionStore(pool)
	registry := pgstore.NewLiveProjectionStore(pool)
	newRunner := func() *live.Runner {
		p, err := live.NewProjection(newVersioned(t, 1), &live.Options[versioned, struct{}]{
			Source: pgevents.CategoryID("acct"), Partitions: 2, BatchSize: 50})
		require.NoError(t, err)
		r, err := live.NewRunner(&live.Config{Consumers: consumers, Projections: projections.ForBatch, Registry: registry,
			Lease: 500 * time.Millisecond, PollInterval: 5 * time.Millisecond, SwitchInterval: 20 * time.Millisecond, Member: "m"}, p)
		require.NoError(t, err)
		return r
	}
	start := func(r *live.Runner) (stop func() error) {
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- r.Run(runCtx) }()
		return sync.OnceValue(func() error { cancel(); return <-done })
	}
	registryStatus := func() live.Status {
		status, err := registry.Status(ctx, "balance")
		require.NoError(t, err)
		require.Len(t, status, 1)
		return status[0]
	}
	// safeStatus is registryStatus for Eventually's conditions (which run
	// in a goroutine of their own, where require must not fail).
	safeStatus := func() (live.Status, bool) {
		status, err := registry.Status(ctx, "balance")
		if err != nil || len(status) != 1 {
			t.Logf("registry status: %v", err)
			return live.Status{}, false
		}
		return status[0], true
	}
	frozenCount := func() int {
		var n int
		require.NoError(t, pool.QueryRow(ctx, `SELECT (state->>'count')::int FROM pgevents.projections WHERE name = 'balance' AND id = 'frozen'`).Scan(&n))
		return n
	}
	require.NoError(t, deposit(ctx, store, "frozen", "c", 5)) // never written again
	for i := range 10 {
		require.NoError(t, deposit(ctx, store, fmt.Sprintf("s%d", i), "c", 40))
	}
	writeCtx, stopWriting := context.WithCancel(ctx)
	var writers sync.WaitGroup
	for w := range 2 {
		writers.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 7))
			for writeCtx.Err() == nil {
				if err := deposit(writeCtx, store, fmt.Sprintf("s%d", r.IntN(10)), "c", 1+r.IntN(3)); err != nil && writeCtx.Err() == nil {
					t.Errorf("append: %v", err)
					return
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
	defer func() { stopWriting(); writers.Wait() }()

	runnerA := newRunner()
	stopA := start(runnerA)
	require.Eventually(t, func() bool {
		var n int
		return pool.QueryRow(ctx, `SELECT (state->>'count')::int FROM pgevents.projections WHERE name = 'balance' AND id = 'frozen'`).Scan(&n) == nil && n == 5
	}, 20*time.Second, 10*time.Millisecond)
	_, err = pool.Exec(ctx, `UPDATE pgevents.projections SET state = jsonb_set(state, '{count}', '1000') WHERE name = 'balance' AND id = 'frozen'`)
	require.NoError(t, err)

	// Hold the switch back: it locks the registry row for update.
	hold, err := pool.Begin(ctx)
	require.NoError(t, err)
	var build int
	require.NoError(t, pool.QueryRow(ctx, `SELECT building_build FROM pgevents.request_live_projection_rebuild('balance')`).Scan(&build))
	require.Equal(t, 2, build)
	_, err = hold.Exec(ctx, `SELECT 1 FROM pgevents.live_projections WHERE name = 'balance' FOR SHARE`)
	require.NoError(t, err)

	require.Eventually(t, func() bool {
		status, err := runnerA.Status(ctx)
		st, ok := safeStatus()
		return err == nil && ok && status[0].Rebuild != nil && status[0].Rebuild.Build == 2 && st.Rebuild != nil && st.Rebuild.Projections > 0
	}, 20*time.Second, 10*time.Millisecond, "the running runner picked the requested rebuild up")
	for range 10 {
		require.Equal(t, 1000, frozenCount(), "during the rebuild readers see the serving build's rows")
		time.Sleep(5 * time.Millisecond)
	}
	st := registryStatus()
	require.Equal(t, 1, st.Build)
	require.True(t, st.Rebuild.Requested)
	require.Positive(t, st.Rebuild.Progress.EventsDone)
	require.GreaterOrEqual(t, st.Rebuild.Progress.EventsTotal, st.Rebuild.Progress.EventsDone)
	var createdBefore time.Time
	var checkpointBefore int64
	require.NoError(t, pool.QueryRow(ctx, `SELECT created_at FROM pgevents.consumer_groups WHERE name = 'projection:balance@2'`).Scan(&createdBefore))

	require.NoError(t, stopA()) // a crash mid-rebuild
	require.NoError(t, pool.QueryRow(ctx, `SELECT COALESCE(max(sequence_number), 0) FROM pgevents.consumer_checkpoints WHERE group_name = 'projection:balance@2'`).
		Scan(&checkpointBefore))
	require.Positive(t, checkpointBefore)
	require.Equal(t, 1000, frozenCount())
	require.NoError(t, hold.Rollback(ctx))

	runnerB := newRunner()
	stopB := start(runnerB)
	defer func() { _ = stopB() }()
	require.Eventually(t, func() bool { st, ok := safeStatus(); return ok && st.Build == 2 }, 30*time.Second, 10*time.Millisecond, "switched in")
	var createdAfter time.Time
	var checkpointAfter int64
	require.NoError(t, pool.QueryRow(ctx, `SELECT created_at, (SELECT max(sequence_number) FROM pgevents.consumer_checkpoints WHERE group_name = g.name)
		FROM pgevents.consumer_groups g WHERE name = 'projection:balance@2'`).Scan(&createdAfter, &checkpointAfter))
	require.Equal(t, createdBefore, createdAfter, "the same build's group: resumed, not restarted")
	require.GreaterOrEqual(t, checkpointAfter, checkpointBefore)
	st = registryStatus()
	require.Nil(t, st.Rebuild)
	require.Equal(t, "projection:balance@2", st.Group)
	require.Empty(t, st.Error)

	stopWriting()
	writers.Wait()
	require.Eventually(t, func() bool {
		status, err := runnerB.Status(ctx)
		return err == nil && status[0].Build == 2 && status[0].LagEvents == 0 && !status[0].Cursor.IsZero() && status[0].State == live.StateLive
	}, 30*time.Second, 20*time.Millisecond, "the runner goes on with the switched-in build")
	client := pgevents.NewClient(store)
	repo := newVersioned(t, 1).Repository(projections)
	for _, s := range []string{"frozen", "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9"} {
		stream := client.Stream("acct", s)
		want, err := newVersioned(t, 1).ProjectStream(ctx, stream)
		require.NoError(t, err)
		got, err := repo.Load(ctx, s)
		require.NoError(t, err)
		require.Equal(t, want.State, got.State, "stream %s", s)
	}
	require.Equal(t, 5, frozenCount(), "the damaged row was rebuilt")
	var leftovers int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM pgevents.projections WHERE name LIKE 'balance@%'`).Scan(&leftovers))
	require.Zero(t, leftovers)
	require.NoError(t, stopB())
	status, err := runnerB.Status(ctx)
	require.NoError(t, err)
	require.Empty(t, status[0].Error, "the old build's consumer was stopped quietly")
}

// TestRunner_RequestedRebuildMemstore runs a requested rebuild through a
// runner on memstore (memstore.LiveProjectionStore): picked up, switched
// in, the damaged row repaired, the runner going on with the new build.
func TestRunner_RequestedRebuildMemstore(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	events := memstore.New(nil)
	consumers := memstore.NewConsumerStore(events)
	projections := memstore.NewProjectionStore()
	registry := memstore.NewLiveProjectionStore(consumers, projections, nil)
	for i := range 5 {
		require.NoError(t, deposit(ctx, events, fmt.Sprintf("s%d", i), "c", 3+i))
	}
	p, err := live.NewProjection(newVersioned(t, 1), &live.Options[versioned, struct{}]{Source: pgevents.CategoryID("acct"), BatchSize: 4})
	require.NoError(t, err)
	runner, err := live.NewRunner(&live.Config{Consumers: consumers, Projections: func(*consumer.Batch) projection.Store { return projections },
		Registry: registry, PollInterval: 5 * time.Millisecond, SwitchInterval: 10 * time.Millisecond}, p)
	require.NoError(t, err)
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- runner.Run(runCtx) }()
	defer func() { cancel(); <-done }()
	repo := newVersioned(t, 1).Repository(projections)
	require.Eventually(t, func() bool {
		got, err := repo.Load(ctx, "s4")
		return err == nil && got.State.Count == 7
	}, 10*time.Second, 5*time.Millisecond)
	_, err = projections.SaveProjection(ctx, &projection.Stored{Name: "balance", ID: "s0", Source: pgevents.StreamID("acct", "s0"),
		State: []byte(`{"count": 1000}`)})
	require.NoError(t, err)
	_, err = registry.RequestRebuild(ctx, "balance")
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		st, err := registry.Status(ctx, "balance")
		return err == nil && st[0].Build == 2 && st[0].Rebuild == nil
	}, 10*time.Second, 5*time.Millisecond)
	require.NoError(t, deposit(ctx, events, "s0", "c", 1))
	require.Eventually(t, func() bool {
		got, err := repo.Load(ctx, "s0")
		return err == nil && got.State.Count == 4
	}, 10*time.Second, 5*time.Millisecond, "repaired, and the switched-in build goes on")
	status, err := runner.Status(ctx)
	require.NoError(t, err)
	require.Equal(t, 2, status[0].Build)
	require.Empty(t, status[0].Error)
}
