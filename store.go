package pgevents

import (
	"context"
	"fmt"

	"github.com/google/uuid"
)

// Scope is the serialisation scope of a write: which lock it takes before
// reading the stream's latest position, held until commit (row locks on
// tables only the pgevents owner may lock, so no other session can take
// them).
//
// The stream's own lock is always taken, so positions and conditions are
// exact under every scope; a wider scope additionally serialises every
// writer of the category or log that uses it. The default, ScopeStream, lets
// writers of different streams commit in parallel: readers stay correct
// because resumable reads order events by (transaction id, sequence number)
// below the snapshot fence, not by sequence number alone. Choose ScopeLog
// only for readers of the legacy sequence-number order
// (pgevents.read_log_by_sequence): it caps throughput at one commit at a time.
type Scope string

const (
	// ScopeStream serialises writers of one stream (the default).
	ScopeStream Scope = "stream"
	// ScopeCategory serialises writers of one category that use this scope.
	ScopeCategory Scope = "category"
	// ScopeLog serialises every writer that uses this scope.
	ScopeLog Scope = "log"
)

// Validate returns an *InvalidInputError (CodeInvalidScope) for an unknown
// scope. The empty scope is valid and means ScopeStream.
func (s Scope) Validate() error {
	switch s {
	case "", ScopeStream, ScopeCategory, ScopeLog:
		return nil
	}
	return &InvalidInputError{Code: CodeInvalidScope, Field: "scope",
		Reason: fmt.Sprintf("must be log, category or stream (got %q)", string(s))}
}

// OrDefault returns s, or ScopeStream when s is empty.
func (s Scope) OrDefault() Scope {
	if s == "" {
		return ScopeStream
	}
	return s
}

// DefaultLimit is the page size of reads whose Limit is zero.
const DefaultLimit = 1000

// Store is the storage contract that adapters implement: pgstore
// (PostgreSQL) and memstore (in memory) do, and third parties may. Every
// adapter must pass the contract suite in package storetest.
//
// Adding a method to Store is a breaking change, so it is small; optional
// abilities live in separate interfaces found by type assertion. Most code
// uses the handles of a Client, built on a Store, rather than Store directly.
//
// All methods are safe for concurrent use and return typed errors: an unmet
// condition is a *ConditionError (ErrConditionFailed), bad input an
// *InvalidInputError (ErrInvalidInput), a retryable conflict ErrRetryable.
// A failed call writes nothing.
type Store interface {
	// AppendEvents appends events to one stream atomically, under
	// params.Condition and params.Scope, and returns them as stored, in
	// input order, at positions latest+1, latest+2, ... (0 for a new
	// stream). No events is a no-op that still evaluates the condition.
	// Appending events whose ids are all stored in the stream with the same
	// content returns the stored events (an idempotent retry); any other
	// reuse of an id fails with ErrEventIDConflict. Events without an id get
	// the ids of params.EventsWithIDs, so calling it again with the same
	// *AppendParams (after an error whose outcome is unknown, such as a lost
	// connection) is an idempotent retry.
	AppendEvents(ctx context.Context, params *AppendParams) (*AppendResult, error)
	// AppendStreams appends to several streams of one category, all or
	// nothing. Results are ordered by stream name (byte order), then input
	// order. Events without an id get the ids of params.EventsWithIDs, as
	// in AppendEvents.
	AppendStreams(ctx context.Context, params *AppendStreamsParams) (*AppendResult, error)
	// ReadStream returns a stream's events in position order from
	// params.FromPosition, at most params.Limit of them.
	ReadStream(ctx context.Context, params *ReadStreamParams) ([]Event, error)
	// ReadEvents returns the events of a category (or the log, when
	// params.Category is empty) after params.After, in resumable order:
	// resuming from the cursor of the last event returned never skips or
	// repeats an event, whatever writers do concurrently. Events of
	// transactions that may still be followed by earlier-sorting commits are
	// held back until that is impossible (see the README on the fence). A
	// cursor no read can have returned (a negative sequence number, a
	// transaction id not assigned yet) is refused with an *InvalidInputError
	// (CodeInvalidReadArgument), never read as "nothing yet". Payloads are
	// returned as stored, undecoded.
	ReadEvents(ctx context.Context, params *ReadEventsParams) ([]Event, error)
	// LatestEvent returns the latest event of a stream (by position), a
	// category or the log (by resumable order, including events not yet
	// past the fence). It returns ErrNotFound when there is none.
	LatestEvent(ctx context.Context, params *LatestEventParams) (*Event, error)
}

