package pgstore

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/pgeventsdb"
	"github.com/pgevents/pgevents/storetest"
)

// groupStore returns a Store whose group commit sends every batch through
// pgevents.append_batch (also a lone append), with at most maxInFlight
// batches in the database.
func groupStore(t *testing.T, pool *pgxpool.Pool, maxInFlight int, cfg *Config) *testBundle {
	t.Helper()
	var c Config
	if cfg != nil {
		c = *cfg
	}
	c.GroupCommitMaxInFlight = maxInFlight
	b := setupStore(t, pool, &c)
	require.NotNil(t, b.store.group)
	b.store.group.batchOnly = true
	return b
}

// queuedAppends is the number of appends collecting in g's queue.
func queuedAppends(g *groupCommit) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.queued
}

// waitFor polls cond every millisecond until it holds (10 s at most).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// lockWaiters counts the sessions of pool's database waiting for a lock.
func lockWaiters(t *testing.T, pool *pgxpool.Pool) int {
	t.Helper()
	var n int
	require.NoError(t, pool.QueryRow(context.Background(),
		"SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'").Scan(&n))
	return n
}

// blockStream locks a stream (it must have events) in a transaction of its
// own, so appends to it wait; release commits that transaction.
func blockStream(t *testing.T, pool *pgxpool.Pool, category, stream string) (release func()) {
	t.Helper()
	ctx := context.Background()
	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	_, err = tx.Exec(ctx, "SELECT 1 FROM pgevents.streams WHERE category = $1 AND stream = $2 FOR UPDATE", category, stream)
	require.NoError(t, err)
	var once sync.Once
	release = func() { once.Do(func() { require.NoError(t, tx.Commit(ctx)) }) }
	t.Cleanup(release)
	return release
}

// occupy makes the store's only flusher slot busy: an append to a blocked
// stream, waiting in the database until release. done receives its error.
func occupy(t *testing.T, b *testBundle, category string) (release func(), done <-chan error) {
	t.Helper()
	appendTo(t, b.store, category, "blocker", ev("Seeded", `{}`))
	release = blockStream(t, b.pool, category, "blocker")
	before := lockWaiters(t, b.pool)
	ch := make(chan error, 1)
	go func() {
		_, err := b.store.AppendEvents(context.Background(), &pgevents.AppendParams{Category: category, Stream: "blocker",
			Events: []pgevents.NewEvent{ev("Blocked", `{}`)}})
		ch <- err
	}()
	waitFor(t, "the blocked batch to wait for its lock", func() bool { return lockWaiters(t, b.pool) > before })
	return release, ch
}

// gcCase is one kind of append in TestGroupCommit_EachCallerGetsItsOwnOutcome.
type gcCase struct {
	name   string
	seed   bool // the stream has one event first
	cancel bool // the caller's context ends while the append is queued
	params func(category, stream string) *pgevents.AppendParams
}

