package pgstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
)

// TestStore_Concurrency is the ordering guarantee under load (SPEC §3): for
// each serialisation scope, concurrent writers on real connections append to
// overlapping streams with optimistic-concurrency conditions, some in
// transactions they roll back, some in long transactions, some in
// transactions that took their id before the stream lock (the 40001
// inversion path), while readers resume page by page from their cursor over
// the log and over each category. Once the writers stop, the readers drain.
// Every committed event must be seen exactly once, no rolled-back event ever,
// per-stream positions gapless and in order, cursors strictly increasing.
//
// The test can fail. Checked by hand (not committed): with the readers
// switched to the legacy order by sequence number only
// (pgeventsdb.ReadLogBySequence, no fence), 3 runs of 3 failed under the
// 'stream' scope, and under 'category' (whose log reader spans categories),
// with per-stream position gaps ("stream beta/s2: position 4 after 2") and
// missed events (one run: the log reader never saw 65 of 516 committed
// events under 'stream', 20 of 384 under 'category'): a transaction holding
// lower sequence numbers, typically a long one, commits after the reader has
// passed higher ones. The 'log' scope runs passed, as documented for that
// legacy order.
//
// Each scope runs twice: with the store's appends one by one (group commit
// off), and through the group commit, every batch (even of one) sent as a
// pgevents.append_batch call.
func TestStore_Concurrency(t *testing.T) {
	t.Parallel()
	for _, scope := range []pgevents.Scope{pgevents.ScopeStream, pgevents.ScopeCategory, pgevents.ScopeLog} {
		for _, group := range []bool{false, true} {
			name := string(scope) + "/single"
			if group {
				name = string(scope) + "/group_commit"
			}
			t.Run(name, func(t *testing.T) {
				runConcurrency(t, scope, group)
			})
		}
	}
}

const (
	concWriters       = 16
	concWriteDuration = 1500 * time.Millisecond
	concPageSize      = 7
	concDrainDeadline = 30 * time.Second
)

var concCategories = []string{"alpha", "beta"}

const concStreamsPerCategory = 4

type expectedEvent struct {
	category, stream string
	position         int64
}

// concLedger is what writers report: committed and rolled-back events.
type concLedger struct {
	mu         sync.Mutex
	committed  map[uuid.UUID]expectedEvent
	rolledBack map[uuid.UUID]bool

	appends, conditionRetries, serializationFailures, rollbacks, longTxs, earlyXidTxs, multiStream atomic.Int64
}

func (l *concLedger) commit(events []pgevents.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range events {
		l.committed[e.ID] = expectedEvent{e.Category, e.Stream, e.Position}
	}
}

func (l *concLedger) rollBack(events []pgevents.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range events {
		l.rolledBack[e.ID] = true
	}
}

func (l *concLedger) committedCount(category string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if category == "" {
		return len(l.committed)
	}
	n := 0
	for _, e := range l.committed {
		if e.category == category {
			n++
		}
	}
	return n
}

