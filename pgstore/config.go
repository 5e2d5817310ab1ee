package pgstore

import (
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// Default values of Config's fields.
const (
	// DefaultMaxRetries is Config.MaxRetries' default.
	DefaultMaxRetries = 10
	// DefaultRetryBackoff is Config.RetryBackoff's default.
	DefaultRetryBackoff = 5 * time.Millisecond
)

// DefaultGroupCommitMaxInFlight returns Config.GroupCommitMaxInFlight's
// default: 2 × runtime.GOMAXPROCS(0), at least 4. Up to that many
// concurrent appends each go alone (so latency at low concurrency is that
// of a plain append); beyond, the appends in progress are shared among at
// most that many batches (see Config.GroupCommitMaxInFlight).
func DefaultGroupCommitMaxInFlight() int {
	return max(4, 2*runtime.GOMAXPROCS(0))
}

// maxBackoffDoublings caps the exponential growth of the retry backoff at
// RetryBackoff * 2^maxBackoffDoublings.
const maxBackoffDoublings = 6

// Config configures a Store. It may be omitted as nil (all defaults); a zero
// field means its documented default. New copies it, so changing it after
// New has no effect.
type Config struct {
	// AfterAppend, when set, is called after each AppendEvents or
	// AppendStreams that committed in a transaction the Store owns, with the
	// category appended to (not for appends in a caller's transaction: the
	// caller knows when it commits). It runs on the appending goroutine (with
	// group commit, on the goroutine that sent the batch, once per committed
	// append, before its caller returns, even if that caller has left) and
	// must not block: pgstore.Notifier.Appended, which wakes consumers with
	// one coalesced NOTIFY sent after the commit, is the intended use.
	// Defaults to nil.
	AfterAppend func(category string)
	// DisableGroupCommit turns off the group commit: when false (the
	// default), concurrent AppendEvents calls on a Store that owns its
	// transactions (not bound by WithTx) are coalesced into
	// pgevents.append_batch calls, each a single transaction of many
	// independent appends (at most one per stream), so that concurrent
	// writers share commits. A call finding the Store idle is sent at once
	// (no added delay); calls arriving while GroupCommitMaxInFlight batches
	// are in the database collect into the next one. Every caller gets its
	// own result or its own error, exactly as without coalescing; see
	// AppendEvents for what a context ending mid-way means. AppendEventsTx,
	// WithTx stores, AppendStreams and appends of more than
	// GroupCommitMaxAppendEvents events (which share their transaction
	// among their events already) are never coalesced. Defaults to false
	// (group commit on).
	DisableGroupCommit bool
	// GroupCommitMaxBatch is the most appends one append_batch call
	// carries. Defaults to DefaultGroupCommitMaxBatch (64).
	GroupCommitMaxBatch int
	// GroupCommitMaxAppendEvents: appends of more events are never
	// coalesced (each goes alone, through pgevents.append: such an append
	// already shares its transaction among its events). Defaults to
	// DefaultGroupCommitMaxAppendEvents (16).
	GroupCommitMaxAppendEvents int
	// GroupCommitMaxInFlight is how many append_batch calls the group
	// commit runs at once, each on a connection of the pool (never more
	// than the pool's MaxConns). While no more appends are in progress than
	// that, each goes alone; beyond, the next batch collects while batches
	// are in the database, and is sent when one ends or when it holds its
	// share of the appends in progress (and at least 8, or half of them).
	// Defaults to DefaultGroupCommitMaxInFlight() (2 × GOMAXPROCS, at
	// least 4).
	GroupCommitMaxInFlight int
	// GroupCommitMinBatch: while batches are in the database, the next one
	// is not sent (unless a batch ends) before it holds its share of the
	// appends in progress and at least GroupCommitMinBatch of them (or
	// half of them, or 32 events), so that batches stay big. Defaults to
	// DefaultGroupCommitMinBatch (8).
	GroupCommitMinBatch int
	// MaxRetries is how many times an operation that runs in a transaction
	// the Store owns (every call on a Store not bound to a caller's
	// transaction) is retried after a retryable conflict: an error matching
	// pgevents.ErrRetryable (SQLSTATE 40001 serialization failure, 40P01
	// deadlock, 23505 on the events' unique keys). The whole operation is
	// retried with the same event ids, so a retry never duplicates events.
	// Operations in a caller's transaction (WithTx, the ...Tx methods) are
	// never retried. Unmet conditions are never retried (see
	// pgevents.RetryOnConditionFailed). -1 disables retries. Defaults to
	// DefaultMaxRetries (10).
	MaxRetries int
	// MeterProvider gives the Store's OpenTelemetry meter (instrumentation
	// scope InstrumentationName): counters of appends, events appended and
	// read, read pages, errors by SQLSTATE class, unmet conditions and
	// retries, a histogram of call durations, gauges of the fence lag. nil
	// means otel.GetMeterProvider(), a no-op unless the application installs
	// an SDK. See the README's telemetry section for every name.
	MeterProvider metric.MeterProvider
	// ReadPool, when set, serves the Store's reads (ReadStream, ReadEvents,
	// LatestEvent, FenceLag and the stats methods) while appends go to the
	// pool given to New: typically a pool on a hot standby (streaming
	// replica). Reads from a standby keep the resumable-order guarantee (the
	// fence comes from the standby's own snapshot) but lag the primary: see
	// the README's section on replicas. A Store bound to a caller's
	// transaction (WithTx) reads in that transaction. The Store never closes
	// it. nil means the pool given to New.
	ReadPool *pgxpool.Pool
	// RetryBackoff is the base delay before a retry: before retry n (from 0)
	// the Store sleeps a random duration between half and all of
	// RetryBackoff * 2^min(n, 6), or until the operation's context ends.
	// Defaults to DefaultRetryBackoff (5ms).
	RetryBackoff time.Duration
	// TracerProvider gives the Store's OpenTelemetry tracer: one span per
	// call (pgevents.append, pgevents.read_events, ...) with the category,
	// stream and scope as attributes, and an event per retry. nil means
	// otel.GetTracerProvider(), a no-op unless the application installs an
	// SDK.
	TracerProvider trace.TracerProvider
}

// withDefaults returns a validated copy of cfg (nil meaning all defaults)
// with zero fields set to their defaults.
func (cfg *Config) withDefaults() (Config, error) {
	var c Config
	if cfg != nil {
		c = *cfg
	}
	switch {
	case c.MaxRetries < -1:
		return Config{}, fmt.Errorf("pgevents: pgstore: invalid Config.MaxRetries %d: must be -1 (no retries), 0 (the default, %d) or positive",
			c.MaxRetries, DefaultMaxRetries)
	case c.MaxRetries == 0:
		c.MaxRetries = DefaultMaxRetries
	case c.MaxRetries == -1:
		c.MaxRetries = 0
	}
	switch {
	case c.RetryBackoff < 0:
		return Config{}, fmt.Errorf("pgevents: pgstore: invalid Config.RetryBackoff %s: must not be negative (0 means the default, %s)",
			c.RetryBackoff, DefaultRetryBackoff)
	case c.RetryBackoff == 0:
		c.RetryBackoff = DefaultRetryBackoff
	}
	for _, f := range []struct {
		name string
		v    *int
		def  int
	}{
		{"GroupCommitMaxBatch", &c.GroupCommitMaxBatch, DefaultGroupCommitMaxBatch},
		{"GroupCommitMinBatch", &c.GroupCommitMinBatch, DefaultGroupCommitMinBatch},
		{"GroupCommitMaxAppendEvents", &c.GroupCommitMaxAppendEvents, DefaultGroupCommitMaxAppendEvents},
		{"GroupCommitMaxInFlight", &c.GroupCommitMaxInFlight, DefaultGroupCommitMaxInFlight()},
	} {
		switch {
		case *f.v < 0:
			return Config{}, fmt.Errorf("pgevents: pgstore: invalid Config.%s %d: must not be negative (0 means the default, %d)",
				f.name, *f.v, f.def)
		case *f.v == 0:
			*f.v = f.def
		}
	}
	return c, nil
}

var errNilPool = errors.New("pgevents: pgstore: New needs a *pgxpool.Pool (got nil)")