func gcCases() []gcCase {
	events := func(n int) []pgevents.NewEvent {
		out := make([]pgevents.NewEvent, n)
		for i := range out {
			out[i] = ev("Happened", fmt.Sprintf(`{"n": %d}`, i))
		}
		return out
	}
	plain := func(c, s string) *pgevents.AppendParams {
		return &pgevents.AppendParams{Category: c, Stream: s, Events: events(2)}
	}
	return []gcCase{
		{name: "plain", params: plain},
		{name: "expected position met", seed: true, params: func(c, s string) *pgevents.AppendParams {
			return &pgevents.AppendParams{Category: c, Stream: s, Condition: pgevents.PositionIs(0), Events: events(3)}
		}},
		{name: "expected position unmet", seed: true, params: func(c, s string) *pgevents.AppendParams {
			return &pgevents.AppendParams{Category: c, Stream: s, Condition: pgevents.PositionIs(3), Events: events(1)}
		}},
		{name: "stream not empty", seed: true, params: func(c, s string) *pgevents.AppendParams {
			return &pgevents.AppendParams{Category: c, Stream: s, Condition: pgevents.StreamIsEmpty(), Events: events(1)}
		}},
		{name: "stream does not exist", params: func(c, s string) *pgevents.AppendParams {
			return &pgevents.AppendParams{Category: c, Stream: s, Condition: pgevents.StreamExists(), Events: events(1)}
		}},
		{name: "no events, condition met", seed: true, params: func(c, s string) *pgevents.AppendParams {
			return &pgevents.AppendParams{Category: c, Stream: s, Condition: pgevents.StreamExists()}
		}},
		{name: "or condition unmet", seed: true, params: func(c, s string) *pgevents.AppendParams {
			return &pgevents.AppendParams{Category: c, Stream: s, Condition: pgevents.Or(pgevents.StreamIsEmpty(), pgevents.PositionIs(7)),
				Events: events(1)}
		}},
		{name: "empty event name", params: func(c, s string) *pgevents.AppendParams {
			return &pgevents.AppendParams{Category: c, Stream: s, Events: []pgevents.NewEvent{ev("Fine", `{}`), ev("", `{}`)}}
		}},
		{name: "payload not an object", params: func(c, s string) *pgevents.AppendParams {
			return &pgevents.AppendParams{Category: c, Stream: s, Events: []pgevents.NewEvent{ev("Fine", `[1, 2]`)}}
		}},
		{name: "unknown condition type", params: func(c, s string) *pgevents.AppendParams {
			return &pgevents.AppendParams{Category: c, Stream: s, Condition: pgevents.Condition{Type: "no_such_type"}, Events: events(1)}
		}},
		{name: "invalid scope", params: func(c, s string) *pgevents.AppendParams {
			return &pgevents.AppendParams{Category: c, Stream: s, Scope: "galaxy", Events: events(1)}
		}},
		{name: "stream name too long", params: func(c, s string) *pgevents.AppendParams {
			return &pgevents.AppendParams{Category: c, Stream: s + strings.Repeat("x", 300), Events: events(1)}
		}},
		{name: "duplicate ids in the batch", params: func(c, s string) *pgevents.AppendParams {
			id := uuid.MustParse("0190d7a2-0000-7000-8000-00000000d0b1") // never stored: the batch is refused
			e := events(2)
			e[0].ID, e[1].ID = id, id
			return &pgevents.AppendParams{Category: c, Stream: s, Events: e}
		}},
		{name: "scope category", params: func(c, s string) *pgevents.AppendParams {
			return &pgevents.AppendParams{Category: c, Stream: s, Scope: pgevents.ScopeCategory, Events: events(1)}
		}},
		{name: "scope log", seed: true, params: func(c, s string) *pgevents.AppendParams {
			return &pgevents.AppendParams{Category: c, Stream: s, Scope: pgevents.ScopeLog, Condition: pgevents.StreamExists(), Events: events(2)}
		}},
		{name: "cancelled while queued", cancel: true, params: plain},
	}
}

// outcome describes what an append returned, comparably across adapters'
// paths: the sentinels the error matches, its typed details, or the stored
// events' positions, names and payloads.
func outcome(res *pgevents.AppendResult, err error) string {
	if err != nil {
		var parts []string
		for _, s := range []error{pgevents.ErrConditionFailed, pgevents.ErrUnexpectedPosition, pgevents.ErrStreamNotEmpty,
			pgevents.ErrStreamDoesNotExist, pgevents.ErrInvalidInput, pgevents.ErrEventIDConflict, pgevents.ErrLimitExceeded,
			pgevents.ErrRetryable, pgevents.ErrNotFound, context.Canceled} {
			if errors.Is(err, s) {
				parts = append(parts, s.Error())
			}
		}
		var ce *pgevents.ConditionError
		if errors.As(err, &ce) {
			parts = append(parts, fmt.Sprintf("condition code=%s stream=%s position=%v failures=%d condition=%+v",
				ce.Code, ce.Stream, deref(ce.Position), len(ce.Failures), ce.Condition))
		}
		var ie *pgevents.InvalidInputError
		if errors.As(err, &ie) {
			parts = append(parts, fmt.Sprintf("invalid code=%s field=%s reason=%s", ie.Code, ie.Field, ie.Reason))
		}
		if len(parts) == 0 {
			return "untyped error: " + err.Error()
		}
		return strings.Join(parts, "; ")
	}
	var parts []string
	for _, e := range res.Events {
		parts = append(parts, fmt.Sprintf("%d:%s:%s", e.Position, e.Name, e.Payload))
	}
	return fmt.Sprintf("ok %d events [%s]", len(res.Events), strings.Join(parts, " "))
}

