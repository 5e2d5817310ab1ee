package pgevents

import (
	"context"
	"fmt"
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
	// reuse of an id fails with ErrEventIDConflict.
	AppendEvents(ctx context.Context, params *AppendParams) (*AppendResult, error)
	// AppendStreams appends to several streams of one category, all or
	// nothing. Results are ordered by stream name (byte order), then input
	// order.
	AppendStreams(ctx context.Context, params *AppendStreamsParams) (*AppendResult, error)
	// ReadStream returns a stream's events in position order from
	// params.FromPosition, at most params.Limit of them.
	ReadStream(ctx context.Context, params *ReadStreamParams) ([]Event, error)
	// ReadEvents returns the events of a category (or the log, when
	// params.Category is empty) after params.After, in resumable order:
	// resuming from the cursor of the last event returned never skips or
	// repeats an event, whatever writers do concurrently. Events of
	// transactions that may still be followed by earlier-sorting commits are
	// held back until that is impossible (see the README on the fence).
	ReadEvents(ctx context.Context, params *ReadEventsParams) ([]Event, error)
	// LatestEvent returns the latest event of a stream (by position), a
	// category or the log (by resumable order, including events not yet
	// past the fence). It returns ErrNotFound when there is none.
	LatestEvent(ctx context.Context, params *LatestEventParams) (*Event, error)
}

// AppendParams are the parameters of Store.AppendEvents.
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
}

// AppendStreamsParams are the parameters of Store.AppendStreams.
type AppendStreamsParams struct {
	// Category of every stream. Required.
	Category string
	// Scope is the serialisation scope. Defaults to ScopeStream.
	Scope Scope
	// Streams maps a stream name to what to append to it.
	Streams map[string]StreamAppend
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
