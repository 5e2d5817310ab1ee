package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
)

// policyStore returns a Store whose group commit sends its batches to call
// instead of a database (its pool never connects): a test of the flush
// policy alone.
func policyStore(t *testing.T, maxItems, maxInFlight int,
	call func(ctx context.Context, items []*gcItem) ([]gcResult, error)) *Store {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), "postgres://nobody@127.0.0.1:1/nothing?pool_max_conns=1000&connect_timeout=1")
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	s, err := New(pool, &Config{GroupCommitMaxBatch: maxItems, GroupCommitMaxInFlight: maxInFlight,
		MaxRetries: 3, RetryBackoff: 20 * time.Microsecond})
	require.NoError(t, err)
	s.group.callHook = call
	return s
}

// policyCall is what the fake database saw of one append (by call id).
type policyCall struct {
	committed atomic.Bool
}

// TestGroupCommit_EveryCallReturns: many goroutines appending at random
// moments to few streams (so that one item per stream per batch keeps
// several batches queued), some cancelling while queued, some failing
// with errors of their own (retryable once, retryable for ever, invalid),
// against a fake database that answers after random delays and sometimes
// loses the connection, under several flush-policy bounds. Every call must
// return (a lost wake-up would leave a queued append stuck), with its own
// outcome; a call that left while queued must never have been committed;
// the fake database must never see more batches at once than the bound,
// nor a batch over its size or with two items of one stream; and the
// group commit must end empty (no slot, append or batch left behind).
func TestGroupCommit_EveryCallReturns(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ maxItems, maxInFlight, writers, streams int }{
		{1, 1, 16, 4},
		{3, 1, 24, 3},
		{4, 2, 32, 5},
		{64, 2, 64, 40},
		{8, 4, 48, 6},
		{64, 16, 64, 64},
	} {
		t.Run(fmt.Sprintf("batch%d-inflight%d-writers%d-streams%d", c.maxItems, c.maxInFlight, c.writers, c.streams), func(t *testing.T) {
			t.Parallel()
			everyCallReturns(t, c.maxItems, c.maxInFlight, c.writers, c.streams)
		})
	}
}

