package memstore

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/pgevents/pgevents"
)

// ConditionFunc implements a custom write condition type (see
// Config.Conditions), the counterpart of a SQL function registered with
// pgevents.register_condition_type. It returns whether the condition is
// met.
//
// It receives the target stream, the stream's latest event (nil when the
// stream is empty) and the condition as PostgreSQL would receive it: decoded
// from its JSON form, so condition.Params holds JSON values (numbers are
// float64, objects map[string]any). It runs under the store's lock, inside
// the append, so it is never called concurrently; it must not call the Store
// (that would block forever). A non-nil error fails the append (nothing is
// written) and is returned wrapped, matchable with errors.Is.
type ConditionFunc func(category, stream string, latest *pgevents.Event, condition pgevents.Condition) (bool, error)

// Config configures a Store. The zero value (or nil) means defaults.
type Config struct {
	// AllowObservedAt lets appends set NewEvent.ObservedAt (imports), as the
	// installation setting allow_observed_at does in PostgreSQL. Even then an
	// ObservedAt earlier than the one before it in the stream is refused
	// (CodeInvalidEvents). Defaults to false: every ObservedAt is refused.
	AllowObservedAt bool
	// Clock returns the time recorded as observed_at for events that do not
	// override it (truncated to microseconds, in UTC). It is called at most
	// once per stream written by an append, under the store's lock, so the
	// times it returns are recorded in position order. Defaults to time.Now.
	Clock func() time.Time
	// Conditions registers custom write condition types by name, like
	// pgevents.register_condition_type does in PostgreSQL. A name must match
	// [a-z][a-z0-9_]{0,62} and must not be a built-in type (none,
	// position_is, stream_is_empty, stream_exists, and, or). Defaults to none.
	Conditions map[string]ConditionFunc
	// Limits are the write limits (see Limits). Defaults to PostgreSQL's
	// defaults.
	Limits Limits
}

// Store is an in-memory pgevents.Store. It holds every event in memory,
// forever, and is safe for concurrent use. See the package documentation
// for how it differs from PostgreSQL.
type Store struct {
	mem *memory
	tx  *txState // non-nil in the Store that InTx passes to its function
}

// New returns an empty Store configured by cfg (nil means defaults).
//
// It panics when cfg registers a condition type under an invalid or built-in
// name, or with a nil function, or sets a limit PostgreSQL would refuse:
// those are programmer errors, fixed in code.
func New(cfg *Config) *Store {
	if cfg == nil {
		cfg = &Config{}
	}
	m := &memory{
		allowObservedAt: cfg.AllowObservedAt,
		byID:            map[uuid.UUID]int{},
		categories:      map[string][]int{},
		clock:           cfg.Clock,
		conditions:      make(map[string]ConditionFunc, len(cfg.Conditions)),
		limits:          cfg.Limits.withDefaults(),
		streams:         map[streamKey][]int{},
	}
	if m.clock == nil {
		m.clock = time.Now
	}
	for name, fn := range cfg.Conditions {
		if !conditionTypeRe.MatchString(name) || builtinConditions[name] {
			panic(fmt.Sprintf("pgevents: memstore: invalid condition type name %q: it must match [a-z][a-z0-9_]{0,62} and not be a built-in type", name))
		}
		if fn == nil {
			panic(fmt.Sprintf("pgevents: memstore: condition type %q has a nil ConditionFunc", name))
		}
		m.conditions[name] = fn
	}
	return &Store{mem: m}
}

var (
	conditionTypeRe   = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
	builtinConditions = map[string]bool{
		pgevents.ConditionNone: true, pgevents.ConditionPositionIs: true, pgevents.ConditionStreamIsEmpty: true,
		pgevents.ConditionStreamExists: true, pgevents.ConditionAnd: true, pgevents.ConditionOr: true,
	}
)

// errTxEnded is returned by a Store bound to a transaction that has ended.
var errTxEnded = errors.New("pgevents: memstore: the transaction has ended; use the Store InTx passes only inside its function")

// InTx runs fn in a transaction: fn gets a Store bound to it, whose appends
// commit together when fn returns nil and are all undone when fn returns an
// error or panics. It returns fn's error (or re-panics).
//
// The transaction holds the store's lock from start to end: other
// goroutines' calls (reads included) wait until it ends, so keep it short.
// fn must use only the Store it is given: calling the outer Store (or
// another Store over the same memory) from fn blocks forever. The bound
// Store is safe for concurrent use and fails with an error after fn returns.
//
// Inside the transaction, ReadStream and LatestEvent see its own appends,
// and ReadEvents does not (like PostgreSQL, where a transaction's own events
// are above the snapshot fence until it commits). Every append of the
// transaction gets the same TransactionID. Unlike PostgreSQL, a failed call
// inside the transaction undoes only itself (as if each call ran in a
// savepoint); the transaction goes on. Calling InTx on a bound Store runs fn
// in a nested transaction (a savepoint) of the same transaction.
//
// ctx is checked before the transaction starts; waiting for the lock is not
// interruptible.
func (s *Store) InTx(ctx context.Context, fn func(ctx context.Context, tx *Store) error) (err error) {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("pgevents: transaction: %w", err)
	}
	if s.tx != nil {
		s.tx.mu.Lock()
		if s.tx.ended {
			s.tx.mu.Unlock()
			return errTxEnded
		}
		mark := len(s.mem.events)
		s.tx.mu.Unlock()
		done := false
		defer func() {
			if !done {
				s.tx.mu.Lock()
				s.mem.truncate(mark)
				s.tx.mu.Unlock()
			}
		}()
		err = fn(ctx, s)
		done = err == nil
		return err
	}
	s.mem.mu.Lock()
	mark := len(s.mem.events)
	tx := &txState{visible: mark}
	committed := false
	defer func() {
		tx.mu.Lock()
		tx.ended = true
		if !committed {
			s.mem.truncate(mark)
		}
		tx.mu.Unlock()
		s.mem.mu.Unlock()
	}()
	err = fn(ctx, &Store{mem: s.mem, tx: tx})
	committed = err == nil
	return err
}

