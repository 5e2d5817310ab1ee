package pgevents

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/pgevents/pgevents/internal/pgjson"
)

// NewEvent is an event a writer supplies to an append.
type NewEvent struct {
	// ID identifies the event across the whole log. The zero UUID means the
	// adapter generates one. Reusing the id of a stored event is only allowed
	// to retry the exact same append (see Store.AppendEvents).
	ID uuid.UUID
	// Metadata is any JSON value. Nil means JSON null; {} stays {}.
	Metadata json.RawMessage
	// Name is the event's type name: 1 to 255 characters, no control characters.
	Name string
	// ObservedAt overrides the recording time, for imports: stores refuse
	// it unless the installation allows imports (PostgreSQL's setting
	// allow_observed_at, memstore's Config.AllowObservedAt), and when it is
	// earlier than the observed_at before it in the stream (CodeInvalidEvents).
	// The zero time means the server's clock at append (or the stream's
	// latest observed_at, when that is later).
	ObservedAt time.Time
	// OccurredAt is the domain time. The zero time means ObservedAt.
	OccurredAt time.Time
	// Payload is any JSON value. Nil means JSON null.
	Payload json.RawMessage
}

// WithIDs returns a copy of events in which every event without an ID (the
// zero UUID) has a new UUIDv7. Appending the result again after an error
// whose outcome is unknown (a lost connection) is an idempotent retry: the
// store returns the events stored by the first attempt, or stores them now.
// events is not modified.
func WithIDs(events []NewEvent) ([]NewEvent, error) {
	var g generatedIDs
	return g.apply(events)
}

// MarshalJSON encodes the event in the form pgevents.append takes (see
// AppendJSON).
func (e NewEvent) MarshalJSON() ([]byte, error) {
	return e.AppendJSON(nil)
}

// AppendJSON appends the event, encoded in the form pgevents.append takes,
// to b and returns the extended buffer: {"id", "name", "payload",
// "metadata", "occurred_at", "observed_at"}, where a zero ID and zero times
// are left out and a nil Payload or Metadata is JSON null. Times are
// truncated to microseconds, the precision PostgreSQL stores. Payload and
// Metadata are checked to be JSON that PostgreSQL's jsonb accepts (valid
// UTF-8, no \u0000, no lone surrogate escape, numbers within numeric's
// range) and copied as they are (not re-indented or compacted): one pass
// over each, which matters on the append path.
//
// An error is an *InvalidInputError whose Field is relative to the event:
// "name" (CodeInvalidName: not valid UTF-8), "payload", "metadata",
// "occurred_at" or "observed_at" (CodeInvalidEvents); b is then returned
// unchanged. Other rules of names (length, control characters) are the
// server's.
func (e NewEvent) AppendJSON(b []byte) ([]byte, error) {
	start := len(b)
	if !utf8.ValidString(e.Name) {
		return b, &InvalidInputError{Code: CodeInvalidName, Field: "name", Reason: "must be valid UTF-8"}
	}
	b = append(b, '{')
	if e.ID != uuid.Nil {
		b = append(b, `"id":"`...)
		b = appendUUID(b, e.ID)
		b = append(b, `",`...)
	}
	b = append(b, `"name":`...)
	b = appendJSONString(b, e.Name)
	for _, f := range [...]struct {
		name  string
		value json.RawMessage
	}{{"payload", e.Payload}, {"metadata", e.Metadata}} {
		b = append(b, `,"`...)
		b = append(b, f.name...)
		b = append(b, `":`...)
		if len(f.value) == 0 {
			b = append(b, "null"...)
			continue
		}
		if err := pgjson.Validate(f.value); err != nil {
			return b[:start], &InvalidInputError{Code: CodeInvalidEvents, Field: f.name, Reason: err.Error()}
		}
		b = append(b, f.value...)
	}
	for _, f := range [...]struct {
		name string
		at   time.Time
	}{{"occurred_at", e.OccurredAt}, {"observed_at", e.ObservedAt}} {
		if f.at.IsZero() {
			continue
		}
		t, err := TruncateTime(f.at).MarshalJSON()
		if err != nil {
			return b[:start], &InvalidInputError{Code: CodeInvalidEvents, Field: f.name,
				Reason: fmt.Sprintf("%s cannot be encoded: %v", f.at, err)}
		}
		b = append(b, `,"`...)
		b = append(b, f.name...)
		b = append(b, `":`...)
		b = append(b, t...)
	}
	return append(b, '}'), nil
}

