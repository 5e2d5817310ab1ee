package pgstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"go.opentelemetry.io/otel/trace"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/pgeventsdb"
)

// Group commit: concurrent AppendEvents calls on a Store that owns its
// transactions are coalesced into pgevents.append_batch calls, each one
// transaction carrying many independent appends (one item per stream per
// batch), so that many writers share each commit's cost, and the batch
// function's set-based path writes the common items with one INSERT.
//
// The flush policy: at most maxInFlight batches are in the database at
// once (default 2 × GOMAXPROCS, at least 4: about the cores, plus as many
// again to overlap the commits' WAL flushes), each sent by a flusher
// goroutine that holds one of maxInFlight slots. Appends collect in the
// queue (batches of at most maxItems, one item per stream). The first
// queued batch is sent by a free slot (or by the flusher whose batch just
// ended) when nothing is in the database (an idle store sends at once: no
// added latency, and no timer anywhere), or when no more appends are in
// progress than slots (each goes alone, as without group commit: the
// latency of 1 to maxInFlight writers is that of a plain append), or when
// a second batch is queued, or when the queue holds its share of the
// appends in progress (n = in the database + queued): ceil(n /
// maxInFlight), but at least min(minItems, ceil(n / 2)) appends or
// gcTargetEvents events. Otherwise the queue keeps collecting until a
// batch in the database ends, whose flusher then sends it. Without the
// share rule, the first caller back from a batch would find a free slot
// and leave alone, and the batches would shrink to a few items each (a
// prototype's 16 writers: ~4 items per batch); with it, the batches in the
// database stay about equal and big: 16 writers make 2 batches of 8, 64
// make 4 of 16 (with 4 slots). Measured on 2 cores shared with other
// jobs (make bench, driver rows, with the set-based append_batch; cluster
// + client CPU per event, which is what a CPU-bound machine pays): at 16
// writers 2 batches of 8 took 235-277 µs/event against 499-665 alone (and
// 363 as 4 batches of 4), at 64 writers 4 batches of 16 took 195-200
// against 225 as the former default's 8 batches of 8; raw one-row INSERTs
// took 185-233 at 16 and 213-238 at 64. Events/s on that loaded machine
// did not follow (the scheduler gives 2 busy backends less of the cores
// than 16): at 16 writers the batches did 0.8-1.2x appending alone.

// Group commit defaults.
const (
	// DefaultGroupCommitMaxBatch is Config.GroupCommitMaxBatch's default.
	DefaultGroupCommitMaxBatch = 64
	// gcMaxBatchBytes and gcMaxBatchEvents bound the JSON text and the
	// events of one append_batch call (pgevents.append_batch refuses a call
	// beyond the settings max_append_size and max_append_events, at least
	// 65536 bytes and 100 events; the bounds halve, down to those, after
	// such a refusal). An append whose own JSON is beyond gcMaxItemBytes is
	// sent alone, through pgevents.append.
	gcMaxBatchBytes  = 1 << 20
	gcMaxBatchEvents = 1000
	gcMaxItemBytes   = 64 << 10
	// DefaultGroupCommitMaxAppendEvents is
	// Config.GroupCommitMaxAppendEvents' default. With the set-based
	// append_batch, coalesced 10-event appends took 58-62 µs/event of
	// cluster + client CPU at 64 writers against 103-108 sent alone (raw
	// 10-row INSERTs: 61-63); an append of many more events already
	// shares its transaction among them.
	DefaultGroupCommitMaxAppendEvents = 16
	// DefaultGroupCommitMinBatch is Config.GroupCommitMinBatch's default:
	// the batch size below which the group commit does not open another
	// batch while one is in the database (see the flush policy).
	DefaultGroupCommitMinBatch = 8
	// gcTargetEvents: a batch of this many events is big enough too.
	gcTargetEvents = 32
)

// gcState is where an append is in the group commit.
type gcState uint8

const (
	gcQueued gcState = iota // in a collecting batch
	gcSent                  // in a batch in the database
	gcLeft                  // its caller left (context ended)
	gcDone                  // answered
)