func runConcurrency(t *testing.T, scope pgevents.Scope, group bool) {
	ctx := context.Background()
	pool := newPool(t, pgx.QueryExecModeCacheStatement, int32(concWriters+len(concCategories)+4))
	b := setupStore(t, pool, &Config{DisableGroupCommit: true})
	if group {
		b = groupStore(t, pool, 2, nil)
	}
	multi := setupStore(t, pool, nil) // multi-stream appends, with their own retry count
	ledger := &concLedger{committed: map[uuid.UUID]expectedEvent{}, rolledBack: map[uuid.UUID]bool{}}

	// Readers: one over the log, one per category, resuming from their cursor.
	writersDone := make(chan struct{})
	readers := []*concReader{{}}
	for _, c := range concCategories {
		readers = append(readers, &concReader{category: c})
	}
	var readerWG sync.WaitGroup
	for _, r := range readers {
		readerWG.Add(1)
		go func() {
			defer readerWG.Done()
			r.run(ctx, b.store, ledger, writersDone)
		}()
	}

	// Writers.
	start := time.Now()
	var writerWG sync.WaitGroup
	for w := range concWriters {
		writerWG.Add(1)
		go func() {
			defer writerWG.Done()
			cw := &concWriter{id: w, rng: rand.New(rand.NewPCG(uint64(w), uint64(time.Now().UnixNano()))),
				scope: scope, store: b.store, multiStore: multi.store, pool: b.pool, ledger: ledger}
			for time.Since(start) < concWriteDuration {
				if err := cw.step(ctx); err != nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
			}
		}()
	}
	writerWG.Wait()
	writeTime := time.Since(start)
	close(writersDone)
	readerWG.Wait()
	drainTime := time.Since(start) - writeTime

	// Assertions.
	ledger.mu.Lock()
	defer ledger.mu.Unlock()
	for _, r := range readers {
		name := "log"
		if r.category != "" {
			name = "category " + r.category
		}
		require.Empty(t, r.violations, "%s reader: order violations", name)
		var missing int
		for id, want := range ledger.committed {
			if r.category != "" && want.category != r.category {
				continue
			}
			if _, ok := r.seen[id]; !ok {
				missing++
			}
		}
		require.Zero(t, missing, "%s reader: committed events never seen (drained: %v)", name, r.drained)
		for id := range r.seen {
			require.False(t, ledger.rolledBack[id], "%s reader: saw event %s of a rolled-back transaction", name, id)
			_, ok := ledger.committed[id]
			require.True(t, ok, "%s reader: saw event %s no writer committed", name, id)
		}
		require.True(t, r.drained, "%s reader did not drain", name)
	}
	// Store-owned appends may need a retry (40001, retried by the store):
	// a transaction gets its id when it starts to lock a row (the scope's or
	// the stream's), and two waiters for a lock can be granted it out of id
	// order, so the later-granted, older transaction trips the
	// transaction-order check. A multi-stream append can also meet a younger
	// writer on one of its later streams. Either is rare; what matters is
	// that every such failure was retried (no append above failed) and that
	// readers never skipped or repeated an event (checked above).
	// Through the group commit, a batch is a multi-stream transaction: it
	// takes its id with its first stream lock and may then wait for a
	// younger writer of a later stream (40001 for that item, re-queued with
	// the same ids). On this test's 8 hot streams that is less rare.
	rare := ledger.appends.Load()/20 + 1
	if group {
		rare = ledger.appends.Load()/5 + 1
	}
	require.LessOrEqual(t, b.retries.Load()+multi.retries.Load(), rare, "store-owned appends needed retries more than rarely")
	t.Logf("scope %s: %d events committed in %d appends (%d multi-stream), %d rolled back in %d rollbacks, %d long txs, "+
		"%d early-xid txs, %d 40001s retried by writers, %d store retries (+%d multi-stream), %d condition retries; "+
		"log reader %d pages; writes %v, drain %v",
		scope, len(ledger.committed), ledger.appends.Load(), ledger.multiStream.Load(), len(ledger.rolledBack), ledger.rollbacks.Load(),
		ledger.longTxs.Load(), ledger.earlyXidTxs.Load(), ledger.serializationFailures.Load(), b.retries.Load(), multi.retries.Load(),
		ledger.conditionRetries.Load(), readers[0].pages, writeTime.Round(time.Millisecond), drainTime.Round(time.Millisecond))
	if group {
		st := b.store.GroupCommitStats()
		t.Logf("group commit: %d batches, %d appends, %.1f per batch, %d retries, sizes %v", st.Batches, st.Items, st.MeanBatch(), st.Retries, st.Sizes)
		require.Greater(t, st.Items, st.Batches, "some appends were coalesced")
	}
}

// concReader resumes from its cursor, page by page, and checks order online.
type concReader struct {
	category   string
	cursor     pgevents.Cursor
	drained    bool
	lastPos    map[string]int64 // category/stream -> last position seen
	pages      int
	seen       map[uuid.UUID]bool
	violations []string
}