// appendUUID appends the canonical 8-4-4-4-12 lower-case form of id.
func appendUUID(b []byte, id uuid.UUID) []byte {
	const digits = "0123456789abcdef"
	for i, c := range id {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b = append(b, '-')
		}
		b = append(b, digits[c>>4], digits[c&0xf])
	}
	return b
}

// appendJSONString appends s as a JSON string: quotes, backslashes and
// control characters escaped, invalid UTF-8 replaced by U+FFFD (as
// encoding/json does; AppendJSON refuses such names before).
func appendJSONString(b []byte, s string) []byte {
	const digits = "0123456789abcdef"
	b = append(b, '"')
	for _, r := range s { // ranging over a string turns invalid UTF-8 into U+FFFD
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r < 0x20:
			b = append(b, '\\', 'u', '0', '0', digits[r>>4], digits[r&0xf])
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return append(b, '"')
}

// TruncateTime returns t truncated to microseconds, in UTC: the value
// PostgreSQL stores for a timestamptz.
func TruncateTime(t time.Time) time.Time { return t.Truncate(time.Microsecond).UTC() }

// Event is a stored event, as reads return it.
type Event struct {
	// Category is the stream's category.
	Category string
	// ID identifies the event across the log.
	ID uuid.UUID
	// Metadata is the event's JSON metadata (JSON null when none was given).
	Metadata json.RawMessage
	// Name is the event's type name.
	Name string
	// ObservedAt is when the event was recorded.
	ObservedAt time.Time
	// OccurredAt is the domain time.
	OccurredAt time.Time
	// Payload is the event's JSON payload.
	Payload json.RawMessage
	// Position is the 0-based, gapless position in the stream.
	Position int64
	// SequenceNumber is unique across the log and increases in insertion
	// order within a stream; it may have gaps.
	SequenceNumber int64
	// Stream is the stream name within Category.
	Stream string
	// TransactionID is the writing transaction's id (xid8). Together with
	// SequenceNumber it forms the event's Cursor.
	TransactionID uint64
}

// Cursor returns the position of the event in resumable read order.
func (e Event) Cursor() Cursor {
	return Cursor{TransactionID: e.TransactionID, SequenceNumber: e.SequenceNumber}
}

// StreamID returns the identifier of the event's stream.
func (e Event) StreamID() Identifier { return StreamID(e.Category, e.Stream) }

// Cursor is a point in resumable read order of a category or the log:
// (transaction id, sequence number). The zero Cursor is the start.
//
// Reads return events strictly after a cursor; resuming from the cursor of
// the last event seen never skips or repeats an event.
type Cursor struct {
	// TransactionID is the writing transaction's id.
	TransactionID uint64
	// SequenceNumber is the event's sequence number.
	SequenceNumber int64
}

// IsZero reports whether c is the start of the log.
func (c Cursor) IsZero() bool { return c == Cursor{} }

// Less reports whether c sorts before o.
func (c Cursor) Less(o Cursor) bool {
	if c.TransactionID != o.TransactionID {
		return c.TransactionID < o.TransactionID
	}
	return c.SequenceNumber < o.SequenceNumber
}

// String returns the cursor as "transaction_id:sequence_number", the form
// ParseCursor reads (for storing checkpoints as text).
func (c Cursor) String() string {
	return strconv.FormatUint(c.TransactionID, 10) + ":" + strconv.FormatInt(c.SequenceNumber, 10)
}

// ParseCursor parses the String form of a Cursor: two decimal numbers
// without sign, leading zeros or spaces, the sequence number at most
// 2^63-1. It returns an *InvalidInputError (CodeInvalidReadArgument, field
// "cursor") for anything else, so that ParseCursor(c.String()) == c and no
// other text parses. (A well-formed cursor may still name a transaction
// that does not exist yet: reads refuse that, see Store.ReadEvents.)
func ParseCursor(s string) (Cursor, error) {
	tx, seq, ok := strings.Cut(s, ":")
	t, err1 := strconv.ParseUint(tx, 10, 64)
	n, err2 := strconv.ParseInt(seq, 10, 64)
	c := Cursor{TransactionID: t, SequenceNumber: n}
	if !ok || err1 != nil || err2 != nil || n < 0 || c.String() != s {
		return Cursor{}, &InvalidInputError{Code: CodeInvalidReadArgument, Field: "cursor",
			Reason: fmt.Sprintf("must be \"transaction_id:sequence_number\" (got %q)", s)}
	}
	return c, nil
}
