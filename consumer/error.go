package consumer

import (
	"errors"
	"fmt"

	"github.com/pgevents/pgevents"
)

// SQLSTATE codes of consumer errors (see sql/errcodes.md). Invalid arguments
// (CodeInvalidArgument) and reached limits (CodeLimitExceeded) are
// *pgevents.InvalidInputError values; the others are *Error values. Every
// adapter reports the same codes.
const (
	// CodeInvalidArgument: an invalid consumer argument (source,
	// partitions, lease, batch limit, checkpoint, parked ids).
	CodeInvalidArgument = "PE120"
	// CodeGroupNotFound: the consumer group does not exist.
	CodeGroupNotFound = "PE121"
	// CodeGroupMismatch: the group exists with another source or partition
	// count.
	CodeGroupMismatch = "PE122"
	// CodeLeaseLost: the member does not hold the partition at the
	// generation it read under (fencing); nothing moved.
	CodeLeaseLost = "PE123"
	// CodeCheckpointConflict: the checkpoint is not where the batch started
	// (or would not move forwards); nothing moved.
	CodeCheckpointConflict = "PE124"
	// CodeLimitExceeded: a consumer limit (settings consumer_max_groups,
	// consumer_max_members, consumer_max_indexed_categories) is reached.
	CodeLimitExceeded = "PE125"
)

// Sentinel errors. Match them with errors.Is; *Error values match the one
// of their Code.
var (
	// ErrGroupNotFound is returned when the consumer group does not exist.
	// It also matches pgevents.ErrNotFound.
	ErrGroupNotFound = errors.New("pgevents: consumer group not found")
	// ErrGroupMismatch is returned by CreateGroup when the group exists with
	// another source or partition count.
	ErrGroupMismatch = errors.New("pgevents: consumer group exists with another definition")
	// ErrLeaseLost is returned when a member saves a checkpoint (or parks,
	// or settles a replay) for a partition it no longer holds at the
	// generation it read under: another member claimed it, or it was
	// released. Nothing moved; the batch must be dropped (its effects were
	// rolled back).
	ErrLeaseLost = errors.New("pgevents: consumer lease lost")
	// ErrCheckpointConflict is returned when a bucket's checkpoint is not
	// where the batch started (another batch saved first) or would not move
	// forwards. Nothing moved.
	ErrCheckpointConflict = errors.New("pgevents: consumer checkpoint conflict")
)

// Error is a consumer error with its SQLSTATE and the details the database
// (or memstore) reported. It matches the sentinel of its Code, and
// ErrGroupNotFound also pgevents.ErrNotFound.
type Error struct {
	// Bucket is the bucket concerned (CodeCheckpointConflict); -1 when none.
	Bucket int
	// Code is the SQLSTATE: CodeGroupNotFound, CodeGroupMismatch,
	// CodeLeaseLost or CodeCheckpointConflict.
	Code string
	// Generation is the generation the member held (CodeLeaseLost).
	Generation int64
	// Group is the consumer group.
	Group string
	// Member is the member concerned (CodeLeaseLost).
	Member string
	// Message is the human-readable message.
	Message string
	// Partition is the partition concerned (CodeLeaseLost); -1 when none.
	Partition int
}

// Error implements error.
func (e *Error) Error() string {
	if e.Message != "" {
		return fmt.Sprintf("%s [%s]", e.Message, e.Code)
	}
	return fmt.Sprintf("pgevents: consumer group %s: error [%s]", e.Group, e.Code)
}

// Is matches the sentinel of the code, and pgevents.ErrNotFound for
// CodeGroupNotFound.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrGroupNotFound, pgevents.ErrNotFound:
		return e.Code == CodeGroupNotFound
	case ErrGroupMismatch:
		return e.Code == CodeGroupMismatch
	case ErrLeaseLost:
		return e.Code == CodeLeaseLost
	case ErrCheckpointConflict:
		return e.Code == CodeCheckpointConflict
	}
	return false
}

// HandlerError is returned by Consumer.Run when the handler kept failing on
// an event under the Stop policy (or on a batch it could not split): the
// event, how many attempts were made, and the handler's last error (Err,
// matchable with errors.Is / errors.As through Unwrap).
type HandlerError struct {
	// Attempts is how many times the event was tried.
	Attempts int
	// Err is the handler's last error.
	Err error
	// Event is the event the handler failed on.
	Event pgevents.Event
	// Group is the consumer group.
	Group string
}

// Error implements error.
func (e *HandlerError) Error() string {
	return fmt.Sprintf("pgevents: consumer group %s: handler failed %d times on event %s/%s@%d (%s): %v",
		e.Group, e.Attempts, e.Event.Category, e.Event.Stream, e.Event.Position, e.Event.Cursor(), e.Err)
}

// Unwrap returns the handler's error.
func (e *HandlerError) Unwrap() error { return e.Err }

// invalid returns an *pgevents.InvalidInputError with CodeInvalidArgument.
func invalid(field, reason string) error {
	return &pgevents.InvalidInputError{Code: CodeInvalidArgument, Field: field, Reason: reason}
}
