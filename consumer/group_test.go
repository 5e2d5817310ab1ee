package consumer_test

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
	"github.com/pgevents/pgevents/pgstore"
)

// pausable wraps a consumer.Store: while paused, its heartbeats
// (JoinGroup) and commits block, as if the process were stopped or cut off
// from the database. It counts the commits refused with ErrLeaseLost.
type pausable struct {
	consumer.Store
	leaseLost atomic.Int64

	mu     sync.Mutex
	paused chan struct{} // non-nil while paused; closed on resume
}

func (p *pausable) pause() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.paused == nil {
		p.paused = make(chan struct{})
	}
}

func (p *pausable) resume() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.paused != nil {
		close(p.paused)
		p.paused = nil
	}
}

func (p *pausable) wait(ctx context.Context) {
	p.mu.Lock()
	ch := p.paused
	p.mu.Unlock()
	if ch != nil {
		select {
		case <-ch:
		case <-ctx.Done():
		}
	}
}

func (p *pausable) JoinGroup(ctx context.Context, params *consumer.JoinGroupParams) ([]consumer.Partition, error) {
	p.wait(ctx)
	return p.Store.JoinGroup(ctx, params)
}

func (p *pausable) CommitBatch(ctx context.Context, params *consumer.CommitBatchParams) error {
	p.wait(ctx)
	err := p.Store.CommitBatch(ctx, params)
	if errors.Is(err, consumer.ErrLeaseLost) {
		p.leaseLost.Add(1)
	}
	return err
}

// memberPool returns a pool of its own for a member, tagged with an
// application_name so that its backends can be terminated.
func memberPool(t *testing.T, url, name string) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(url)
	require.NoError(t, err)
	cfg.ConnConfig.RuntimeParams["application_name"] = name
	cfg.MaxConns = 4
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return pool
}