func (r *concReader) violate(format string, args ...any) {
	if len(r.violations) < 20 {
		r.violations = append(r.violations, fmt.Sprintf(format, args...))
	}
}

func (r *concReader) run(ctx context.Context, s *Store, ledger *concLedger, writersDone <-chan struct{}) {
	r.lastPos, r.seen = map[string]int64{}, map[uuid.UUID]bool{}
	var deadline time.Time
	for {
		page, err := s.ReadEvents(ctx, &pgevents.ReadEventsParams{Category: r.category, After: r.cursor, Limit: concPageSize})
		if err != nil {
			r.violate("read: %v", err)
			return
		}
		r.pages++
		for _, e := range page {
			if !r.cursor.Less(e.Cursor()) {
				r.violate("cursor %v not after %v", e.Cursor(), r.cursor)
			}
			r.cursor = e.Cursor()
			if r.seen[e.ID] {
				r.violate("event %s seen twice", e.ID)
			}
			r.seen[e.ID] = true
			if r.category != "" && e.Category != r.category {
				r.violate("event %s of category %s in a read of %s", e.ID, e.Category, r.category)
			}
			key := e.Category + "/" + e.Stream
			last, ok := r.lastPos[key]
			if !ok {
				last = -1
			}
			if e.Position != last+1 {
				r.violate("stream %s: position %d after %d", key, e.Position, last)
			}
			r.lastPos[key] = e.Position
		}
		if len(page) > 0 {
			continue
		}
		select {
		case <-writersDone:
			if deadline.IsZero() {
				deadline = time.Now().Add(concDrainDeadline)
			}
			if len(r.seen) >= ledger.committedCount(r.category) {
				r.drained = true
				return
			}
			if time.Now().After(deadline) {
				return
			}
		default:
		}
		time.Sleep(time.Millisecond)
	}
}

// concWriter appends with optimistic concurrency in one of several ways.
type concWriter struct {
	id     int
	ledger *concLedger
	pool   interface {
		Begin(ctx context.Context) (pgx.Tx, error)
	}
	multiStore *Store // for AppendStreams
	rng        *rand.Rand
	scope      pgevents.Scope
	store      *Store
}

func (w *concWriter) newEvents() []pgevents.NewEvent {
	events := make([]pgevents.NewEvent, 1+w.rng.IntN(3))
	for i := range events {
		events[i] = pgevents.NewEvent{Name: "happened", Payload: []byte(fmt.Sprintf(`{"writer": %d}`, w.id))}
	}
	return events
}

// step performs one append, retrying unmet conditions and serialization
// failures until it commits (or, for a rollback, until it rolled back).
func (w *concWriter) step(ctx context.Context) error {
	category := concCategories[w.rng.IntN(len(concCategories))]
	stream := fmt.Sprintf("s%d", w.rng.IntN(concStreamsPerCategory))
	switch p := w.rng.IntN(100); {
	case p < 40:
		return w.ownedAppend(ctx, category, stream)
	case p < 50:
		return w.multiStream(ctx, category)
	case p < 65:
		return w.txAppend(ctx, category, stream, txRollback)
	case p < 80:
		return w.txAppend(ctx, category, stream, txEarlyXid)
	case p < 82:
		return w.txAppend(ctx, category, stream, txLong)
	default:
		return w.txAppend(ctx, category, stream, txPlain)
	}
}

func (w *concWriter) retryLoop(ctx context.Context, fn func() error) error {
	for attempt := 0; ; attempt++ {
		err := fn()
		switch {
		case err == nil:
			return nil
		case errors.Is(err, pgevents.ErrConditionFailed):
			w.ledger.conditionRetries.Add(1)
		case errors.Is(err, pgevents.ErrRetryable):
			w.ledger.serializationFailures.Add(1)
		default:
			return err
		}
		if attempt > 1000 {
			return fmt.Errorf("no progress after %d attempts: %w", attempt, err)
		}
		time.Sleep(time.Duration(w.rng.IntN(2000)) * time.Microsecond)
	}
}