// gcItem is one coalesced append.
type gcItem struct {
	arg      *pgeventsdb.AppendEventsParams
	attempts int // failed attempts so far (retryable errors)
	batch    *gcBatch
	body     []byte // the item's JSON object in p_items
	nEvents  int
	ctx      context.Context
	done     chan struct{} // closed when answered
	key      string        // category NUL stream: one item per stream per batch
	state    gcState

	// The answer, set before done is closed.
	batchSize int
	err       error
	events    []pgevents.Event
}

// gcBatch is a batch being collected or sent.
type gcBatch struct {
	bytes   int
	nEvents int
	cancel  context.CancelFunc // cancels ctx when every caller has left
	ctx     context.Context
	items   []*gcItem
	keys    map[string]struct{}
	live    int // sent items whose caller still waits
}

// groupCommit coalesces a Store's appends.
type groupCommit struct {
	batchOnly     bool // send a lone append through append_batch too (tests)
	disabled      atomic.Bool
	maxBytes      int // guarded by mu
	maxEvents     int // guarded by mu
	maxItemEvents int
	maxInFlight   int
	maxItems      int
	minItems      int
	s             *Store
	// callHook, when set, replaces the database call of a batch (tests of
	// the flush policy without a database).
	callHook func(ctx context.Context, items []*gcItem) ([]gcResult, error)

	mu       sync.Mutex
	busy     int // flushers in a database call
	inDB     int // appends in those calls
	inFlight int // flushers (slots held)
	queued   int // appends in the queue
	queue    []*gcBatch

	stats gcStats
}

// gcStats are the counters behind GroupCommitStats.
type gcStats struct {
	mu        sync.Mutex
	batches   int64
	fallbacks int64
	items     int64
	retries   int64
	sizes     []int64
}

// GroupCommitStats counts what a Store's group commit sent since New.
type GroupCommitStats struct {
	// Batches is the number of calls sent (append_batch, or append for a
	// batch of one), retries included.
	Batches int64
	// Fallbacks is the number of appends sent alone after their batch
	// failed as a whole (see Config.GroupCommitMaxBatch).
	Fallbacks int64
	// Items is the number of appends the batches carried (an append sent
	// again after a retryable error counts again).
	Items int64
	// Retries is the number of batches sent again after a retryable error
	// or a lost connection, plus appends re-queued after a retryable error
	// of their own.
	Retries int64
	// Sizes[n] is the number of batches of n appends.
	Sizes []int64
}

// MeanBatch returns the mean number of appends per batch (0 when none was
// sent).
func (st GroupCommitStats) MeanBatch() float64 {
	if st.Batches == 0 {
		return 0
	}
	return float64(st.Items) / float64(st.Batches)
}

// GroupCommitStats returns the counters of the Store's group commit (all
// zero when it is off). Stores returned by WithTx share their parent's.
func (s *Store) GroupCommitStats() GroupCommitStats {
	if s.group == nil {
		return GroupCommitStats{}
	}
	st := &s.group.stats
	st.mu.Lock()
	defer st.mu.Unlock()
	return GroupCommitStats{Batches: st.batches, Fallbacks: st.fallbacks, Items: st.items, Retries: st.retries,
		Sizes: append([]int64(nil), st.sizes...)}
}

func (st *gcStats) batch(n int) {
	st.mu.Lock()
	st.batches++
	st.items += int64(n)
	for len(st.sizes) <= n {
		st.sizes = append(st.sizes, 0)
	}
	st.sizes[n]++
	st.mu.Unlock()
}

func (st *gcStats) add(retries, fallbacks int64) {
	st.mu.Lock()
	st.retries += retries
	st.fallbacks += fallbacks
	st.mu.Unlock()
}

func newGroupCommit(s *Store, maxItems, maxInFlight, maxItemEvents int) *groupCommit {
	return &groupCommit{s: s, maxItems: maxItems, minItems: DefaultGroupCommitMinBatch, maxInFlight: maxInFlight, maxBytes: gcMaxBatchBytes,
		maxEvents: gcMaxBatchEvents, maxItemEvents: maxItemEvents}
}