// TestConsumerGroup_ExactlyOnceUnderChurn runs 4 members of one group of 64
// partitions over ~20,000 events while writers keep appending (one of them
// holding a transaction open for seconds, which holds the fence), and
// members join, stop (ctx cancel), get their connections killed
// (pg_terminate_backend) and pause beyond their lease mid-batch. It checks
// that every event's effect lands exactly once in the handler's table,
// that each stream's effects are in position order, that no checkpoint
// ever moves backwards, and that the paused member's commit was refused
// (ErrLeaseLost).
//
// Not parallel: the snapshot fence is cluster-wide, and the test holds it
// back on purpose.
func TestConsumerGroup_ExactlyOnceUnderChurn(t *testing.T) {
	const (
		streams    = 400
		appends    = 8000 // 1 to 4 events each: ~20,000 events
		writers    = 4
		partitions = 64
		lease      = 1500 * time.Millisecond
	)
	url := pgtest.NewDatabase(t)
	admin := memberPool(t, url, "admin")
	ctx, cancelAll := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancelAll()
	_, err := admin.Exec(ctx, `CREATE TABLE effects (id bigserial PRIMARY KEY, sequence_number bigint NOT NULL,
		stream text NOT NULL, position bigint NOT NULL, member text NOT NULL)`)
	require.NoError(t, err)
	_, err = admin.Exec(ctx, `GRANT ALL ON effects, effects_id_seq TO PUBLIC`)
	require.NoError(t, err)
	events, err := pgstore.New(admin, nil)
	require.NoError(t, err)

	// Writers: random streams, 1 to 4 events per append.
	var appended atomic.Int64
	writersDone := make(chan struct{})
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 7))
			for i := range appends / writers {
				n := 1 + r.IntN(4)
				batch := make([]pgevents.NewEvent, n)
				for j := range batch {
					batch[j] = pgevents.NewEvent{Name: "E", Payload: json.RawMessage(fmt.Sprintf(`{"w":%d,"i":%d}`, w, i))}
				}
				res, err := events.AppendEvents(ctx, &pgevents.AppendParams{Category: "order",
					Stream: fmt.Sprintf("s%d", r.IntN(streams)), Events: batch})
				if !assertNoError(t, err) {
					return
				}
				appended.Add(int64(len(res.Events)))
			}
		}()
	}
	// A long writer transaction: it appends early, then stays open for 3 s
	// while everyone else appends; its event must not be lost.
	wg.Add(1)
	go func() {
		defer wg.Done()
		time.Sleep(500 * time.Millisecond)
		tx, err := admin.Begin(ctx)
		if !assertNoError(t, err) {
			return
		}
		_, err = events.AppendEventsTx(ctx, tx, &pgevents.AppendParams{Category: "order", Stream: "long-tx",
			Events: []pgevents.NewEvent{{Name: "Long", Payload: json.RawMessage(`{}`)}}})
		if !assertNoError(t, err) {
			return
		}
		time.Sleep(3 * time.Second)
		if assertNoError(t, tx.Commit(ctx)) {
			appended.Add(1)
		}
	}()
	go func() { wg.Wait(); close(writersDone) }()

	// The handler: one effect row per event, in the batch's transaction.
	handler := func(member string, pause *atomic.Bool, store *pausable) consumer.Handler {
		return func(ctx context.Context, b *consumer.Batch) error {
			if pause != nil && pause.CompareAndSwap(true, false) {
				// Paused mid-batch beyond the lease (heartbeats blocked too),
				// before writing anything (no transaction id held meanwhile).
				store.pause()
				time.Sleep(3 * lease)
				store.resume()
			}
			seqs, streamNames, positions := make([]int64, len(b.Events)), make([]string, len(b.Events)), make([]int64, len(b.Events))
			for i, e := range b.Events {
				seqs[i], streamNames[i], positions[i] = e.SequenceNumber, e.Stream, e.Position
			}
			_, err := b.Tx.Exec(ctx, `INSERT INTO effects (sequence_number, stream, position, member)
				SELECT s, st, p, $4 FROM unnest($1::bigint[], $2::text[], $3::bigint[]) AS u(s, st, p)`, seqs, streamNames, positions, member)
			return err
		}
	}
	type member struct {
		cancel context.CancelFunc
		done   chan error
		pool   *pgxpool.Pool
		store  *pausable
	}
	start := func(name string, pause *atomic.Bool) *member {
		pool := memberPool(t, url, name)
		es, err := pgstore.New(pool, nil)
		require.NoError(t, err)
		store := &pausable{Store: pgstore.NewConsumerStore(es)}
		c, err := consumer.New(store, &consumer.Config{Group: "stress", Source: pgevents.CategoryID("order"),
			Partitions: partitions, Member: name, Lease: lease, PollInterval: 20 * time.Millisecond, BatchSize: 200,
			RetryBackoff: 5 * time.Millisecond, Handler: handler(name, pause, store)})
		require.NoError(t, err)
		mctx, cancel := context.WithCancel(ctx)
		m := &member{cancel: cancel, done: make(chan error, 1), pool: pool, store: store}
		go func() { m.done <- c.Run(mctx) }()
		return m
	}

	// No checkpoint ever moves backwards.
	monitorDone := make(chan struct{})
	var backwards atomic.Int64
	go func() {
		defer close(monitorDone)
		last := map[int32]pgevents.Cursor{}
		for ctx.Err() == nil {
			rows, err := admin.Query(ctx, `SELECT bucket, transaction_id, sequence_number FROM pgevents.consumer_checkpoints WHERE group_name = 'stress'`)
			if err != nil {
				return
			}
			for rows.Next() {
				var b int32
				var c pgevents.Cursor
				if rows.Scan(&b, &c.TransactionID, &c.SequenceNumber) == nil {
					if c.Less(last[b]) {
						backwards.Add(1)
					}
					last[b] = c
				}
			}
			rows.Close()
			time.Sleep(20 * time.Millisecond)
		}
	}()

	effects := func() int64 {
		var n int64
		require.NoError(t, admin.QueryRow(ctx, `SELECT count(*) FROM effects`).Scan(&n))
		return n
	}
	waitEffects := func(atLeast int64) {
		deadline := time.Now().Add(90 * time.Second)
		for effects() < atLeast {
			require.True(t, time.Now().Before(deadline), "timed out waiting for %d effects (have %d)", atLeast, effects())
			time.Sleep(50 * time.Millisecond)
		}
	}

	pauseOnce := &atomic.Bool{}
	m1 := start("m1", nil)
	m2 := start("m2", pauseOnce)
	waitEffects(2000)
	m3 := start("m3", nil)
	m4 := start("m4", nil)
	waitEffects(5000)
	pauseOnce.Store(true) // m2 pauses beyond its lease in its next batch
	// m1's connections are killed twice mid-run.
	for range 2 {
		_, err := admin.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'm1'`)
		require.NoError(t, err)
		time.Sleep(300 * time.Millisecond)
	}
	waitEffects(9000)
	m3.cancel() // a clean stop mid-run
	require.NoError(t, <-m3.done)
	m5 := start("m5", nil)
	<-writersDone
	// m2 must have met its pause in a batch: on a fast run the writers can
	// be done before m2 got another batch, so append to new streams until
	// one of m2's partitions gets an event and m2 takes it.
	for i, deadline := 0, time.Now().Add(60*time.Second); pauseOnce.Load(); i++ {
		require.True(t, time.Now().Before(deadline), "m2 never got a batch to pause in")
		res, err := events.AppendEvents(ctx, &pgevents.AppendParams{Category: "order", Stream: fmt.Sprintf("extra-%d", i),
			Events: []pgevents.NewEvent{{Name: "E", Payload: json.RawMessage(`{}`)}}})
		require.NoError(t, err)
		appended.Add(int64(len(res.Events)))
		time.Sleep(50 * time.Millisecond)
	}
	total := appended.Load()
	waitEffects(total)
	// The others may have handled m2's events while it was paused: let m2
	// wake up and try its stale commit before anyone is stopped.
	for deadline := time.Now().Add(30 * time.Second); m2.store.leaseLost.Load() == 0 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // nothing more may arrive
	for _, m := range []*member{m1, m2, m4, m5} {
		m.cancel()
		require.NoError(t, <-m.done)
	}
	cancelAll()
	<-monitorDone

	var stored, effectRows, distinct int64
	require.NoError(t, admin.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM pgevents.events WHERE category = 'order'),
		(SELECT count(*) FROM effects), (SELECT count(DISTINCT sequence_number) FROM effects)`).Scan(&stored, &effectRows, &distinct))
	require.Equal(t, total, stored, "every append committed")
	require.Equal(t, stored, distinct, "every event has an effect")
	require.Equal(t, stored, effectRows, "exactly one")
	var outOfOrder int64
	require.NoError(t, admin.QueryRow(context.Background(), `SELECT count(*) FROM (
		SELECT position, row_number() OVER (PARTITION BY stream ORDER BY id) - 1 AS rn FROM effects) x WHERE position <> rn`).Scan(&outOfOrder))
	require.Zero(t, outOfOrder, "each stream's effects are in position order")
	require.Zero(t, backwards.Load(), "a checkpoint moved backwards")
	require.Positive(t, m2.store.leaseLost.Load(), "the paused member's commit must have been refused")
	var members []string
	rows, err := admin.Query(context.Background(), `SELECT DISTINCT member FROM effects ORDER BY 1`)
	require.NoError(t, err)
	members, err = pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	t.Logf("%d events, %d effects; members that handled events: %v; refused stale commits: %d",
		stored, effectRows, members, m2.store.leaseLost.Load())
}

// assertNoError reports err on t (from any goroutine) and whether it was nil.
func assertNoError(t *testing.T, err error) bool {
	t.Helper()
	if err != nil {
		t.Errorf("unexpected error: %v", err)
		return false
	}
	return true
}