func (w *concWriter) ownedAppend(ctx context.Context, category, stream string) error {
	return w.retryLoop(ctx, func() error {
		pos, err := position(ctx, w.store, category, stream)
		if err != nil {
			return err
		}
		res, err := w.store.AppendEvents(ctx, &pgevents.AppendParams{Category: category, Stream: stream, Scope: w.scope,
			Condition: pgevents.ExpectedPosition(pos), Events: w.newEvents()})
		if err != nil {
			return err
		}
		w.ledger.appends.Add(1)
		w.ledger.commit(res.Events)
		return nil
	})
}

func (w *concWriter) multiStream(ctx context.Context, category string) error {
	return w.retryLoop(ctx, func() error {
		streams := map[string]pgevents.StreamAppend{}
		for range 2 {
			stream := fmt.Sprintf("s%d", w.rng.IntN(concStreamsPerCategory))
			pos, err := position(ctx, w.store, category, stream)
			if err != nil {
				return err
			}
			streams[stream] = pgevents.StreamAppend{Condition: pgevents.ExpectedPosition(pos), Events: w.newEvents()}
		}
		res, err := w.multiStore.AppendStreams(ctx, &pgevents.AppendStreamsParams{Category: category, Scope: w.scope, Streams: streams})
		if err != nil {
			return err
		}
		w.ledger.appends.Add(1)
		w.ledger.multiStream.Add(1)
		w.ledger.commit(res.Events)
		return nil
	})
}

type txKind int

const (
	txPlain    txKind = iota
	txRollback        // append, then roll back
	txEarlyXid        // take a transaction id before the stream lock (provokes 40001)
	txLong            // append, sleep 100-300 ms, commit
)

// txAppend appends in an explicit transaction through WithTx (never retried
// by the store), and retries the whole transaction itself.
func (w *concWriter) txAppend(ctx context.Context, category, stream string, kind txKind) error {
	return w.retryLoop(ctx, func() (err error) {
		tx, err := w.pool.Begin(ctx)
		if err != nil {
			return err
		}
		defer func() {
			if err != nil {
				_ = tx.Rollback(ctx)
			}
		}()
		if kind == txEarlyXid {
			if _, err := tx.Exec(ctx, "SELECT pg_current_xact_id()"); err != nil {
				return err
			}
			// Widen the window in which another writer commits to the stream.
			time.Sleep(time.Duration(w.rng.IntN(3000)) * time.Microsecond)
		}
		inTx := w.store.WithTx(tx)
		pos, err := position(ctx, inTx, category, stream)
		if err != nil {
			return err
		}
		res, err := inTx.AppendEvents(ctx, &pgevents.AppendParams{Category: category, Stream: stream, Scope: w.scope,
			Condition: pgevents.ExpectedPosition(pos), Events: w.newEvents()})
		if err != nil {
			return err
		}
		switch kind {
		case txRollback:
			if err := tx.Rollback(ctx); err != nil {
				return err
			}
			w.ledger.rollbacks.Add(1)
			w.ledger.rollBack(res.Events)
			return nil
		case txLong:
			time.Sleep(time.Duration(100+w.rng.IntN(200)) * time.Millisecond)
		}
		if err := tx.Commit(ctx); err != nil {
			return fmt.Errorf("commit: %w", err)
		}
		switch kind {
		case txLong:
			w.ledger.longTxs.Add(1)
		case txEarlyXid:
			w.ledger.earlyXidTxs.Add(1)
		}
		w.ledger.appends.Add(1)
		w.ledger.commit(res.Events)
		return nil
	})
}

// position returns the stream's latest position, nil when it is empty.
func position(ctx context.Context, s *Store, category, stream string) (*int64, error) {
	e, err := s.LatestEvent(ctx, &pgevents.LatestEventParams{Source: pgevents.StreamID(category, stream)})
	if errors.Is(err, pgevents.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &e.Position, nil
}
