package typed

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/google/uuid"
)

// Sentinel errors. Match them with errors.Is; the detail types below match
// them too and carry the specifics (use errors.As).
var (
	// ErrDecode is returned when a stored event's payload, metadata or
	// version does not decode into the registered Go types, or an upcaster
	// fails. The error is a *DecodeError.
	ErrDecode = errors.New("pgevents: event does not decode")
	// ErrEncode is returned when a payload or metadata value does not
	// encode as JSON. The error is an *EncodeError.
	ErrEncode = errors.New("pgevents: event does not encode")
	// ErrInvalidRegistration is returned when a type or upcaster cannot be
	// registered (invalid or duplicate name, type or version). The error is
	// a *RegistrationError.
	ErrInvalidRegistration = errors.New("pgevents: invalid registration")
	// ErrUnknownEvent is returned when a stored event's name and version
	// have neither a registered type nor an upcaster. The error is an
	// *UnknownEventError.
	ErrUnknownEvent = errors.New("pgevents: unknown event")
	// ErrUnregisteredType is returned when encoding a payload whose Go type
	// is not registered. The error is an *UnregisteredTypeError.
	ErrUnregisteredType = errors.New("pgevents: unregistered payload type")
)

// DecodeError says which stored event did not decode, at which schema, which
// part failed and why. It matches ErrDecode and unwraps to the cause (for
// example a *json.UnmarshalTypeError, or an upcaster's error).
type DecodeError struct {
	// Err is the cause.
	Err error
	// EventID is the stored event's id.
	EventID uuid.UUID
	// Part is what failed: "payload", "metadata", "version" (the metadata's
	// version field) or "upcast".
	Part string
	// Schema is the schema being decoded or upcast from when it failed. Its
	// Version is 0 when the version field itself failed.
	Schema Schema
}

// Error implements error.
func (e *DecodeError) Error() string {
	return fmt.Sprintf("pgevents: event %s (%s) does not decode: %s: %v", e.EventID, e.Schema, e.Part, e.Err)
}

// Unwrap returns the cause.
func (e *DecodeError) Unwrap() error { return e.Err }

// Is matches ErrDecode.
func (e *DecodeError) Is(target error) bool { return target == ErrDecode }

// EncodeError says which part of an event did not encode and why. It
// matches ErrEncode and unwraps to the cause.
type EncodeError struct {
	// Err is the cause.
	Err error
	// Name is the event name being encoded.
	Name string
	// Part is "payload" or "metadata".
	Part string
}

// Error implements error.
func (e *EncodeError) Error() string {
	return fmt.Sprintf("pgevents: event %s does not encode: %s: %v", e.Name, e.Part, e.Err)
}

// Unwrap returns the cause.
func (e *EncodeError) Unwrap() error { return e.Err }

// Is matches ErrEncode.
func (e *EncodeError) Is(target error) bool { return target == ErrEncode }

// RegistrationError says why a type or upcaster could not be registered. It
// matches ErrInvalidRegistration and unwraps to the cause, if any (an invalid
// name's *pgevents.InvalidInputError).
type RegistrationError struct {
	// Err is the cause, or nil.
	Err error
	// Reason says what is wrong.
	Reason string
	// Schema is the schema being registered.
	Schema Schema
}

// Error implements error.
func (e *RegistrationError) Error() string {
	return fmt.Sprintf("pgevents: invalid registration of %s: %s", e.Schema, e.Reason)
}

// Unwrap returns the cause.
func (e *RegistrationError) Unwrap() error { return e.Err }

// Is matches ErrInvalidRegistration.
func (e *RegistrationError) Is(target error) bool { return target == ErrInvalidRegistration }

// UnknownEventError says which stored event has a name and version that
// nothing is registered for. It matches ErrUnknownEvent.
type UnknownEventError struct {
	// EventID is the stored event's id.
	EventID uuid.UUID
	// Hint suggests a fix, or is empty.
	Hint string
	// Schema is the name and version that nothing is registered for (after
	// any upcasts).
	Schema Schema
}

// Error implements error.
func (e *UnknownEventError) Error() string {
	msg := fmt.Sprintf("pgevents: unknown event %s (event %s): no type or upcaster is registered for it", e.Schema, e.EventID)
	if e.Hint != "" {
		msg += "; " + e.Hint
	}
	return msg
}

// Is matches ErrUnknownEvent.
func (e *UnknownEventError) Is(target error) bool { return target == ErrUnknownEvent }

// UnregisteredTypeError says which payload type has no registered name. It
// matches ErrUnregisteredType.
type UnregisteredTypeError struct {
	// Type is the payload's Go type (nil for a nil payload).
	Type reflect.Type
}

// Error implements error.
func (e *UnregisteredTypeError) Error() string {
	return fmt.Sprintf("pgevents: payload type %v is not registered: register it with typed.Register", e.Type)
}

// Is matches ErrUnregisteredType.
func (e *UnregisteredTypeError) Is(target error) bool { return target == ErrUnregisteredType }

// normalize folds case and drops separators, the way projectors match names,
// to suggest the registered name a stored one was probably meant to be.
func normalize(name string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '-', '_', '.', ' ', ':', '/':
			return -1
		}
		return r
	}, strings.ToLower(name))
}