// TestGroupCommit_EachCallerGetsItsOwnOutcome: appends of every kind
// (conditions met and unmet, invalid events, names, scopes and conditions,
// no events, callers leaving while queued, two appends to one stream) are
// collected into the same batches, behind a batch held in the database by a
// stream lock. Each caller must get exactly what the same append gets
// without group commit (same sentinels, same typed error details, same
// stored events), and nothing of a failed or abandoned append is written.
func TestGroupCommit_EachCallerGetsItsOwnOutcome(t *testing.T) {
	t.Parallel()
	forEachMode(t, func(t *testing.T, setup func(t *testing.T) *testBundle) {
		ctx := context.Background()
		ref := setup(t)
		ref.store.group = nil // the reference: every append alone
		g := groupStore(t, ref.pool, 1, nil)
		cases := gcCases()
		const rounds = 2 // every case twice, on streams of its own
		stream := func(round, i int) string { return fmt.Sprintf("s%d-%d", round, i) }

		// The reference outcomes, appended one by one in category ref.
		want := map[string]string{}
		for round := range rounds {
			for i, c := range cases {
				s := stream(round, i)
				if c.seed {
					appendTo(t, ref.store, "ref", s, ev("Seeded", `{}`))
				}
				cctx := ctx
				if c.cancel {
					cancelled, cancel := context.WithCancel(ctx)
					cancel()
					cctx = cancelled
				}
				res, err := ref.store.AppendEvents(cctx, c.params("ref", s))
				want[s] = outcome(res, err)
			}
		}
		for round := range rounds {
			for i, c := range cases {
				if c.seed {
					appendTo(t, g.store, "gc", stream(round, i), ev("Seeded", `{}`))
				}
			}
		}

		// Fill the queue behind a blocked batch, then let it go.
		release, blocked := occupy(t, g, "gc")
		var wg sync.WaitGroup
		got := make(map[string]string)
		var mu sync.Mutex
		cancels := map[string]context.CancelFunc{}
		var shared [2]*pgevents.AppendResult
		var sharedErr [2]error
		queued := 0
		for round := range rounds {
			for i, c := range cases {
				s := stream(round, i)
				cctx, cancel := context.WithCancel(ctx)
				t.Cleanup(cancel)
				if c.cancel {
					cancels[s] = cancel
				}
				params := c.params("gc", s)
				if _, err := appendParamsToInternal(params); err == nil {
					queued++
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					res, err := g.store.AppendEvents(cctx, params)
					mu.Lock()
					got[s] = outcome(res, err)
					mu.Unlock()
				}()
			}
		}
		for k := range 2 { // two appends to one stream: never in the same batch
			queued++
			wg.Add(1)
			go func() {
				defer wg.Done()
				shared[k], sharedErr[k] = g.store.AppendEvents(ctx, &pgevents.AppendParams{Category: "gc", Stream: "shared",
					Events: []pgevents.NewEvent{ev("Shared", fmt.Sprintf(`{"k": %d}`, k)), ev("Shared", fmt.Sprintf(`{"k": %d}`, k))}})
			}()
		}
		waitFor(t, "every append to be queued", func() bool { return queuedAppends(g.store.group) == queued })
		for _, cancel := range cancels {
			cancel()
		}
		waitFor(t, "the cancelled appends to leave", func() bool { return queuedAppends(g.store.group) == queued-len(cancels) })
		release()
		require.NoError(t, <-blocked)
		wg.Wait()

		for round := range rounds {
			for i, c := range cases {
				s := stream(round, i)
				require.Equal(t, want[s], got[s], "case %q (stream %s)", c.name, s)
				if c.cancel || strings.HasPrefix(want[s], "pgevents") || strings.HasPrefix(want[s], "context") {
					// Nothing of a failed or abandoned append is written.
					n := 0
					if c.seed {
						n = 1
					}
					require.Len(t, readAllIn(t, g.store, "gc", s), n, "case %q", c.name)
				}
			}
		}
		require.NoError(t, sharedErr[0])
		require.NoError(t, sharedErr[1])
		positions := []int64{shared[0].Events[0].Position, shared[1].Events[0].Position}
		slices.Sort(positions)
		require.Equal(t, []int64{0, 2}, positions)
		st := g.store.GroupCommitStats()
		t.Logf("%d batches, %d appends, sizes %v", st.Batches, st.Items, st.Sizes)
		require.GreaterOrEqual(t, len(st.Sizes)-1, queued-len(cancels)-1, "the queued appends went in one batch (but one of the shared pair)")
	})
}

