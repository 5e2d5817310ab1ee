// Package replicatest_test runs pgstore's resumable readers against a hot
// standby (Config.ReadPool) while writers append to the primary. It is its
// own package so that its test binary boots a small cluster of its own,
// quick to back up.
package replicatest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/internal/pgtest"
	"github.com/pgevents/pgevents/pgstore"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// countingTracer counts the queries run on a pool.
type countingTracer struct{ n atomic.Int64 }

func (c *countingTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	return ctx
}

func (c *countingTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func pool(t *testing.T, conn string, tracer pgx.QueryTracer) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(conn)
	require.NoError(t, err)
	cfg.MaxConns = 12
	cfg.ConnConfig.Tracer = tracer
	p, err := pgxpool.NewWithConfig(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(p.Close)
	return p
}

// TestReadPool_Standby: writers append to the primary (with rollbacks and
// two-stream appends) while resumable readers page through the log and a
// category on a hot standby, through one Store whose ReadPool is the
// standby. Every committed event is seen exactly once by each reader, none
// from a rolled-back transaction, in cursor order, positions in order per
// stream.
func TestReadPool_Standby(t *testing.T) {
	ctx := context.Background()
	primaryConn := pgtest.NewDatabase(t)
	cfg, err := pgx.ParseConfig(primaryConn)
	require.NoError(t, err)
	standby := pgtest.StartStandby(t) // after the database exists: it is in the backup

	primaryQueries, standbyQueries := &countingTracer{}, &countingTracer{}
	primary := pool(t, primaryConn, primaryQueries)
	replica := pool(t, standby.ConnString(cfg.Database), standbyQueries)
	store, err := pgstore.New(primary, &pgstore.Config{ReadPool: replica})
	require.NoError(t, err)

	// Appends go to the primary (the standby would refuse them), reads to
	// the standby.
	first, err := store.AppendEvents(ctx, &pgevents.AppendParams{Category: "a", Stream: "s0",
		Events: []pgevents.NewEvent{{Name: "First", Payload: json.RawMessage(`{}`)}}})
	require.NoError(t, err)
	require.Zero(t, standbyQueries.n.Load())
	require.Eventually(t, func() bool {
		_, err := store.LatestEvent(ctx, &pgevents.LatestEventParams{Source: pgevents.StreamID("a", "s0")})
		return err == nil
	}, 10*time.Second, 5*time.Millisecond, "replayed on the standby")
	primaryBefore := primaryQueries.n.Load()
	_, err = store.ReadEvents(ctx, &pgevents.ReadEventsParams{Limit: 10})
	require.NoError(t, err)
	_, err = store.LogStats(ctx, nil)
	require.NoError(t, err)
	require.Equal(t, primaryBefore, primaryQueries.n.Load(), "reads must not touch the primary")
	var inRecovery bool
	require.NoError(t, replica.QueryRow(ctx, "SELECT pg_catalog.pg_is_in_recovery()").Scan(&inRecovery))
	require.True(t, inRecovery)

	// Writers.
	var (
		mu         sync.Mutex
		committed  = map[string]pgevents.Event{first.Events[0].ID.String(): first.Events[0]}
		rolledBack = map[string]bool{}
	)
	writeCtx, stopWriters := context.WithTimeout(ctx, 4*time.Second)
	defer stopWriters()
	var writers sync.WaitGroup
	for w := range 4 {
		writers.Add(1)
		go func() {
			defer writers.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 42))
			for i := 0; writeCtx.Err() == nil; i++ {
				category := []string{"a", "b"}[rng.IntN(2)]
				stream := fmt.Sprintf("s%d", rng.IntN(4))
				events := []pgevents.NewEvent{{Name: fmt.Sprintf("W%d-%d", w, i), Payload: json.RawMessage(`{"n": 1}`)}}
				switch rng.IntN(6) {
				case 0: // rolled back
					tx, err := primary.Begin(ctx)
					if !assert.NoError(t, err) {
						return
					}
					res, err := store.AppendEventsTx(ctx, tx, &pgevents.AppendParams{Category: category, Stream: stream, Events: events})
					if err == nil {
						mu.Lock()
						for _, e := range res.Events {
							rolledBack[e.ID.String()] = true
						}
						mu.Unlock()
					}
					if !assert.NoError(t, tx.Rollback(ctx)) {
						return
					}
				case 1: // two streams at once
					res, err := store.AppendStreams(ctx, &pgevents.AppendStreamsParams{Category: category,
						Streams: map[string]pgevents.StreamAppend{stream: {Events: events},
							stream + "x": {Events: []pgevents.NewEvent{{Name: "Pair", Payload: json.RawMessage(`{}`)}}}}})
					if !assert.NoError(t, err) {
						return
					}
					mu.Lock()
					for _, e := range res.Events {
						committed[e.ID.String()] = e
					}
					mu.Unlock()
				default:
					res, err := store.AppendEvents(ctx, &pgevents.AppendParams{Category: category, Stream: stream, Events: events})
					if !assert.NoError(t, err) {
						return
					}
					mu.Lock()
					for _, e := range res.Events {
						committed[e.ID.String()] = e
					}
					mu.Unlock()
				}
			}
		}()
	}

	// Readers on the standby, resuming page by page from their cursors
	// until the writers have stopped and they have seen every committed
	// event of their source.
	writersDone := make(chan struct{})
	go func() { writers.Wait(); close(writersDone) }()
	type seen struct {
		events []pgevents.Event
	}
	read := func(category string) (*seen, error) {
		out := &seen{}
		var after pgevents.Cursor
		stopped := false
		deadline := time.Now().Add(25 * time.Second)
		for {
			page, err := store.ReadEvents(ctx, &pgevents.ReadEventsParams{Category: category, After: after, Limit: 7})
			if err != nil {
				return nil, err
			}
			for _, e := range page {
				if !after.Less(e.Cursor()) {
					return nil, fmt.Errorf("cursor order: %s then %s", after, e.Cursor())
				}
				after = e.Cursor()
				out.events = append(out.events, e)
			}
			if len(page) > 0 {
				continue
			}
			if !stopped {
				select {
				case <-writersDone:
					stopped = true
				default:
				}
			}
			if stopped {
				mu.Lock()
				want := 0
				for _, e := range committed {
					if category == "" || e.Category == category {
						want++
					}
				}
				mu.Unlock()
				if len(out.events) >= want {
					return out, nil
				}
			}
			if time.Now().After(deadline) {
				return nil, fmt.Errorf("reader %q did not catch up on the standby: %d events", category, len(out.events))
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	var readers sync.WaitGroup
	results := map[string]*seen{}
	var resultsMu sync.Mutex
	for _, category := range []string{"", "a"} {
		readers.Add(1)
		go func() {
			defer readers.Done()
			r, err := read(category)
			if !assert.NoError(t, err) {
				return
			}
			resultsMu.Lock()
			results[category] = r
			resultsMu.Unlock()
		}()
	}
	readers.Wait()
	require.False(t, t.Failed())
	require.Len(t, results, 2)
	require.NotEmpty(t, rolledBack)

	for category, r := range results {
		ids := map[string]bool{}
		positions := map[string]int64{}
		for _, e := range r.events {
			id := e.ID.String()
			require.False(t, ids[id], "seen twice: %s", id)
			ids[id] = true
			require.False(t, rolledBack[id], "a rolled-back event: %s", id)
			want, ok := committed[id]
			require.True(t, ok, "unknown event %s", id)
			require.Equal(t, want.Cursor(), e.Cursor())
			key := e.Category + "/" + e.Stream
			if p, ok := positions[key]; ok {
				require.Equal(t, p+1, e.Position, "positions in order in %s", key)
			} else {
				require.Zero(t, e.Position)
			}
			positions[key] = e.Position
		}
		for id, e := range committed {
			if category == "" || e.Category == category {
				require.True(t, ids[id], "reader %q never saw %s", category, id)
			}
		}
		t.Logf("reader %q: %d events from the standby (%d rolled back by the writers)", category, len(r.events), len(rolledBack))
	}
	require.Greater(t, standbyQueries.n.Load(), int64(10))
}

// TestReadPool_StandbyFence: the standby's fence follows the primary's open
// transactions. An event committed on the primary after another
// transaction took its id is held back on the standby too (FenceLag through
// the ReadPool counts it, ReadEvents does not return it) until that
// transaction ends; then it appears.
func TestReadPool_StandbyFence(t *testing.T) {
	ctx := context.Background()
	primaryConn := pgtest.NewDatabase(t)
	cfg, err := pgx.ParseConfig(primaryConn)
	require.NoError(t, err)
	standby := pgtest.StartStandby(t)
	primary := pool(t, primaryConn, nil)
	store, err := pgstore.New(primary, &pgstore.Config{ReadPool: pool(t, standby.ConnString(cfg.Database), nil)})
	require.NoError(t, err)

	holder, err := primary.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = holder.Rollback(ctx) }()
	var holderXID uint64
	require.NoError(t, holder.QueryRow(ctx, "SELECT pg_catalog.pg_current_xact_id()::text::bigint").Scan(&holderXID))
	res, err := store.AppendEvents(ctx, &pgevents.AppendParams{Category: "fence", Stream: "f-1",
		Events: []pgevents.NewEvent{{Name: "HeldBack", Payload: json.RawMessage(`{}`)}}})
	require.NoError(t, err)
	require.Greater(t, res.Events[0].TransactionID, holderXID)

	// Replayed on the standby (visible to a one-shot read), but held back
	// from resumable reads by the primary's open transaction.
	require.Eventually(t, func() bool {
		_, err := store.LatestEvent(ctx, &pgevents.LatestEventParams{Source: pgevents.StreamID("fence", "f-1")})
		return err == nil
	}, 10*time.Second, 5*time.Millisecond)
	lag, err := store.FenceLag(ctx)
	require.NoError(t, err)
	require.LessOrEqual(t, lag.Fence, holderXID, "the standby's fence stays at or below the open transaction")
	require.GreaterOrEqual(t, lag.HeldBackEvents, int64(1))
	evs, err := store.ReadEvents(ctx, &pgevents.ReadEventsParams{Category: "fence"})
	require.NoError(t, err)
	require.Empty(t, evs)

	require.NoError(t, holder.Rollback(ctx))
	require.Eventually(t, func() bool {
		evs, err := store.ReadEvents(ctx, &pgevents.ReadEventsParams{Category: "fence"})
		return err == nil && len(evs) == 1
	}, 10*time.Second, 5*time.Millisecond, "the event passes the standby's fence once the transaction ends")
}
