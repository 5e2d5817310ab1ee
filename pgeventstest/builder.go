package pgeventstest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/projection"
)

// Defaults of the builders.
const (
	// DefaultCategory is a built stored event's category.
	DefaultCategory = "test"
	// DefaultEventName is a built event's name.
	DefaultEventName = "TestEvent"
	// DefaultProjectionID is a built projection's id.
	DefaultProjectionID = "projection-1"
	// DefaultProjectionName is a built projection's name.
	DefaultProjectionName = "test-projection"
	// DefaultStream is a built stored event's stream.
	DefaultStream = "stream-1"
)

// DefaultTime is the time builders use for timestamps not set explicitly:
// 2024-01-01T00:00:00Z.
var DefaultTime = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// idNamespace derives the default ids of stored events.
var idNamespace = uuid.MustParse("6f1b8f5e-3a1d-4c4e-9a55-0d2b6c1e7a10")

// mustJSON encodes v as JSON: a json.RawMessage (validated) is used
// as is, nil is JSON null, anything else goes through json.Marshal. It
// panics when v does not encode, a programming error in a test.
func mustJSON(what string, v any) json.RawMessage {
	switch v := v.(type) {
	case nil:
		return json.RawMessage("null")
	case json.RawMessage:
		if !json.Valid(v) {
			panic(fmt.Sprintf("pgeventstest: %s is not valid JSON: %q", what, v))
		}
		return append(json.RawMessage(nil), v...)
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("pgeventstest: %s does not encode as JSON: %v", what, err))
	}
	return b
}

func clone(b json.RawMessage) json.RawMessage {
	if b == nil {
		return nil
	}
	return append(json.RawMessage(nil), b...)
}

// EventBuilder builds a pgevents.NewEvent. Its zero value is not useful;
// start from NewEventBuilder. Each With method returns a modified copy and
// leaves the receiver unchanged.
type EventBuilder struct {
	ev pgevents.NewEvent
}

// NewEventBuilder returns a builder of a NewEvent named DefaultEventName with
// payload {} and metadata null; its id and times are zero, so a store
// generates the id and records the time.
func NewEventBuilder() EventBuilder {
	return EventBuilder{ev: pgevents.NewEvent{Name: DefaultEventName, Payload: json.RawMessage("{}")}}
}

// WithID sets the event's id.
func (b EventBuilder) WithID(id uuid.UUID) EventBuilder { b.ev.ID = id; return b }

// WithMetadata sets the metadata to v encoded as JSON (a json.RawMessage is
// used as is; nil is null). It panics if v does not encode.
func (b EventBuilder) WithMetadata(v any) EventBuilder {
	b.ev.Metadata = mustJSON("metadata", v)
	return b
}

// WithName sets the event's name.
func (b EventBuilder) WithName(name string) EventBuilder { b.ev.Name = name; return b }

// WithObservedAt sets the recording-time override (for imports).
func (b EventBuilder) WithObservedAt(t time.Time) EventBuilder { b.ev.ObservedAt = t; return b }

// WithOccurredAt sets the domain time.
func (b EventBuilder) WithOccurredAt(t time.Time) EventBuilder { b.ev.OccurredAt = t; return b }

// WithPayload sets the payload to v encoded as JSON (a json.RawMessage is
// used as is; nil is null). It panics if v does not encode.
func (b EventBuilder) WithPayload(v any) EventBuilder {
	b.ev.Payload = mustJSON("payload", v)
	return b
}

// Build returns the event. Its JSON slices are fresh copies.
func (b EventBuilder) Build() pgevents.NewEvent {
	e := b.ev
	e.Payload, e.Metadata = clone(e.Payload), clone(e.Metadata)
	return e
}

// StoredEventBuilder builds a pgevents.Event as a store returns it. Its zero
// value is not useful; start from NewStoredEventBuilder. Each With method
// returns a modified copy and leaves the receiver unchanged.
type StoredEventBuilder struct {
	ev             pgevents.Event
	occurredSet    bool
	sequenceSet    bool
	transactionSet bool
}

