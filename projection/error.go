package projection

import (
	"errors"
	"fmt"

	"github.com/pgevents/pgevents"
)

// CodeInvalidQuery is the SQLSTATE of a malformed projection query (see
// docs/query-language.md). The query builder, ParseQuery, the in-memory
// store and the SQL functions report it in a *pgevents.InvalidInputError
// whose Field names the offending part, e.g. "filters[1].op".
const CodeInvalidQuery = "PE110"

// CodeProjectionTooLarge is the SQLSTATE of a projection whose state or
// metadata exceeds the size or nesting limit (DefaultMaxJSONBytes,
// DefaultMaxJSONDepth; on PostgreSQL the installation settings
// projection_max_json_bytes and projection_max_json_depth). Stores report it
// in a *pgevents.InvalidInputError whose Field is "state" or "metadata";
// nothing is saved.
const CodeProjectionTooLarge = "PE115"

// Limits of a projection's state and metadata, each measured on its own.
const (
	// DefaultMaxJSONBytes is the largest state or metadata, in bytes of its
	// text as PostgreSQL's jsonb prints it (1 MiB).
	DefaultMaxJSONBytes = 1 << 20
	// DefaultMaxJSONDepth is the deepest nesting of arrays and objects in a
	// state or metadata: a scalar is 0 deep, [] and {} are 1, [[1]] is 2.
	DefaultMaxJSONDepth = 256
)

// ErrUnknownEvent is returned by a projector that has no handler for an
// event and does not ignore unknown events. The error is an
// *UnknownEventError.
var ErrUnknownEvent = errors.New("pgevents: unknown event")

// UnknownEventError names the event a projector has no handler for. It
// matches ErrUnknownEvent.
type UnknownEventError struct {
	// Event is the event that was not handled.
	Event pgevents.Event
	// Projector is the projector's name.
	Projector string
}

// Error implements error.
func (e *UnknownEventError) Error() string {
	return fmt.Sprintf("pgevents: projector %q has no handler for event %q (stream %s/%s, position %d); "+
		"register one or set IgnoreUnknownEvents", e.Projector, e.Event.Name, e.Event.Category, e.Event.Stream, e.Event.Position)
}

// Is matches ErrUnknownEvent.
func (e *UnknownEventError) Is(target error) bool { return target == ErrUnknownEvent }

// ErrDecode is matched by a *DecodeError: a stored projection whose state
// or metadata does not decode into the repository's Go types.
var ErrDecode = errors.New("pgevents: projection does not decode")

// DecodeError says which stored projection did not decode into the Go
// types of a Repository, and why. It matches ErrDecode and unwraps to the
// JSON error. Search and Lookup still return the projections of the page
// that did decode: one undecodable projection never hides the others.
type DecodeError struct {
	// Err is the decoding error (from encoding/json).
	Err error
	// ID is the projection's id.
	ID string
	// Name is the projection's name.
	Name string
	// Part is "state" or "metadata".
	Part string
}

// Error implements error.
func (e *DecodeError) Error() string {
	return fmt.Sprintf("pgevents: projection %s/%s: decode %s: %v", e.Name, e.ID, e.Part, e.Err)
}

// Is matches ErrDecode.
func (e *DecodeError) Is(target error) bool { return target == ErrDecode }

// Unwrap returns the decoding error.
func (e *DecodeError) Unwrap() error { return e.Err }

func invalidQuery(field, format string, args ...any) error {
	return &pgevents.InvalidInputError{Code: CodeInvalidQuery, Field: field, Reason: fmt.Sprintf(format, args...)}
}