func readAllIn(t *testing.T, store *Store, category, stream string) []pgevents.Event {
	t.Helper()
	events, err := store.ReadStream(context.Background(), &pgevents.ReadStreamParams{Category: category, Stream: stream, Limit: -1})
	require.NoError(t, err)
	return events
}

// TestGroupCommit_FallsBackWhenTheBatchFails: a batch over the call's
// event limit (max_append_events, PE112 for the whole call) is sent again
// append by append, every caller still getting its own result; later
// batches stay within the limit.
func TestGroupCommit_FallsBackWhenTheBatchFails(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := groupStore(t, newPool(t, pgx.QueryExecModeCacheStatement, 10), 1, nil)
	b.store.group.maxItemEvents = 100 // coalesce 40-event appends too
	_, err := b.pool.Exec(ctx, "UPDATE pgevents.settings SET value = '100' WHERE name = 'max_append_events'")
	require.NoError(t, err)
	events := make([]pgevents.NewEvent, 40)
	for i := range events {
		events[i] = ev("Happened", fmt.Sprintf(`{"i": %d}`, i))
	}
	for round := range 2 {
		release, blocked := occupy(t, b, fmt.Sprintf("fb%d", round))
		var wg sync.WaitGroup
		errs := make([]error, 3)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = b.store.AppendEvents(ctx, &pgevents.AppendParams{Category: "fb", Stream: fmt.Sprintf("r%d-s%d", round, i),
					Condition: pgevents.StreamIsEmpty(), Events: events})
			}()
		}
		waitFor(t, "3 queued appends", func() bool { return queuedAppends(b.store.group) == 3 })
		release()
		require.NoError(t, <-blocked)
		wg.Wait()
		for i, err := range errs {
			require.NoError(t, err, "append %d", i)
			require.Len(t, readAllIn(t, b.store, "fb", fmt.Sprintf("r%d-s%d", round, i)), 40)
		}
		require.EqualValues(t, 3, b.store.GroupCommitStats().Fallbacks, "round %d", round)
	}
}

// TestGroupCommit_NeverCoalescesCallerTransactions: appends in a caller's
// transaction, multi-stream appends and appends of more than
// DefaultGroupCommitMaxAppendEvents events never go through the group commit.
func TestGroupCommit_NeverCoalescesCallerTransactions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := groupStore(t, newPool(t, pgx.QueryExecModeCacheStatement, 10), 2, nil)
	tx, err := b.pool.Begin(ctx)
	require.NoError(t, err)
	_, err = b.store.AppendEventsTx(ctx, tx, &pgevents.AppendParams{Category: "tx", Stream: "a", Events: []pgevents.NewEvent{ev("A", `{}`)}})
	require.NoError(t, err)
	require.NoError(t, tx.Rollback(ctx))
	_, err = b.store.AppendStreams(ctx, &pgevents.AppendStreamsParams{Category: "tx",
		Streams: map[string]pgevents.StreamAppend{"b": {Events: []pgevents.NewEvent{ev("B", `{}`)}}}})
	require.NoError(t, err)
	big := make([]pgevents.NewEvent, DefaultGroupCommitMaxAppendEvents+1)
	for i := range big {
		big[i] = ev("Big", `{}`)
	}
	appendTo(t, b.store, "tx", "big", big...) // more events than coalesced appends carry: alone
	require.Zero(t, b.store.GroupCommitStats().Batches)
	require.Empty(t, readAllIn(t, b.store, "tx", "a"), "the rolled-back append stays rolled back")
	appendTo(t, b.store, "tx", "c", ev("C", `{}`))
	require.EqualValues(t, 1, b.store.GroupCommitStats().Batches)
}