// append is AppendEvents through the group commit.
func (g *groupCommit) append(ctx context.Context, params *pgevents.AppendParams) (*pgevents.AppendResult, error) {
	if params == nil {
		params = &pgevents.AppendParams{}
	}
	arg, err := appendParamsToInternal(params)
	if err != nil {
		return nil, err
	}
	body := itemJSON(arg)
	if g.disabled.Load() || len(body) > gcMaxItemBytes || len(params.Events) > g.maxItemEvents {
		return g.s.appendOne(ctx, arg)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("pgevents: append events: %w", err)
	}
	it := &gcItem{arg: arg, body: body, ctx: ctx, nEvents: len(params.Events), done: make(chan struct{}), key: arg.Category + "\x00" + arg.Stream}
	if own := g.submit(it); own != nil {
		// Alone and the store idle: sent from this goroutine, as a single
		// append (unless re-queued after a retryable error).
		g.send(own)
		if b := g.next(); b != nil {
			go g.flush(b)
		}
	}
	select {
	case <-it.done:
	case <-ctx.Done():
		switch g.leave(it) {
		case gcQueued:
			return nil, fmt.Errorf("pgevents: append events: %w (not sent)", ctx.Err())
		case gcSent:
			return nil, fmt.Errorf("pgevents: append events: %w (sent in a batch, it may still commit)", ctx.Err())
		}
		<-it.done // answered meanwhile
	}
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		span.SetAttributes(attrBatchItems.Int(it.batchSize))
	}
	if it.err != nil {
		return nil, it.err
	}
	return &pgevents.AppendResult{Events: it.events}, nil
}

// itemJSON encodes an append as an item of append_batch's p_items.
func itemJSON(arg *pgeventsdb.AppendEventsParams) []byte {
	b := make([]byte, 0, len(arg.Events)+len(arg.Condition)+len(arg.Category)+len(arg.Stream)+64)
	b = append(b, `{"category":`...)
	b = append(b, quote(arg.Category)...)
	b = append(b, `,"stream":`...)
	b = append(b, quote(arg.Stream)...)
	b = append(b, `,"scope":`...)
	b = append(b, quote(arg.Scope)...)
	if arg.Condition != nil {
		b = append(b, `,"condition":`...)
		b = append(b, arg.Condition...)
	}
	b = append(b, `,"events":`...)
	b = append(b, arg.Events...)
	return append(b, '}')
}

// submit queues it, and starts a flusher when a slot is free and the
// queue is due (see the flush policy). When that batch is it alone, the
// caller sends it itself: submit returns the batch, to be sent with send
// and followed by release, under the caller's ctx.
func (g *groupCommit) submit(it *gcItem) (own *gcBatch) {
	g.mu.Lock()
	g.enqueue(it)
	if g.inFlight < g.maxInFlight && g.due() {
		g.inFlight++
		if b := g.queue[0]; len(b.items) == 1 && b.items[0] == it {
			g.popOwn(it.ctx)
			g.mu.Unlock()
			return b
		}
		b := g.pop()
		g.mu.Unlock()
		go g.flush(b)
		return nil
	}
	g.mu.Unlock()
	return nil
}

// due reports whether the first queued batch should be sent now (g.mu
// held): see the flush policy.
func (g *groupCommit) due() bool {
	if len(g.queue) == 0 {
		return false
	}
	if g.busy == 0 || len(g.queue) > 1 {
		return true
	}
	b, total := g.queue[0], g.inDB+g.queued
	if len(b.items) >= g.maxItems || total <= g.maxInFlight {
		return true
	}
	return len(b.items) >= (total+g.maxInFlight-1)/g.maxInFlight &&
		(len(b.items) >= min(g.minItems, (total+1)/2) || b.nEvents >= gcTargetEvents)
}

func (g *groupCommit) newBatch() *gcBatch {
	return &gcBatch{keys: make(map[string]struct{}, 8)}
}

// add puts it in b (g.mu held).
func (g *groupCommit) add(b *gcBatch, it *gcItem) {
	b.items = append(b.items, it)
	b.keys[it.key] = struct{}{}
	b.bytes += len(it.body) + 1
	b.nEvents += it.nEvents
	it.batch, it.state = b, gcQueued
	g.queued++
}

