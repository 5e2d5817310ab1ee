package memstore

import (
	"fmt"
	"time"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/memstore/internal/jsonb"
)

// Limits are a Store's write limits, the counterparts of PostgreSQL's
// installation settings of the same names (pgevents.settings). An append
// over one fails with an *pgevents.InvalidInputError of Code
// pgevents.CodeLimitExceeded (PE112; errors.Is ErrLimitExceeded) and writes
// nothing. A zero field means PostgreSQL's default; a value below the floor
// PostgreSQL allows is a programmer error (New panics).
type Limits struct {
	// MaxAppendEvents is the most events one AppendEvents or AppendStreams
	// call may carry (max_append_events). At least 100. Defaults to 10000.
	MaxAppendEvents int
	// MaxAppendSize is the largest JSON text, in bytes, of the events of one
	// call, as PostgreSQL prints the events array the driver sends (for
	// AppendStreams, the sum over its streams) (max_append_size). At least
	// 65536. Defaults to 16777216.
	MaxAppendSize int
	// MaxEventDepth is the deepest nesting of arrays and objects in an
	// event's payload or metadata: a scalar is 0, [] and {} are 1
	// (max_event_depth). 32 to 999. Defaults to 64.
	MaxEventDepth int
	// MaxEventSize is the largest payload + metadata of one event, in bytes
	// of their JSON text as PostgreSQL prints it (nil metadata counts as
	// null) (max_event_size). At least 65536. Defaults to 1048576.
	MaxEventSize int
}

// withDefaults returns l with zero fields set to the defaults, and panics
// on a value PostgreSQL's settings would refuse.
func (l Limits) withDefaults() Limits {
	for _, f := range []struct {
		name          string
		v             *int
		def, min, max int
	}{
		{"MaxAppendEvents", &l.MaxAppendEvents, 10000, 100, 999999999},
		{"MaxAppendSize", &l.MaxAppendSize, 16777216, 65536, 1 << 62},
		{"MaxEventDepth", &l.MaxEventDepth, 64, 32, 999},
		{"MaxEventSize", &l.MaxEventSize, 1048576, 65536, 1 << 62},
	} {
		if *f.v == 0 {
			*f.v = f.def
		}
		if *f.v < f.min || *f.v > f.max {
			panic(fmt.Sprintf("pgevents: memstore: Limits.%s must be 0 (the default) or %d to %d (got %d)", f.name, f.min, f.max, *f.v))
		}
	}
	return l
}

func limitExceeded(field, reason string) error {
	return &pgevents.InvalidInputError{Code: pgevents.CodeLimitExceeded, Field: field, Reason: reason}
}

// checkLimits is pgevents.write_stream's check of the write limits
// (pgevents.check_write_limits): the first limit events exceed, in
// PostgreSQL's order: the count, then per event its size and the depth of
// its payload and metadata, then the size of the whole batch.
func (l Limits) checkLimits(field string, events []newEvent) error {
	if len(events) > l.MaxAppendEvents {
		return limitExceeded(field, fmt.Sprintf("must hold at most %d events (got %d)", l.MaxAppendEvents, len(events)))
	}
	for i, e := range events {
		f := fmt.Sprintf("%s[%d]", field, i)
		if size := len(e.payload) + len(e.metadata); size > l.MaxEventSize {
			return limitExceeded(f, fmt.Sprintf("payload and metadata must be at most %d bytes of JSON (got %d)", l.MaxEventSize, size))
		}
		for _, part := range []struct {
			name string
			text []byte
		}{{"payload", e.payload}, {"metadata", e.metadata}} {
			if jsonb.Depth(part.text) > l.MaxEventDepth {
				return limitExceeded(f+"."+part.name, fmt.Sprintf("must nest arrays and objects at most %d levels deep", l.MaxEventDepth))
			}
		}
	}
	if size := eventsTextSize(events); size > l.MaxAppendSize {
		return limitExceeded(field, fmt.Sprintf("must be at most %d bytes of JSON (got %d)", l.MaxAppendSize, size))
	}
	return nil
}

// eventsTextSize is the length of the events array pgstore sends, as
// PostgreSQL's jsonb prints it (what octet_length(events::text) measures):
// [{"id": "…", "name": "…", "payload": …, "metadata": …, "observed_at":
// "…", "occurred_at": "…"}, …], keys in jsonb's order, the times as the
// driver encodes them.
func eventsTextSize(events []newEvent) int {
	size := len("[]")
	for i, e := range events {
		if i > 0 {
			size += len(", ")
		}
		size += len(`{"id": "`) + len(e.id.String()) + len(`", "name": `) + len(jsonb.QuoteString(e.name)) +
			len(`, "payload": `) + len(e.payload) + len(`, "metadata": `) + len(e.metadata) + len("}")
		for _, t := range []struct {
			key string
			at  time.Time
		}{{"observed_at", e.observedAt}, {"occurred_at", e.occurredAt}} {
			if !t.at.IsZero() {
				b, _ := t.at.MarshalJSON() // years 1..9999: checked by encodeEvents
				size += len(`, "`) + len(t.key) + len(`": `) + len(b)
			}
		}
	}
	return size
}