func everyCallReturns(t *testing.T, maxItems, maxInFlight, writers, streams int) {
	const perWriter = 150
	var (
		calls    sync.Map // call id -> *policyCall
		inCall   atomic.Int32
		maxSeen  atomic.Int32
		problems = make(chan string, 100)
		sent     atomic.Int64
	)
	problem := func(format string, args ...any) {
		select {
		case problems <- fmt.Sprintf(format, args...):
		default:
		}
	}
	callID := func(it *gcItem) string {
		var evs []struct {
			Payload struct {
				Call string `json:"call"`
			} `json:"payload"`
		}
		if err := json.Unmarshal(it.arg.Events, &evs); err != nil || len(evs) == 0 {
			problem("item events %s: %v", it.arg.Events, err)
			return ""
		}
		return evs[0].Payload.Call
	}
	var seed atomic.Uint64
	s := policyStore(t, maxItems, maxInFlight, func(ctx context.Context, items []*gcItem) ([]gcResult, error) {
		n := inCall.Add(1)
		defer inCall.Add(-1)
		for m := maxSeen.Load(); n > m && !maxSeen.CompareAndSwap(m, n); m = maxSeen.Load() {
		}
		if len(items) > maxItems {
			problem("a batch of %d items (max %d)", len(items), maxItems)
		}
		keys := map[string]bool{}
		for _, it := range items {
			if keys[it.key] {
				problem("two items of stream %q in one batch", it.key)
			}
			keys[it.key] = true
		}
		sent.Add(int64(len(items)))
		r := rand.New(rand.NewPCG(seed.Add(1), 7))
		switch d := r.IntN(10); {
		case d < 4:
			runtime.Gosched()
		default:
			time.Sleep(time.Duration(r.IntN(300)) * time.Microsecond)
		}
		if ctx.Err() != nil {
			return nil, interpretError("append batch", ctx.Err())
		}
		if r.IntN(25) == 0 {
			return nil, interpretError("append batch", &pgconn.PgError{Code: "08006", Message: "connection lost (fake)"})
		}
		results := make([]gcResult, len(items))
		for i, it := range items {
			id := callID(it)
			switch {
			case it.arg.Category == "invalid":
				results[i].err = interpretError("append events", &pgconn.PgError{Code: pgevents.CodeInvalidEvents,
					Detail: `{"field": "events", "reason": "fake"}`})
			case it.arg.Category == "doomed" || it.arg.Category == "flaky" && it.attempts == 0:
				results[i].err = interpretError("append events", &pgconn.PgError{Code: pgevents.CodeSerializationFailure})
			default:
				var evs []pgevents.Event
				for j := range it.nEvents {
					evs = append(evs, pgevents.Event{Category: it.arg.Category, Stream: it.arg.Stream, Position: int64(j)})
				}
				results[i].events = evs
				if pc, ok := calls.Load(id); ok {
					pc.(*policyCall).committed.Store(true)
				} else {
					problem("unknown call %q", id)
				}
			}
		}
		return results, nil
	})
	g := s.group
	kinds := []string{"ok", "ok", "ok", "ok", "ok", "flaky", "invalid", "doomed", "cancel", "cancel"}
	var wg sync.WaitGroup
	var stuck atomic.Int64
	for w := range writers {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), uint64(writers)))
			for i := range perWriter {
				id := fmt.Sprintf("%d-%d", w, i)
				pc := &policyCall{}
				calls.Store(id, pc)
				kind := kinds[r.IntN(len(kinds))]
				category := kind
				if kind == "cancel" {
					category = "ok"
				}
				events := make([]pgevents.NewEvent, 1+r.IntN(DefaultGroupCommitMaxAppendEvents))
				for j := range events {
					events[j] = ev("E", fmt.Sprintf(`{"call": %q}`, id))
				}
				ctx, cancel := context.WithCancel(context.Background())
				if kind == "cancel" {
					switch r.IntN(3) {
					case 0:
						cancel()
					case 1:
						go func() { runtime.Gosched(); cancel() }()
					default:
						time.AfterFunc(time.Duration(r.IntN(200))*time.Microsecond, cancel)
					}
				}
				stuck.Add(1)
				res, err := s.AppendEvents(ctx, &pgevents.AppendParams{Category: category,
					Stream: fmt.Sprint(r.IntN(streams)), Events: events})
				stuck.Add(-1)
				cancel()
				var pgErr *pgconn.PgError
				switch {
				case errors.As(err, &pgErr) && pgErr.Code == "08006":
					// Lost connection after every retry: the fake
					// database answers that only before committing.
					if pc.committed.Load() {
						problem("call %s: connection lost after commit", id)
					}
				case kind == "cancel" && err != nil:
					if !errors.Is(err, context.Canceled) {
						problem("call %s (cancelled): %v", id, err)
					} else if strings.Contains(err.Error(), "(not sent)") && pc.committed.Load() {
						problem("call %s left while queued but was committed", id)
					}
				case category == "ok" || category == "flaky":
					if err != nil {
						problem("call %s (%s): %v", id, kind, err)
					} else if len(res.Events) != len(events) || !pc.committed.Load() {
						problem("call %s (%s): %d events, committed %v", id, kind, len(res.Events), pc.committed.Load())
					}
				case category == "invalid":
					if !errors.Is(err, pgevents.ErrInvalidInput) || pc.committed.Load() {
						problem("call %s (invalid): %v", id, err)
					}
				case category == "doomed":
					if !errors.Is(err, pgevents.ErrRetryable) || !strings.Contains(fmt.Sprint(err), "giving up") {
						problem("call %s (doomed): %v", id, err)
					}
				}
				if r.IntN(3) == 0 {
					time.Sleep(time.Duration(r.IntN(100)) * time.Microsecond)
				} else {
					runtime.Gosched()
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Minute): // a liveness bound, not a performance one
		g.mu.Lock()
		state := fmt.Sprintf("inFlight %d busy %d inDB %d queued %d batches queued %d", g.inFlight, g.busy, g.inDB, g.queued, len(g.queue))
		g.mu.Unlock()
		t.Fatalf("%d calls never returned (%s)", stuck.Load(), state)
	}
	close(problems)
	for p := range problems {
		t.Error(p)
	}
	require.LessOrEqual(t, maxSeen.Load(), int32(maxInFlight), "batches in the database at once")
	// A flusher may still be between answering its last callers and
	// releasing its slot: it must release it soon (a leaked slot never is).
	waitFor(t, "every flusher slot released", func() bool {
		g.mu.Lock()
		defer g.mu.Unlock()
		return g.inFlight == 0
	})
	g.mu.Lock()
	defer g.mu.Unlock()
	require.Zero(t, g.inFlight, "slots held at the end")
	require.Zero(t, g.busy, "flushers busy at the end")
	require.Zero(t, g.inDB, "appends in the database at the end")
	require.Zero(t, g.queued, "appends queued at the end")
	require.Empty(t, g.queue, "batches queued at the end")
	st := s.GroupCommitStats()
	require.Equal(t, sent.Load(), st.Items, "items counted")
	t.Logf("%d batches, %.1f appends per batch, %d retries", st.Batches, st.MeanBatch(), st.Retries)
}