// AppendParams are the parameters of Store.AppendEvents.
//
// An *AppendParams value is one append: the ids generated for its events
// without one are kept in it (see EventsWithIDs), so passing the same
// *AppendParams again, after an error such as a lost connection, retries
// that append idempotently instead of appending the events a second time.
// Use a new AppendParams (or events with new IDs) for a new append. It must
// not be used by concurrent calls.
type AppendParams struct {
	// Category of the stream. Required.
	Category string
	// Condition to meet, evaluated under the stream's lock against its latest
	// event. Defaults to none.
	Condition Condition
	// Events to append, in order. May be empty.
	Events []NewEvent
	// Scope is the serialisation scope. Defaults to ScopeStream.
	Scope Scope
	// Stream name within Category. Required.
	Stream string

	ids generatedIDs // ids generated for Events, see EventsWithIDs
}

// EventsWithIDs returns a copy of p.Events in which every event without an
// ID (the zero UUID) has a generated UUIDv7. The ids are generated once and
// kept in p: later calls on the same *AppendParams, while p.Events is the
// same slice (same first element and length), return the same ids. Adapters
// call it before their first attempt, which makes a retry of the same
// *AppendParams idempotent (Store.AppendEvents returns the stored events of
// an exact retry). p.Events itself is not modified.
func (p *AppendParams) EventsWithIDs() ([]NewEvent, error) {
	return p.ids.apply(p.Events)
}

// AppendStreamsParams are the parameters of Store.AppendStreams.
//
// Like an *AppendParams, an *AppendStreamsParams value is one append: passing
// the same value again retries it idempotently (see EventsWithIDs). It must
// not be used by concurrent calls.
type AppendStreamsParams struct {
	// Category of every stream. Required.
	Category string
	// Scope is the serialisation scope. Defaults to ScopeStream.
	Scope Scope
	// Streams maps a stream name to what to append to it.
	Streams map[string]StreamAppend

	ids map[string]*generatedIDs // ids generated per stream, see EventsWithIDs
}

// EventsWithIDs returns, for each stream of p.Streams, a copy of its events
// in which every event without an ID has a generated UUIDv7, generated once
// and kept in p as AppendParams.EventsWithIDs does (per stream name, while
// the stream's Events slice stays the same). p.Streams is not modified.
func (p *AppendStreamsParams) EventsWithIDs() (map[string][]NewEvent, error) {
	if p.ids == nil {
		p.ids = make(map[string]*generatedIDs, len(p.Streams))
	}
	out := make(map[string][]NewEvent, len(p.Streams))
	for name, sa := range p.Streams {
		g := p.ids[name]
		if g == nil {
			g = &generatedIDs{}
			p.ids[name] = g
		}
		events, err := g.apply(sa.Events)
		if err != nil {
			return nil, err
		}
		out[name] = events
	}
	return out, nil
}

// generatedIDs are the ids generated for the events of one slice.
type generatedIDs struct {
	first *NewEvent   // &events[0] of the slice they were generated for
	ids   []uuid.UUID // ids[i] for events[i]; uuid.Nil where it had its own
}

// apply returns a copy of events with the zero ids replaced, generating the
// replacements unless they were generated for this very slice.
func (g *generatedIDs) apply(events []NewEvent) ([]NewEvent, error) {
	if len(events) == 0 {
		return events, nil
	}
	fresh := g.first != &events[0] || len(g.ids) != len(events)
	for i := 0; !fresh && i < len(events); i++ {
		fresh = events[i].ID == uuid.Nil && g.ids[i] == uuid.Nil // its own id was cleared since
	}
	if fresh {
		ids := make([]uuid.UUID, len(events))
		for i, e := range events {
			if e.ID != uuid.Nil {
				continue
			}
			id, err := uuid.NewV7()
			if err != nil {
				return nil, fmt.Errorf("pgevents: generate event id: %w", err)
			}
			ids[i] = id
		}
		g.first, g.ids = &events[0], ids
	}
	out := make([]NewEvent, len(events))
	copy(out, events)
	for i, id := range g.ids {
		if out[i].ID == uuid.Nil {
			out[i].ID = id
		}
	}
	return out, nil
}

// StreamAppend is what AppendStreams appends to one stream.
type StreamAppend struct {
	// Condition to meet on this stream. Defaults to none.
	Condition Condition
	// Events to append to this stream.
	Events []NewEvent
}

// AppendResult is the result of an append.
type AppendResult struct {
	// Events are the stored events.
	Events []Event
}

// ReadStreamParams are the parameters of Store.ReadStream.
type ReadStreamParams struct {
	// Category of the stream. Required.
	Category string
	// FromPosition is the first position returned. Defaults to 0.
	FromPosition int64
	// Limit is the maximum number of events. Zero means DefaultLimit, -1 all.
	Limit int
	// Stream name. Required.
	Stream string
}

// ReadEventsParams are the parameters of Store.ReadEvents.
type ReadEventsParams struct {
	// After is the cursor of the last event already seen; zero reads from the start.
	After Cursor
	// Category to read; empty reads the whole log.
	Category string
	// Limit is the maximum number of events. Zero means DefaultLimit, -1 all.
	Limit int
}

// LatestEventParams are the parameters of Store.LatestEvent.
type LatestEventParams struct {
	// Source is the log, a category or a stream.
	Source Identifier
}