// TestGroupCommit_Config: invalid group-commit settings are refused, the
// defaults applied, and DisableGroupCommit turns it off.
func TestGroupCommit_Config(t *testing.T) {
	t.Parallel()
	pool := newPool(t, pgx.QueryExecModeCacheStatement, 3)
	_, err := New(pool, &Config{GroupCommitMaxBatch: -1})
	require.ErrorContains(t, err, "GroupCommitMaxBatch")
	_, err = New(pool, &Config{GroupCommitMaxInFlight: -1})
	require.ErrorContains(t, err, "GroupCommitMaxInFlight")
	s, err := New(pool, nil)
	require.NoError(t, err)
	require.Equal(t, DefaultGroupCommitMaxBatch, s.group.maxItems)
	require.Equal(t, 3, s.group.maxInFlight, "never more than the pool's connections")
	require.GreaterOrEqual(t, DefaultGroupCommitMaxInFlight(), 4)
	require.Equal(t, DefaultGroupCommitMaxAppendEvents, s.group.maxItemEvents)
	_, err = New(pool, &Config{GroupCommitMaxAppendEvents: -1})
	require.ErrorContains(t, err, "GroupCommitMaxAppendEvents")
	s, err = New(pool, &Config{GroupCommitMaxAppendEvents: 3})
	require.NoError(t, err)
	require.Equal(t, 3, s.group.maxItemEvents)
	require.Equal(t, DefaultGroupCommitMinBatch, s.group.minItems)
	_, err = New(pool, &Config{GroupCommitMinBatch: -1})
	require.ErrorContains(t, err, "GroupCommitMinBatch")
	s, err = New(pool, &Config{GroupCommitMinBatch: 2})
	require.NoError(t, err)
	require.Equal(t, 2, s.group.minItems)
	s, err = New(pool, &Config{GroupCommitMaxInFlight: 2, GroupCommitMaxBatch: 5})
	require.NoError(t, err)
	require.Equal(t, 2, s.group.maxInFlight)
	require.Equal(t, 5, s.group.maxItems)
	s, err = New(pool, &Config{DisableGroupCommit: true})
	require.NoError(t, err)
	require.Nil(t, s.group)
	require.Zero(t, s.GroupCommitStats().Batches)
}

// TestGroupCommit_ItemErrors maps an item's error row as pgevents.append's
// error would be: a unique violation on the events' keys is retryable.
func TestGroupCommit_ItemErrors(t *testing.T) {
	t.Parallel()
	code, msg := "23505", `duplicate key value violates unique constraint "events_id_key"`
	err := interpretError("append events", itemError(&pgeventsdb.AppendBatchResult{ErrorCode: &code, ErrorMessage: &msg}))
	require.ErrorIs(t, err, pgevents.ErrRetryable)
	code = "PE103"
	detail := `{"field": "condition", "reason": "unknown type"}`
	err = interpretError("append events", itemError(&pgeventsdb.AppendBatchResult{ErrorCode: &code, ErrorMessage: &msg, ErrorDetail: &detail}))
	var ie *pgevents.InvalidInputError
	require.ErrorAs(t, err, &ie)
	require.Equal(t, "condition", ie.Field)
}

// cutProxy forwards connections to the test server and, while armed, cuts
// a connection right after the server committed a statement that returned
// rows (at its ReadyForQuery, which the client then never gets): the
// client sees a lost connection, its write committed.
type cutProxy struct {
	armed atomic.Int32 // cuts still to make
	cuts  atomic.Int32
	dial  func() (net.Conn, error)
	ln    net.Listener
}

// newCutProxy starts a proxy in front of cfg's server and points cfg at it.
func newCutProxy(t *testing.T, cfg *pgxpool.Config) *cutProxy {
	t.Helper()
	cc := cfg.ConnConfig
	require.Empty(t, cc.Fallbacks, "one server")
	p := &cutProxy{}
	var err error
	if strings.HasPrefix(cc.Host, "/") {
		target := filepath.Join(cc.Host, fmt.Sprintf(".s.PGSQL.%d", cc.Port))
		dir, derr := os.MkdirTemp("", "gcp")
		require.NoError(t, derr)
		t.Cleanup(func() { _ = os.RemoveAll(dir) })
		p.ln, err = net.Listen("unix", filepath.Join(dir, fmt.Sprintf(".s.PGSQL.%d", cc.Port)))
		p.dial = func() (net.Conn, error) { return net.Dial("unix", target) }
		cc.Host = dir
	} else {
		target := net.JoinHostPort(cc.Host, fmt.Sprint(cc.Port))
		p.ln, err = net.Listen("tcp", "127.0.0.1:0")
		p.dial = func() (net.Conn, error) { return net.Dial("tcp", target) }
		cc.Host, cc.Port = "127.0.0.1", uint16(p.ln.Addr().(*net.TCPAddr).Port)
	}
	require.NoError(t, err)
	cc.TLSConfig = nil // the proxy reads the server's messages
	go p.serve()
	t.Cleanup(func() { _ = p.ln.Close() })
	return p
}