// NewStoredEventBuilder returns a builder of a stored event named
// DefaultEventName in stream DefaultCategory/DefaultStream at position 0,
// with payload {}, metadata null and both times DefaultTime. Unless set:
//   - the id is derived from category, stream and position (distinct
//     positions give distinct, reproducible ids);
//   - the sequence number is position+1 and the transaction id equals the
//     sequence number, so events built at increasing positions have
//     increasing cursors;
//   - OccurredAt equals ObservedAt, as a store defaults it.
func NewStoredEventBuilder() StoredEventBuilder {
	return StoredEventBuilder{ev: pgevents.Event{
		Category: DefaultCategory, Stream: DefaultStream, Name: DefaultEventName,
		Payload: json.RawMessage("{}"), Metadata: json.RawMessage("null"), ObservedAt: DefaultTime,
	}}
}

// FromNewEvent copies name, id, payload, metadata and times from ne, as a
// store would store it (a zero OccurredAt or ObservedAt keeps the builder's).
func (b StoredEventBuilder) FromNewEvent(ne pgevents.NewEvent) StoredEventBuilder {
	b.ev.Name = ne.Name
	b.ev.ID = ne.ID
	b.ev.Payload = mustJSON("payload", json.RawMessage(jsonOrNull(ne.Payload)))
	b.ev.Metadata = mustJSON("metadata", json.RawMessage(jsonOrNull(ne.Metadata)))
	if !ne.ObservedAt.IsZero() {
		b.ev.ObservedAt = ne.ObservedAt
	}
	if !ne.OccurredAt.IsZero() {
		b.ev.OccurredAt, b.occurredSet = ne.OccurredAt, true
	}
	return b
}

// WithCategory sets the category.
func (b StoredEventBuilder) WithCategory(category string) StoredEventBuilder {
	b.ev.Category = category
	return b
}

// WithCursor sets the transaction id and sequence number.
func (b StoredEventBuilder) WithCursor(c pgevents.Cursor) StoredEventBuilder {
	b.ev.TransactionID, b.ev.SequenceNumber = c.TransactionID, c.SequenceNumber
	b.transactionSet, b.sequenceSet = true, true
	return b
}

// WithID sets the id.
func (b StoredEventBuilder) WithID(id uuid.UUID) StoredEventBuilder { b.ev.ID = id; return b }

// WithMetadata sets the metadata to v encoded as JSON (a json.RawMessage is
// used as is; nil is null). It panics if v does not encode.
func (b StoredEventBuilder) WithMetadata(v any) StoredEventBuilder {
	b.ev.Metadata = mustJSON("metadata", v)
	return b
}

// WithName sets the event name.
func (b StoredEventBuilder) WithName(name string) StoredEventBuilder { b.ev.Name = name; return b }

// WithObservedAt sets the recording time (and OccurredAt, unless set).
func (b StoredEventBuilder) WithObservedAt(t time.Time) StoredEventBuilder {
	b.ev.ObservedAt = t
	return b
}

// WithOccurredAt sets the domain time.
func (b StoredEventBuilder) WithOccurredAt(t time.Time) StoredEventBuilder {
	b.ev.OccurredAt, b.occurredSet = t, true
	return b
}

// WithPayload sets the payload to v encoded as JSON (a json.RawMessage is
// used as is; nil is null). It panics if v does not encode.
func (b StoredEventBuilder) WithPayload(v any) StoredEventBuilder {
	b.ev.Payload = mustJSON("payload", v)
	return b
}

// WithPosition sets the position in the stream.
func (b StoredEventBuilder) WithPosition(p int64) StoredEventBuilder { b.ev.Position = p; return b }

// WithSequenceNumber sets the sequence number.
func (b StoredEventBuilder) WithSequenceNumber(n int64) StoredEventBuilder {
	b.ev.SequenceNumber, b.sequenceSet = n, true
	return b
}

// WithStream sets the category and stream.
func (b StoredEventBuilder) WithStream(category, stream string) StoredEventBuilder {
	b.ev.Category, b.ev.Stream = category, stream
	return b
}

// WithTransactionID sets the writing transaction's id.
func (b StoredEventBuilder) WithTransactionID(id uint64) StoredEventBuilder {
	b.ev.TransactionID, b.transactionSet = id, true
	return b
}

// Build returns the event, with the defaults described at
// NewStoredEventBuilder filled in and times truncated to microseconds in
// UTC, as PostgreSQL stores them.
func (b StoredEventBuilder) Build() pgevents.Event {
	e := b.ev
	e.Payload, e.Metadata = clone(e.Payload), clone(e.Metadata)
	if !b.sequenceSet {
		e.SequenceNumber = e.Position + 1
	}
	if !b.transactionSet {
		e.TransactionID = uint64(max(e.SequenceNumber, 1))
	}
	if e.ID == uuid.Nil {
		e.ID = uuid.NewSHA1(idNamespace, []byte(e.Category+"\x00"+e.Stream+"\x00"+strconv.FormatInt(e.Position, 10)))
	}
	if !b.occurredSet {
		e.OccurredAt = e.ObservedAt
	}
	e.ObservedAt, e.OccurredAt = pgevents.TruncateTime(e.ObservedAt), pgevents.TruncateTime(e.OccurredAt)
	return e
}