// enqueue puts it in the first collecting batch without its stream that
// has room (g.mu held).
func (g *groupCommit) enqueue(it *gcItem) {
	for _, b := range g.queue {
		if _, dup := b.keys[it.key]; dup || len(b.items) >= g.maxItems || b.bytes+len(it.body) > g.maxBytes ||
			b.nEvents+it.nEvents > g.maxEvents {
			continue
		}
		g.add(b, it)
		return
	}
	b := g.newBatch()
	g.add(b, it)
	g.queue = append(g.queue, b)
}

// pop takes the first collecting batch and marks it sent (g.mu held), with
// a context of its own, cancelled when every caller has left.
func (g *groupCommit) pop() *gcBatch {
	b := g.take()
	b.ctx, b.cancel = context.WithCancel(context.Background())
	return b
}

// popOwn is pop for a batch its only caller sends itself, under ctx.
func (g *groupCommit) popOwn(ctx context.Context) *gcBatch {
	b := g.take()
	b.ctx, b.cancel = ctx, func() {}
	return b
}

// take removes the first collecting batch from the queue and marks it sent
// (g.mu held).
func (g *groupCommit) take() *gcBatch {
	b := g.queue[0]
	g.queue[0] = nil
	g.queue = g.queue[1:]
	g.queued -= len(b.items)
	if len(g.queue) == 0 {
		g.queue = nil
	}
	for _, it := range b.items {
		it.state = gcSent
	}
	b.live = len(b.items)
	return b
}

// leave is called when it's caller's context ends before the answer; it
// returns it's state before: gcQueued (removed, never sent), gcSent (sent,
// may commit) or gcDone (answered meanwhile).
func (g *groupCommit) leave(it *gcItem) gcState {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch st := it.state; st {
	case gcQueued:
		b := it.batch
		for i, x := range b.items {
			if x == it {
				b.items = append(b.items[:i], b.items[i+1:]...)
				break
			}
		}
		delete(b.keys, it.key)
		b.bytes -= len(it.body) + 1
		b.nEvents -= it.nEvents
		g.queued--
		if len(b.items) == 0 {
			for i, x := range g.queue {
				if x == b {
					g.queue = append(g.queue[:i], g.queue[i+1:]...)
					break
				}
			}
		}
		it.state = gcLeft
		return st
	case gcSent:
		it.state = gcLeft
		if b := it.batch; b != nil {
			if b.live--; b.live == 0 {
				b.cancel()
			}
		}
		return st
	}
	return gcDone
}

// flush sends b, then the queued batches while they are due (see the
// flush policy); it holds one of the maxInFlight slots.
func (g *groupCommit) flush(b *gcBatch) {
	for b != nil {
		g.send(b)
		b = g.next()
	}
}

// next pops the next batch if it is due, else releases the caller's slot
// and returns nil.
func (g *groupCommit) next() *gcBatch {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.due() {
		g.inFlight--
		return nil
	}
	return g.pop()
}

// gcResult is one item's outcome in a call.
type gcResult struct {
	err    error // interpreted
	events []pgevents.Event
}

// send runs b to its end: calls (retried after a retryable error or a
// lost connection), answers, re-queues items that failed with a retryable
// error of their own. It returns how many callers it answered.
func (g *groupCommit) send(b *gcBatch) (answered int) {
	s := g.s
	defer b.cancel()
	for attempt := 0; ; attempt++ {
		g.mu.Lock()
		items := liveItems(b.items)
		b.items = items
		if len(items) == 0 {
			g.mu.Unlock()
			return 0
		}
		g.busy++
		g.inDB += len(items)
		g.mu.Unlock()
		g.stats.batch(len(items))
		s.tel.batch(b.ctx, len(items))
		results, err := g.call(b.ctx, items)
		g.mu.Lock()
		g.busy--
		g.inDB -= len(items)
		g.mu.Unlock()
		if err == nil {
			return g.answer(items, results)
		}
		if b.ctx.Err() == nil && (errors.Is(err, pgevents.ErrRetryable) || connectionLost(err)) && attempt < s.cfg.MaxRetries {
			g.stats.add(1, 0)
			if s.onRetry != nil {
				s.onRetry(err)
			}
			for _, it := range items {
				s.tel.retry(it.ctx, err)
			}
			timer := time.NewTimer(s.backoff(attempt))
			select {
			case <-b.ctx.Done():
			case <-timer.C:
			}
			timer.Stop()
			continue
		}
		if b.ctx.Err() == nil && !errors.Is(err, pgevents.ErrRetryable) && !connectionLost(err) {
			// A failure of the call as a whole (over the call's limits, or
			// no append_batch in this database): each append alone.
			return g.fallback(items, err)
		}
		if attempt > 0 && b.ctx.Err() == nil {
			err = fmt.Errorf("pgevents: giving up after %d attempts: %w", attempt+1, err)
		}
		results = make([]gcResult, len(items))
		for i := range results {
			results[i].err = err
		}
		return g.answer(items, results)
	}
}