func (p *cutProxy) serve() {
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.handle(client)
	}
}

func (p *cutProxy) handle(client net.Conn) {
	server, err := p.dial()
	if err != nil {
		_ = client.Close()
		return
	}
	defer client.Close()
	defer server.Close()
	go func() {
		_, _ = io.Copy(server, client)
		_ = server.Close()
	}()
	r := bufio.NewReader(server)
	header := make([]byte, 5)
	rows := false
	for {
		if _, err := io.ReadFull(r, header); err != nil {
			return
		}
		body := make([]byte, int(binary.BigEndian.Uint32(header[1:]))-4)
		if _, err := io.ReadFull(r, body); err != nil {
			return
		}
		switch header[0] {
		case 'D':
			rows = true
		case 'Z':
			if rows && p.take() {
				p.cuts.Add(1)
				return // committed; the client never hears of it
			}
			rows = false
		}
		if _, err := client.Write(append(header, body...)); err != nil {
			return
		}
	}
}

func (p *cutProxy) take() bool {
	for {
		n := p.armed.Load()
		if n <= 0 {
			return false
		}
		if p.armed.CompareAndSwap(n, n-1) {
			return true
		}
	}
}

// TestGroupCommit_RetriesABatchCutAfterCommit: the connection of a batch
// is cut after the server committed it, before the client heard; the store
// sends the batch again on another connection, which returns the stored
// events (the ids were assigned before the first attempt): every caller
// gets its events once, and nothing is stored twice.
func TestGroupCommit_RetriesABatchCutAfterCommit(t *testing.T) {
	t.Parallel()
	for _, mode := range execModes {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			direct := newPool(t, mode, 4)
			cfg := direct.Config()
			proxy := newCutProxy(t, cfg)
			cfg.MaxConns = 4
			pool, err := pgxpool.NewWithConfig(ctx, cfg)
			require.NoError(t, err)
			t.Cleanup(pool.Close)
			b := groupStore(t, pool, 1, &Config{RetryBackoff: time.Millisecond})
			proxy.armed.Store(3)

			const writers, appends = 8, 4
			var wg sync.WaitGroup
			returned := make([][]pgevents.Event, writers)
			errs := make([]error, writers)
			for w := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range appends {
						var latest *int64
						if i > 0 {
							latest = ptr(int64(2*i - 1))
						}
						res, err := b.store.AppendEvents(ctx, &pgevents.AppendParams{Category: "cut", Stream: fmt.Sprintf("w%d", w),
							Condition: pgevents.ExpectedPosition(latest), Events: []pgevents.NewEvent{ev("A", `{}`), ev("B", `{}`)}})
						if err != nil {
							errs[w] = fmt.Errorf("append %d: %w", i, err)
							return
						}
						returned[w] = append(returned[w], res.Events...)
					}
				}()
			}
			wg.Wait()
			for _, err := range errs {
				require.NoError(t, err)
			}
			require.EqualValues(t, 3, proxy.cuts.Load(), "connections cut after a commit")
			require.GreaterOrEqual(t, b.retries.Load(), int64(3))
			var stored int
			require.NoError(t, direct.QueryRow(ctx, "SELECT count(*) FROM pgevents.events WHERE category = 'cut'").Scan(&stored))
			require.Equal(t, writers*appends*2, stored, "no event stored twice")
			check := setupStore(t, direct, nil).store
			for w := range writers {
				events := readAllIn(t, check, "cut", fmt.Sprintf("w%d", w))
				require.Equal(t, ids(events), ids(returned[w]), "writer %d got its stored events", w)
				for i, e := range events {
					require.EqualValues(t, i, e.Position)
				}
			}
			st := b.store.GroupCommitStats()
			t.Logf("%d batches, %d appends, %d retries, sizes %v", st.Batches, st.Items, st.Retries, st.Sizes)
		})
	}
}