// BuildStream returns the events a store would return after appending
// events to an empty stream: one per NewEvent, in order, at consecutive
// positions from the builder's position, with the builder's stream and
// times and each NewEvent's name, id, payload, metadata and times. Unless
// the builder sets them, sequence numbers and transaction ids follow
// positions as in Build; explicit ones are incremented per event.
func (b StoredEventBuilder) BuildStream(events ...pgevents.NewEvent) []pgevents.Event {
	out := make([]pgevents.Event, len(events))
	for i, ne := range events {
		eb := b.FromNewEvent(ne).WithPosition(b.ev.Position + int64(i))
		if b.sequenceSet {
			eb = eb.WithSequenceNumber(b.ev.SequenceNumber + int64(i))
		}
		if b.transactionSet {
			eb = eb.WithTransactionID(b.ev.TransactionID + uint64(i))
		}
		out[i] = eb.Build()
	}
	return out
}

func jsonOrNull(b json.RawMessage) json.RawMessage {
	if len(b) == 0 {
		return json.RawMessage("null")
	}
	return b
}

// ProjectionBuilder builds a projection.Stored. Its zero value is not useful;
// start from NewProjectionBuilder. Each With method returns a modified copy
// and leaves the receiver unchanged.
type ProjectionBuilder struct {
	p          projection.Stored
	updatedSet bool
}

// NewProjectionBuilder returns a builder of the projection
// DefaultProjectionName / DefaultProjectionID of stream
// DefaultCategory/DefaultStream, with state {}, metadata {} and CreatedAt
// DefaultTime; UpdatedAt equals CreatedAt unless set.
func NewProjectionBuilder() ProjectionBuilder {
	return ProjectionBuilder{p: projection.Stored{
		ID: DefaultProjectionID, Name: DefaultProjectionName,
		Source:   pgevents.StreamID(DefaultCategory, DefaultStream),
		State:    json.RawMessage("{}"),
		Metadata: json.RawMessage("{}"), CreatedAt: DefaultTime,
	}}
}

// WithCreatedAt sets when the projection was first saved.
func (b ProjectionBuilder) WithCreatedAt(t time.Time) ProjectionBuilder { b.p.CreatedAt = t; return b }

// WithID sets the projection's id.
func (b ProjectionBuilder) WithID(id string) ProjectionBuilder { b.p.ID = id; return b }

// WithMetadata sets the metadata to v encoded as JSON (a json.RawMessage is
// used as is; nil is null). It panics if v does not encode.
func (b ProjectionBuilder) WithMetadata(v any) ProjectionBuilder {
	b.p.Metadata = mustJSON("metadata", v)
	return b
}

// WithName sets the projection's name.
func (b ProjectionBuilder) WithName(name string) ProjectionBuilder { b.p.Name = name; return b }

// WithSource sets what was projected.
func (b ProjectionBuilder) WithSource(source pgevents.Identifier) ProjectionBuilder {
	b.p.Source = source
	return b
}

// WithState sets the state to v encoded as JSON (a json.RawMessage is used
// as is; nil is null). It panics if v does not encode.
func (b ProjectionBuilder) WithState(v any) ProjectionBuilder {
	b.p.State = mustJSON("state", v)
	return b
}

// WithUpdatedAt sets when the projection was last saved.
func (b ProjectionBuilder) WithUpdatedAt(t time.Time) ProjectionBuilder {
	b.p.UpdatedAt, b.updatedSet = t, true
	return b
}

// Build returns the projection, times truncated to microseconds in UTC.
func (b ProjectionBuilder) Build() projection.Stored {
	p := b.p
	p.State, p.Metadata = clone(p.State), clone(p.Metadata)
	if !b.updatedSet {
		p.UpdatedAt = p.CreatedAt
	}
	p.CreatedAt, p.UpdatedAt = pgevents.TruncateTime(p.CreatedAt), pgevents.TruncateTime(p.UpdatedAt)
	return p
}