// liveItems drops the items whose caller left (g.mu held).
func liveItems(items []*gcItem) []*gcItem {
	out := items[:0]
	for _, it := range items {
		if it.state == gcSent {
			out = append(out, it)
		}
	}
	clear(items[len(out):])
	return out
}

// fallback sends each item alone through pgevents.append, after the batch
// failed as a whole with err.
func (g *groupCommit) fallback(items []*gcItem, err error) int {
	var ie *pgevents.InvalidInputError
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &ie) && ie.Code == pgevents.CodeLimitExceeded:
		// Over the call's limits (settings lower than gcMaxBatch*): send
		// smaller batches from now on.
		var size, events int
		for _, it := range items {
			size, events = size+len(it.body)+1, events+it.nEvents
		}
		g.mu.Lock()
		g.maxBytes = max(65536, min(g.maxBytes, size/2))
		g.maxEvents = max(100, min(g.maxEvents, events/2))
		g.mu.Unlock()
	case errors.As(err, &pgErr) && (pgErr.Code == "42883" || pgErr.Code == "42501"):
		g.disabled.Store(true) // no append_batch here, or no right to call it
	}
	g.stats.add(0, int64(len(items)))
	results := make([]gcResult, len(items))
	for i, it := range items {
		res, err := g.s.appendOne(it.ctx, it.arg)
		if err != nil {
			results[i].err = err
		} else {
			results[i].events = res.Events
		}
	}
	return g.answer(items, results)
}

// answer gives each item its result, or re-queues it after a retryable
// error of its own; it returns how many callers it answered.
func (g *groupCommit) answer(items []*gcItem, results []gcResult) (answered int) {
	s := g.s
	for i, it := range items {
		if results[i].err == nil {
			s.afterAppend(it.arg.Category)
		}
	}
	var requeued int64
	g.mu.Lock()
	for i, it := range items {
		r := results[i]
		if it.state != gcSent {
			continue // left
		}
		if r.err != nil && errors.Is(r.err, pgevents.ErrRetryable) && it.ctx.Err() == nil {
			it.attempts++
			if it.attempts <= s.cfg.MaxRetries {
				requeued++
				if s.onRetry != nil {
					s.onRetry(r.err)
				}
				s.tel.retry(it.ctx, r.err)
				g.enqueue(it)
				continue
			}
			r.err = fmt.Errorf("pgevents: giving up after %d attempts: %w", it.attempts, r.err)
		}
		it.batchSize = len(items)
		it.events, it.err = r.events, r.err
		it.state = gcDone
		close(it.done)
		answered++
	}
	g.mu.Unlock()
	if requeued > 0 {
		g.stats.add(requeued, 0)
	}
	return answered
}

// call sends items in one transaction: append_batch, or append for a lone
// item (unless batchOnly). The error is that of the call as a whole; each
// item's own error is in its result, interpreted.
func (g *groupCommit) call(ctx context.Context, items []*gcItem) ([]gcResult, error) {
	if g.callHook != nil {
		return g.callHook(ctx, items)
	}
	return g.s.callBatch(ctx, g.s.pool, items, !g.batchOnly)
}