// TestGroupCommit_RetriesABatchWhoseSessionIsTerminated: the backend of a
// batch waiting for a stream lock is terminated (pg_terminate_backend from
// another session): the batch is sent again and commits once the lock is
// free, each event once.
func TestGroupCommit_RetriesABatchWhoseSessionIsTerminated(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := groupStore(t, newPool(t, pgx.QueryExecModeCacheStatement, 10), 1, &Config{RetryBackoff: time.Millisecond})
	appendTo(t, b.store, "kill", "held", ev("Seeded", `{}`))
	release := blockStream(t, b.pool, "kill", "held")
	before := lockWaiters(t, b.pool)
	done := make(chan error, 1)
	go func() {
		_, err := b.store.AppendEvents(ctx, &pgevents.AppendParams{Category: "kill", Stream: "held",
			Condition: pgevents.PositionIs(0), Events: []pgevents.NewEvent{ev("A", `{}`)}})
		done <- err
	}()
	waitFor(t, "the batch to wait for the lock", func() bool { return lockWaiters(t, b.pool) > before })
	var killed bool
	require.NoError(t, b.pool.QueryRow(ctx, `SELECT bool_or(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%append_batch%'`).Scan(&killed))
	require.True(t, killed)
	waitFor(t, "the retry", func() bool { return b.retries.Load() > 0 })
	waitFor(t, "the retry to wait for the lock", func() bool { return lockWaiters(t, b.pool) > before })
	release()
	require.NoError(t, <-done)
	events := readAllIn(t, b.store, "kill", "held")
	require.Len(t, events, 2)
}

// TestStore_ContractGroupCommit runs the storetest contract suite with
// every append going through pgevents.append_batch (even alone).
func TestStore_ContractGroupCommit(t *testing.T) {
	t.Parallel()
	for _, mode := range execModes {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			storetest.Run(t, func(t *testing.T) pgevents.Store {
				pool := newPool(t, mode, 10)
				_, err := pool.Exec(t.Context(), storetest.PositionBelowSQL)
				require.NoError(t, err)
				_, err = pool.Exec(t.Context(), storetest.AllowObservedAtSQL)
				require.NoError(t, err)
				return groupStore(t, pool, 2, nil).store
			})
		})
	}
}

// TestStore_AppendBatch: AppendBatch gives each append exactly what
// AppendEvents gives it alone (every kind of gcCases, over more appends
// than one call carries), appends to one stream run in order, and in a
// caller's transaction everything rolls back with it.
func TestStore_AppendBatch(t *testing.T) {
	t.Parallel()
	forEachMode(t, func(t *testing.T, setup func(t *testing.T) *testBundle) {
		ctx := context.Background()
		b := setup(t)
		cases := gcCases()
		const rounds = 8 // > appendBatchMaxItems appends in all
		want := map[string]string{}
		var params []*pgevents.AppendParams
		var streams []string
		for round := range rounds {
			for i, c := range cases {
				if c.cancel {
					continue
				}
				s := fmt.Sprintf("s%d-%d", round, i)
				for _, category := range []string{"ref", "batch"} {
					if c.seed {
						appendTo(t, b.store, category, s, ev("Seeded", `{}`))
					}
				}
				res, err := b.store.AppendEvents(ctx, c.params("ref", s))
				want[s] = outcome(res, err)
				params = append(params, c.params("batch", s))
				streams = append(streams, s)
			}
		}
		require.Greater(t, len(params), appendBatchMaxItems)
		// Two appends to one stream, the second conditioned on the first.
		params = append(params,
			&pgevents.AppendParams{Category: "batch", Stream: "pair", Condition: pgevents.StreamIsEmpty(), Events: []pgevents.NewEvent{ev("First", `{}`)}},
			nil,
			&pgevents.AppendParams{Category: "batch", Stream: "pair", Condition: pgevents.PositionIs(0), Events: []pgevents.NewEvent{ev("Second", `{}`)}})
		results, err := b.store.AppendBatch(ctx, params)
		require.NoError(t, err)
		require.Len(t, results, len(params))
		for i, s := range streams {
			require.Equal(t, want[s], outcome(results[i].Result, results[i].Err), "stream %s", s)
		}
		n := len(streams)
		require.NoError(t, results[n].Err)
		require.Equal(t, outcome(b.store.AppendEvents(ctx, nil)), outcome(results[n+1].Result, results[n+1].Err), "nil params")
		require.NoError(t, results[n+2].Err)
		require.EqualValues(t, 1, results[n+2].Result.Events[0].Position)

		// In a caller's transaction: rolled back with it.
		tx, err := b.pool.Begin(ctx)
		require.NoError(t, err)
		results, err = b.store.WithTx(tx).AppendBatch(ctx, []*pgevents.AppendParams{
			{Category: "batch", Stream: "tx", Events: []pgevents.NewEvent{ev("A", `{}`)}},
			{Category: "batch", Stream: "pair", Condition: pgevents.StreamIsEmpty()},
		})
		require.NoError(t, err)
		require.NoError(t, results[0].Err)
		require.ErrorIs(t, results[1].Err, pgevents.ErrStreamNotEmpty)
		require.NoError(t, tx.Rollback(ctx))
		require.Empty(t, readAllIn(t, b.store, "batch", "tx"))
	})
}

