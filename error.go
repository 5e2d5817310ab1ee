package pgevents

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// SQLSTATE codes raised by the SQL API (see sql/errcodes.md). Adapters other
// than PostgreSQL report the same codes in their typed errors.
const (
	// CodeUnexpectedPosition: a position_is condition was not met.
	CodeUnexpectedPosition = "PE001"
	// CodeStreamNotEmpty: a stream_is_empty condition was not met.
	CodeStreamNotEmpty = "PE002"
	// CodeStreamDoesNotExist: a stream_exists condition was not met.
	CodeStreamDoesNotExist = "PE003"
	// CodeCustomConditionFailed: a registered custom condition was not met.
	CodeCustomConditionFailed = "PE004"
	// CodeNoAlternativeMet: no alternative of an "or" condition was met.
	CodeNoAlternativeMet = "PE005"
	// CodeInvalidName: a category, stream or event name is invalid.
	CodeInvalidName = "PE101"
	// CodeInvalidEvents: the events of an append are invalid.
	CodeInvalidEvents = "PE102"
	// CodeInvalidCondition: a condition is malformed or of an unregistered type.
	CodeInvalidCondition = "PE103"
	// CodeInvalidIdentifier: a stream was given without a category.
	CodeInvalidIdentifier = "PE104"
	// CodeInvalidScope: the serialisation scope is unknown.
	CodeInvalidScope = "PE105"
	// CodeInvalidReadArgument: a read's position, cursor or limit is invalid.
	CodeInvalidReadArgument = "PE106"
	// CodeEventIDConflict: an event id is stored in another stream or with
	// other content.
	CodeEventIDConflict = "PE107"
	// CodeInvalidConditionType: a custom condition registration is invalid.
	CodeInvalidConditionType = "PE108"
	// CodeLimitExceeded: an append exceeds a write limit (the installation
	// settings max_event_size, max_event_depth, max_append_events,
	// max_append_size; see sql/errcodes.md).
	CodeLimitExceeded = "PE112"
	// CodeInvalidInstallation: an installation setting is invalid, e.g. a
	// roles prefix that is not a valid name or differs from the installed one.
	CodeInvalidInstallation = "PE113"
	// CodeSerializationFailure: a retryable conflict (PostgreSQL's 40001).
	CodeSerializationFailure = "40001"
)

// Sentinel errors. Match them with errors.Is; the detail types below match
// them too.
var (
	// ErrNotFound is returned when a single thing asked for does not exist,
	// e.g. the latest event of an empty stream.
	ErrNotFound = errors.New("pgevents: not found")
	// ErrAmbiguous is returned by lookups that expect at most one result and
	// found several.
	ErrAmbiguous = errors.New("pgevents: ambiguous: more than one result")
	// ErrConditionFailed is returned when a write condition is not met.
	// Nothing was written. The error is a *ConditionError.
	ErrConditionFailed = errors.New("pgevents: write condition not met")
	// ErrUnexpectedPosition is returned when a position_is condition is not
	// met. It also matches ErrConditionFailed.
	ErrUnexpectedPosition = errors.New("pgevents: unexpected stream position")
	// ErrStreamNotEmpty is returned when a stream_is_empty condition is not
	// met. It also matches ErrConditionFailed.
	ErrStreamNotEmpty = errors.New("pgevents: stream is not empty")
	// ErrStreamDoesNotExist is returned when a stream_exists condition is not
	// met. It also matches ErrConditionFailed.
	ErrStreamDoesNotExist = errors.New("pgevents: stream does not exist")
	// ErrInvalidInput is returned for bad input; nothing was written. The
	// error is an *InvalidInputError naming the field.
	ErrInvalidInput = errors.New("pgevents: invalid input")
	// ErrEventIDConflict is returned when an event id is already stored in
	// another stream or with other content. It also matches ErrInvalidInput.
	ErrEventIDConflict = errors.New("pgevents: event id conflict")
	// ErrLimitExceeded is returned when an append exceeds a write limit: an
	// event too large or nested too deeply, or too many events or bytes in
	// one call. Nothing was written. The error is an *InvalidInputError with
	// Code CodeLimitExceeded naming the field; it also matches
	// ErrInvalidInput.
	ErrLimitExceeded = errors.New("pgevents: write limit exceeded")
	// ErrRetryable is returned for a conflict that a retry of the whole
	// transaction resolves (serialization failure, deadlock). Stores retry it
	// themselves in transactions they own.
	ErrRetryable = errors.New("pgevents: retryable conflict")
	// ErrNotImplemented is returned by an adapter for an ability it lacks.
	ErrNotImplemented = errors.New("pgevents: not implemented")
)