// callBatch sends items in one call on db: pgevents.append_batch, or
// pgevents.append for a lone item when single is set. The error is that of
// the call as a whole (a lost connection, ctx, a whole-call limit); each
// item's own error is in its result, interpreted as AppendEvents does.
func (s *Store) callBatch(ctx context.Context, db pgeventsdb.DBTX, items []*gcItem, single bool) ([]gcResult, error) {
	if len(items) == 1 && single {
		rows, err := s.queries.AppendEvents(ctx, db, items[0].arg)
		switch {
		case err == nil:
			return []gcResult{{events: eventsFromInternal(rows)}}, nil
		case ctx.Err() != nil || connectionLost(err):
			return nil, interpretError("append events", err)
		}
		return []gcResult{{err: interpretError("append events", err)}}, nil
	}
	size := 2
	for _, it := range items {
		size += len(it.body) + 1
	}
	body := make([]byte, 0, size)
	body = append(body, '[')
	for i, it := range items {
		if i > 0 {
			body = append(body, ',')
		}
		body = append(body, it.body...)
	}
	body = append(body, ']')
	rows, err := s.queries.AppendBatch(ctx, db, body)
	if err != nil {
		return nil, interpretError("append batch", err)
	}
	results := make([]gcResult, len(items))
	for i := range results {
		results[i].events = []pgevents.Event{}
	}
	for _, r := range rows {
		if r.Item < 0 || int(r.Item) >= len(items) {
			return nil, fmt.Errorf("pgevents: append batch: a row for item %d of %d", r.Item, len(items))
		}
		res := &results[r.Item]
		switch {
		case r.ErrorCode != nil:
			res.err = interpretError("append events", itemError(r))
		case r.ID != nil:
			res.events = append(res.events, batchEventFromInternal(r))
		}
	}
	return results, nil
}

// itemError rebuilds the error an item of append_batch failed with, as
// pgevents.append would have raised it, for interpretError. The constraint
// of a unique violation (23505) is only in its message.
func itemError(r *pgeventsdb.AppendBatchResult) *pgconn.PgError {
	e := &pgconn.PgError{Severity: "ERROR", Code: *r.ErrorCode}
	if r.ErrorMessage != nil {
		e.Message = *r.ErrorMessage
	}
	if r.ErrorDetail != nil {
		e.Detail = *r.ErrorDetail
	}
	if r.ErrorHint != nil {
		e.Hint = *r.ErrorHint
	}
	if e.Code == "23505" {
		if _, after, ok := strings.Cut(e.Message, `unique constraint "`); ok {
			e.ConstraintName, _, _ = strings.Cut(after, `"`)
		}
	}
	return e
}

// batchEventFromInternal converts an event row of append_batch (every event
// column set).
func batchEventFromInternal(r *pgeventsdb.AppendBatchResult) pgevents.Event {
	return pgevents.Event{
		Category:       deref(r.Category),
		ID:             deref(r.ID),
		Metadata:       r.Metadata,
		Name:           deref(r.Name),
		ObservedAt:     deref(r.ObservedAt).UTC(),
		OccurredAt:     deref(r.OccurredAt).UTC(),
		Payload:        r.Payload,
		Position:       deref(r.Position),
		SequenceNumber: deref(r.SequenceNumber),
		Stream:         deref(r.Stream),
		TransactionID:  deref(r.TransactionID),
	}
}

// connectionLost reports whether err means the connection broke (the
// outcome of what was sent is unknown): the server ended the session
// (class 08, 57P01..57P03), or the network failed. Retrying a batch is
// then safe, as every event has its id (an exact retry returns the stored
// events).
func connectionLost(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return strings.HasPrefix(pgErr.Code, "08") || pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03"
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var netErr net.Error
	var connectErr *pgconn.ConnectError
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &netErr) ||
		errors.As(err, &connectErr) || errors.Is(err, net.ErrClosed) || pgconn.SafeToRetry(err)
}

// appendOne is the single append: pgevents.append in a transaction of its
// own, retried (Store.run), then AfterAppend.
func (s *Store) appendOne(ctx context.Context, arg *pgeventsdb.AppendEventsParams) (*pgevents.AppendResult, error) {
	var rows []*pgeventsdb.Event
	err := s.run(ctx, func(ctx context.Context, db pgeventsdb.DBTX) (err error) {
		rows, err = s.queries.AppendEvents(ctx, db, arg)
		return interpretError("append events", err)
	})
	if err != nil {
		return nil, err
	}
	s.afterAppend(arg.Category)
	return &pgevents.AppendResult{Events: eventsFromInternal(rows)}, nil
}