// TestGroupCommit_FlushPolicy: when the first queued batch is due (see the
// flush policy in groupcommit.go).
func TestGroupCommit_FlushPolicy(t *testing.T) {
	t.Parallel()
	g := newGroupCommit(&Store{}, 64, 8, DefaultGroupCommitMaxAppendEvents)
	queue := func(n int) {
		g.queue, g.queued = nil, 0
		for i := range n {
			g.enqueue(&gcItem{key: fmt.Sprint(i), body: []byte("{}")})
		}
	}
	for _, c := range []struct {
		busy, inDB, queued int
		due                bool
		why                string
	}{
		{0, 0, 0, false, "nothing queued"},
		{0, 0, 1, true, "idle: at once"},
		{1, 1, 1, true, "2 writers: alone"},
		{3, 3, 1, true, "4 writers: alone"},
		{7, 7, 1, true, "8 writers: alone"},
		{1, 8, 1, false, "9 writers: wait for a second"},
		{1, 5, 5, true, "10 writers: two batches of 5"},
		{1, 8, 7, false, "16 writers: wait for 8"},
		{1, 8, 8, true, "16 writers: two batches of 8"},
		{3, 24, 7, false, "32 writers: wait for 8"},
		{3, 24, 8, true, "32 writers: four batches of 8"},
		{7, 56, 8, true, "64 writers: eight batches of 8"},
		{7, 112, 15, false, "128 writers: wait for 16 (8 in flight at most)"},
		{7, 112, 16, true, "128 writers: eight batches of 16"},
	} {
		g.busy, g.inDB = c.busy, c.inDB
		queue(c.queued)
		require.Equal(t, c.due, g.due(), c.why)
	}
	// The default bounds on 2 cores: 4 batches in flight, batches of 8.
	g = newGroupCommit(&Store{}, 64, 4, DefaultGroupCommitMaxAppendEvents)
	for _, c := range []struct {
		busy, inDB, queued int
		due                bool
		why                string
	}{
		{0, 0, 1, true, "idle: at once"},
		{3, 3, 1, true, "4 writers: alone"},
		{1, 4, 1, false, "5 writers: wait for a second"},
		{1, 8, 7, false, "16 writers: wait for 8"},
		{1, 8, 8, true, "16 writers: two batches of 8"},
		{3, 48, 15, false, "64 writers: wait for 16"},
		{3, 48, 16, true, "64 writers: four batches of 16"},
	} {
		g.busy, g.inDB = c.busy, c.inDB
		queue(c.queued)
		require.Equal(t, c.due, g.due(), c.why)
	}
	// A second batch queued (the first is full, or holds the stream) is due.
	g.busy, g.inDB = 1, 100
	queue(1)
	g.enqueue(&gcItem{key: "0", body: []byte("{}")})
	require.Len(t, g.queue, 2)
	require.True(t, g.due(), "one item per stream per batch: a second batch")
}