// ConditionError says which write condition was not met, and on which stream.
// It matches ErrConditionFailed and the sentinel for its Code.
type ConditionError struct {
	// Category and Stream name the stream the condition was evaluated on.
	Category string
	// Code is the SQLSTATE: CodeUnexpectedPosition, CodeStreamNotEmpty,
	// CodeStreamDoesNotExist, CodeCustomConditionFailed or CodeNoAlternativeMet.
	Code string
	// Condition is the innermost failed condition (for an "or", the "or").
	Condition Condition
	// Failures are the failed alternatives of an "or".
	Failures []ConditionError
	// Position is the stream's latest position when the condition was
	// evaluated; nil when the stream was empty.
	Position *int64
	// Stream is the stream name.
	Stream string
}

// Error implements error.
func (e *ConditionError) Error() string {
	pos := "none, the stream is empty"
	if e.Position != nil {
		pos = fmt.Sprint(*e.Position)
	}
	return fmt.Sprintf("pgevents: write condition not met on stream %s/%s: %s (latest position: %s) [%s]",
		e.Category, e.Stream, e.Condition, pos, e.Code)
}

// Is matches ErrConditionFailed and the sentinel of the code.
func (e *ConditionError) Is(target error) bool {
	switch target {
	case ErrConditionFailed:
		return true
	case ErrUnexpectedPosition:
		return e.Code == CodeUnexpectedPosition
	case ErrStreamNotEmpty:
		return e.Code == CodeStreamNotEmpty
	case ErrStreamDoesNotExist:
		return e.Code == CodeStreamDoesNotExist
	}
	return false
}

// InvalidInputError says which input was invalid and why. It matches
// ErrInvalidInput (and ErrEventIDConflict for CodeEventIDConflict,
// ErrLimitExceeded for CodeLimitExceeded).
type InvalidInputError struct {
	// Code is the SQLSTATE, one of the CodeInvalid* codes,
	// CodeEventIDConflict or CodeLimitExceeded.
	Code string
	// Field names the input, e.g. "events[2].name".
	Field string
	// Reason says what is wrong with it.
	Reason string
}

// Error implements error.
func (e *InvalidInputError) Error() string {
	switch e.Code {
	case CodeEventIDConflict:
		return fmt.Sprintf("pgevents: event id conflict: %s: %s [%s]", e.Field, e.Reason, e.Code)
	case CodeLimitExceeded:
		return fmt.Sprintf("pgevents: limit exceeded: %s: %s [%s]", e.Field, e.Reason, e.Code)
	}
	return fmt.Sprintf("pgevents: invalid %s: %s [%s]", e.Field, e.Reason, e.Code)
}

// Is matches ErrInvalidInput, ErrEventIDConflict for an id conflict and
// ErrLimitExceeded for a write limit.
func (e *InvalidInputError) Is(target error) bool {
	return target == ErrInvalidInput || (target == ErrEventIDConflict && e.Code == CodeEventIDConflict) ||
		(target == ErrLimitExceeded && e.Code == CodeLimitExceeded)
}

// RetryableError wraps a conflict that retrying the whole transaction
// resolves. It matches ErrRetryable.
type RetryableError struct {
	// Code is the SQLSTATE (40001, 40P01 or 23505).
	Code string
	// Err is the underlying error.
	Err error
}

// Error implements error.
func (e *RetryableError) Error() string {
	return fmt.Sprintf("pgevents: retryable conflict [%s]: %v", e.Code, e.Err)
}

// Unwrap returns the underlying error.
func (e *RetryableError) Unwrap() error { return e.Err }

// Is matches ErrRetryable.
func (e *RetryableError) Is(target error) bool { return target == ErrRetryable }

// IgnoreConditionFailed returns nil when err is an unmet write condition, and
// err otherwise: for appends that should happen at most once ("create the
// stream unless it exists").
func IgnoreConditionFailed(err error) error {
	if errors.Is(err, ErrConditionFailed) {
		return nil
	}
	return err
}

// validName reports why a category, stream or event name is invalid, or "".
// It is the rule pgevents.check_name enforces in SQL (PostgreSQL refuses
// text that is not UTF-8 before any function runs).
func validName(s string) string {
	switch {
	case s == "":
		return "must not be empty"
	case !utf8.ValidString(s):
		return "must be valid UTF-8"
	case len([]rune(s)) > 255:
		return fmt.Sprintf("must be at most 255 characters (got %d)", len([]rune(s)))
	case strings.ContainsFunc(s, isControl):
		return "must not contain control characters"
	}
	return ""
}

func isControl(r rune) bool { return r < 0x20 || (r >= 0x7f && r < 0xa0) }

// CheckName returns an *InvalidInputError (CodeInvalidName) when name is not
// a valid category, stream or event name: valid UTF-8, 1 to 255 characters,
// no control characters. field names the input in the error. Adapters without SQL use it
// to enforce the rule pgevents.check_name enforces in PostgreSQL.
func CheckName(field, name string) error {
	if reason := validName(name); reason != "" {
		return &InvalidInputError{Code: CodeInvalidName, Field: field, Reason: reason}
	}
	return nil
}