// memory is the state shared by a Store and the Stores bound to its
// transactions.
type memory struct {
	allowObservedAt bool
	clock           func() time.Time
	conditions      map[string]ConditionFunc
	limits          Limits

	mu sync.RWMutex
	// events is the log in insertion order, which is also (TransactionID,
	// SequenceNumber) order: writes are serialised and each takes its
	// transaction id when it first inserts.
	events     []pgevents.Event
	byID       map[uuid.UUID]int   // event id -> index in events
	categories map[string][]int    // category -> indexes in events, ascending
	streams    map[streamKey][]int // stream -> indexes in events; index i is position i
	lastSeq    int64               // the last sequence number given
	lastTx     uint64              // the last transaction id given
}

type streamKey struct {
	category, stream string
}

// txState is the state of one write call, or of a transaction of InTx.
type txState struct {
	mu      sync.Mutex // serialises the calls of a bound Store
	ended   bool
	id      uint64 // 0 until the first insert
	visible int    // events below this index are visible to ReadEvents in the transaction
}

// txID returns the transaction's id, taking the next one at its first insert.
func (m *memory) txID(tx *txState) uint64 {
	if tx.id == 0 {
		m.lastTx++
		tx.id = m.lastTx
	}
	return tx.id
}

// insert stores e (its TransactionID and SequenceNumber set here) and returns it.
func (m *memory) insert(tx *txState, e pgevents.Event) pgevents.Event {
	e.TransactionID = m.txID(tx)
	m.lastSeq++
	e.SequenceNumber = m.lastSeq
	i := len(m.events)
	m.events = append(m.events, e)
	m.byID[e.ID] = i
	m.categories[e.Category] = append(m.categories[e.Category], i)
	k := streamKey{e.Category, e.Stream}
	m.streams[k] = append(m.streams[k], i)
	return e
}

// truncate removes the events from index mark on (a rollback). Transaction
// ids and sequence numbers are not given back: like PostgreSQL's, they may
// have gaps.
func (m *memory) truncate(mark int) {
	for i := len(m.events) - 1; i >= mark; i-- {
		e := m.events[i]
		delete(m.byID, e.ID)
		if idx := m.categories[e.Category]; len(idx) > 1 {
			m.categories[e.Category] = idx[:len(idx)-1]
		} else {
			delete(m.categories, e.Category)
		}
		k := streamKey{e.Category, e.Stream}
		if idx := m.streams[k]; len(idx) > 1 {
			m.streams[k] = idx[:len(idx)-1]
		} else {
			delete(m.streams, k)
		}
		m.events[i] = pgevents.Event{}
	}
	m.events = m.events[:mark]
}

// latest returns the stream's latest event, or nil.
func (m *memory) latest(category, stream string) *pgevents.Event {
	idx := m.streams[streamKey{category, stream}]
	if len(idx) == 0 {
		return nil
	}
	return &m.events[idx[len(idx)-1]]
}

// after returns the first i in idx whose event sorts after cursor c.
func (m *memory) after(idx []int, n int, c pgevents.Cursor) int {
	return sort.Search(n, func(i int) bool { return c.Less(m.events[idx[i]].Cursor()) })
}

// write runs fn with the store locked for writing (or in the bound
// transaction), undoing whatever fn inserted when it fails.
func (s *Store) write(ctx context.Context, op string, fn func(tx *txState) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("pgevents: %s: %w", op, err)
	}
	tx := s.tx
	if tx != nil {
		tx.mu.Lock()
		defer tx.mu.Unlock()
		if tx.ended {
			return errTxEnded
		}
	} else {
		s.mem.mu.Lock()
		defer s.mem.mu.Unlock()
		tx = &txState{}
	}
	mark := len(s.mem.events)
	if err := fn(tx); err != nil {
		s.mem.truncate(mark)
		return err
	}
	return nil
}

// read runs fn with the store locked for reading (or in the bound
// transaction). fn gets the number of events of the log visible to
// ReadEvents.
func (s *Store) read(ctx context.Context, op string, fn func(visible int) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("pgevents: %s: %w", op, err)
	}
	if s.tx != nil {
		s.tx.mu.Lock()
		defer s.tx.mu.Unlock()
		if s.tx.ended {
			return errTxEnded
		}
		return fn(s.tx.visible)
	}
	s.mem.mu.RLock()
	defer s.mem.mu.RUnlock()
	return fn(len(s.mem.events))
}

// cloneEvent returns e with its own copies of the JSON, so callers cannot
// change what is stored.
func cloneEvent(e pgevents.Event) pgevents.Event {
	e.Payload = append([]byte(nil), e.Payload...)
	e.Metadata = append([]byte(nil), e.Metadata...)
	return e
}
