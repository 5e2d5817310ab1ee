package memstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/internal/pgjson"
	"github.com/pgevents/pgevents/memstore/internal/jsonb"
)

// AppendEvents appends params.Events to one stream atomically, under
// params.Condition, and returns them as stored, in input order, at positions
// latest+1, latest+2, ... (0 for a new stream). It implements
// pgevents.Store.AppendEvents with PostgreSQL's rules (pgevents.append):
//
//   - names are checked with pgevents.CheckName; a zero event ID gets the
//     UUIDv7 of params.EventsWithIDs (kept in params, so a retry of the same
//     *AppendParams is idempotent); a nil Payload or Metadata is JSON null;
//     JSON that jsonb refuses is refused as pgstore refuses it, on
//     events[i].payload or events[i].metadata;
//   - the whole condition is validated (even branches its evaluation would
//     skip), then an idempotent retry (every event's id already stored in
//     this stream with the same name, payload, metadata and, when given,
//     occurred_at) returns the stored events without evaluating it;
//   - otherwise the condition is evaluated against the stream's latest
//     event, and nothing is written unless it is met;
//   - no events is a no-op that still evaluates the condition.
//
// params.Scope is validated but has no effect: every write is serialised.
// The appended events are visible to every read as soon as it returns. A nil
// params is the zero AppendParams. ctx is checked before the call.
//
// Write limits (Config.Limits) are checked before the events' shape, and
// an ObservedAt is refused unless Config.AllowObservedAt, and when earlier
// than the one before it in the stream; a default observed_at is the clock,
// or the stream's latest observed_at when that is later.
//
// Errors: a *pgevents.ConditionError (ErrConditionFailed,
// ErrUnexpectedPosition, ErrStreamNotEmpty, ErrStreamDoesNotExist) when the
// condition is not met; a *pgevents.InvalidInputError (ErrInvalidInput;
// ErrEventIDConflict for an id reused in another stream or with other
// content; ErrLimitExceeded, CodeLimitExceeded, over a write limit) for bad
// names, events, JSON, conditions or scope; a custom ConditionFunc's error,
// wrapped. Nothing is written on error.
func (s *Store) AppendEvents(ctx context.Context, params *pgevents.AppendParams) (*pgevents.AppendResult, error) {
	if params == nil {
		params = &pgevents.AppendParams{}
	}
	// What pgstore checks while encoding the request, before PostgreSQL sees it.
	withIDs, err := params.EventsWithIDs()
	if err != nil {
		return nil, err
	}
	events, err := encodeEvents("events", withIDs)
	if err != nil {
		return nil, err
	}
	condition, err := encodeCondition("condition", params.Condition)
	if err != nil {
		return nil, err
	}
	// What pgevents.append checks, in its order.
	if err := checkStreamNames(params.Category, params.Stream); err != nil {
		return nil, err
	}
	if err := checkScope(params.Scope); err != nil {
		return nil, err
	}
	var out []pgevents.Event
	err = s.write(ctx, "append events", func(tx *txState) (err error) {
		out, err = s.writeStream(tx, params.Category, params.Stream, events, condition, "events")
		return err
	})
	if err != nil {
		return nil, err
	}
	return &pgevents.AppendResult{Events: out}, nil
}

// AppendStreams appends to several streams of params.Category, all or
// nothing, each stream under its own condition, and returns the stored
// events ordered by stream name (byte order), then input order. It
// implements pgevents.Store.AppendStreams with the rules of
// pgevents.append_streams: streams are written one after the other in byte
// order of their names, each as AppendEvents would, and the first failure
// undoes them all. Every event of the call gets the same TransactionID.
// Empty (or nil) params.Streams is a no-op. A nil params is the zero
// AppendStreamsParams. ctx is checked before the call.
//
// Errors are those of AppendEvents; a *pgevents.ConditionError names the
// stream whose condition failed. Nothing is written on error.
func (s *Store) AppendStreams(ctx context.Context, params *pgevents.AppendStreamsParams) (*pgevents.AppendResult, error) {
	if params == nil {
		params = &pgevents.AppendStreamsParams{}
	}
	withIDs, err := params.EventsWithIDs()
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(params.Streams))
	for name := range params.Streams {
		names = append(names, name)
	}
	sort.Strings(names)
	type encodedStream struct {
		condition pgevents.Condition
		events    []newEvent
	}
	streams := make(map[string]encodedStream, len(names))
	for _, name := range names {
		field := "streams[" + goQuote(name) + "]"
		sa := params.Streams[name]
		events, err := encodeEvents(field+".events", withIDs[name])
		if err != nil {
			return nil, err
		}
		condition, err := encodeCondition(field+".condition", sa.Condition)
		if err != nil {
			return nil, err
		}
		streams[name] = encodedStream{condition: condition, events: events}
	}
	if err := pgevents.CheckName("category", params.Category); err != nil {
		return nil, err
	}
	// PostgreSQL checks the stream names in jsonb key order: shorter first.
	byJSONBOrder := append([]string(nil), names...)
	sort.SliceStable(byJSONBOrder, func(i, j int) bool { return len(byJSONBOrder[i]) < len(byJSONBOrder[j]) })
	for _, name := range byJSONBOrder {
		if err := pgevents.CheckName("streams["+jsonb.QuoteString(name)+"]", name); err != nil {
			return nil, err
		}
	}
	// The limits of the whole call (writeStream checks each stream's own).
	count, size := 0, 0
	for _, st := range streams {
		count += len(st.events)
		size += eventsTextSize(st.events)
	}
	if l := s.mem.limits; count > l.MaxAppendEvents {
		return nil, limitExceeded("streams", fmt.Sprintf("must hold at most %d events in all (got %d)", l.MaxAppendEvents, count))
	} else if size > l.MaxAppendSize {
		return nil, limitExceeded("streams", fmt.Sprintf("must hold at most %d bytes of events JSON in all (got %d)", l.MaxAppendSize, size))
	}
	if err := checkScope(params.Scope); err != nil {
		return nil, err
	}
	out := []pgevents.Event{}
	err = s.write(ctx, "append streams", func(tx *txState) error {
		for _, name := range names {
			st := streams[name]
			written, err := s.writeStream(tx, params.Category, name, st.events, st.condition,
				"streams["+jsonb.QuoteString(name)+"].events")
			if err != nil {
				return err
			}
			out = append(out, written...)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &pgevents.AppendResult{Events: out}, nil
}

// newEvent is a NewEvent after encoding: JSON in jsonb's text form, times
// truncated, the id generated when absent.
type newEvent struct {
	id         uuid.UUID
	metadata   []byte
	name       string
	observedAt time.Time // zero: the clock's
	occurredAt time.Time // zero: observedAt
	payload    []byte
}

// encodeEvents does what pgstore does while encoding events (their ids
// already given, see AppendParams.EventsWithIDs): it refuses an event name
// that is not UTF-8 (PE101, field "<field>[i].name"), JSON that PostgreSQL's
// jsonb refuses (\u0000, lone surrogates, invalid UTF-8, numbers out of
// numeric's range: PE102, "<field>[i].payload" or ".metadata") and times
// that cannot be sent (PE102, "<field>[i].occurred_at" or ".observed_at").
func encodeEvents(field string, events []pgevents.NewEvent) ([]newEvent, error) {
	out := make([]newEvent, len(events))
	for i, e := range events {
		bad := func(sub, reason string) error {
			return &pgevents.InvalidInputError{Code: pgevents.CodeInvalidEvents, Field: fmt.Sprintf("%s[%d].%s", field, i, sub), Reason: reason}
		}
		if !utf8.ValidString(e.Name) {
			return nil, &pgevents.InvalidInputError{Code: pgevents.CodeInvalidName, Field: fmt.Sprintf("%s[%d].name", field, i),
				Reason: "must be valid UTF-8"}
		}
		n := newEvent{id: e.ID, name: e.Name}
		var err error
		if n.payload, err = encodeJSON(e.Payload); err != nil {
			return nil, bad("payload", err.Error())
		}
		if n.metadata, err = encodeJSON(e.Metadata); err != nil {
			return nil, bad("metadata", err.Error())
		}
		for _, t := range []struct {
			name string
			in   time.Time
			out  *time.Time
		}{{"occurred_at", e.OccurredAt, &n.occurredAt}, {"observed_at", e.ObservedAt, &n.observedAt}} {
			if t.in.IsZero() {
				continue
			}
			*t.out = pgevents.TruncateTime(t.in)
			if y := t.out.Year(); y < 0 || y > 9999 {
				return nil, bad(t.name, fmt.Sprintf("%s cannot be encoded: its year in UTC must be in [0,9999]", t.in))
			}
		}
		out[i] = n
	}
	return out, nil
}

// encodeJSON returns raw in jsonb's text form; nil (or empty) is JSON null.
// It refuses what pgstore refuses before sending (internal/pgjson, the same
// check and reason), then what jsonb.Normalize cannot represent.
func encodeJSON(raw json.RawMessage) ([]byte, error) {
	if len(raw) == 0 {
		return []byte("null"), nil
	}
	if err := pgjson.Validate(raw); err != nil {
		return nil, err
	}
	b, err := jsonb.Normalize(raw)
	if errors.Is(err, jsonb.ErrTooDeep) {
		// Valid JSON deeper than jsonb here represents: PostgreSQL stores it,
		// then its nesting limit (at most 999 levels) refuses it with PE112,
		// as checkLimits will; keep the text for that check.
		return raw, nil
	}
	return b, err
}

// encodeCondition returns c as PostgreSQL receives it: encoded to its JSON
// form and decoded again, so a custom condition's Params hold JSON values.
func encodeCondition(field string, c pgevents.Condition) (pgevents.Condition, error) {
	if c.Type == "" {
		return c, nil
	}
	b, err := json.Marshal(c)
	if err == nil {
		err = pgjson.Validate(b) // what pgstore refuses before sending
	}
	if err != nil {
		return pgevents.Condition{}, &pgevents.InvalidInputError{Code: pgevents.CodeInvalidCondition, Field: field, Reason: err.Error()}
	}
	var out pgevents.Condition
	if err := json.Unmarshal(b, &out); err != nil {
		return pgevents.Condition{}, &pgevents.InvalidInputError{Code: pgevents.CodeInvalidCondition, Field: field, Reason: err.Error()}
	}
	return out, nil
}

// checkScope is pgevents.lock_scope's check (PE105).
func checkScope(scope pgevents.Scope) error {
	switch scope.OrDefault() {
	case pgevents.ScopeStream, pgevents.ScopeCategory, pgevents.ScopeLog:
		return nil
	}
	return &pgevents.InvalidInputError{Code: pgevents.CodeInvalidScope, Field: "scope",
		Reason: fmt.Sprintf("must be log, category or stream (got %s)", sqlLiteral(string(scope)))}
}

// writeStream is pgevents.write_stream: it validates the events, returns the
// stored events of an idempotent retry, evaluates the condition and inserts.
// The caller holds the write lock and undoes the inserts if a later step fails.
func (s *Store) writeStream(tx *txState, category, stream string, events []newEvent, condition pgevents.Condition, field string) ([]pgevents.Event, error) {
	m := s.mem
	if err := m.limits.checkLimits(field, events); err != nil {
		return nil, err
	}
	seen := make(map[uuid.UUID]bool, len(events))
	for i, e := range events {
		f := fmt.Sprintf("%s[%d]", field, i)
		if err := pgevents.CheckName(f+".name", e.name); err != nil {
			return nil, err
		}
		if seen[e.id] {
			return nil, &pgevents.InvalidInputError{Code: pgevents.CodeInvalidEvents, Field: f + ".id",
				Reason: fmt.Sprintf("%s appears twice in the batch", e.id)}
		}
		seen[e.id] = true
		for _, t := range []struct {
			name string
			at   time.Time
		}{{"observed_at", e.observedAt}, {"occurred_at", e.occurredAt}} {
			if !t.at.IsZero() && t.at.Year() < 1 {
				// PostgreSQL has no year 0 (1 BC): the text form is out of range.
				return nil, &pgevents.InvalidInputError{Code: pgevents.CodeInvalidEvents, Field: f + "." + t.name,
					Reason: fmt.Sprintf("is not a valid timestamp (got %s)", sqlLiteral(t.at.Format(time.RFC3339Nano)))}
			}
		}
	}
	// observed_at is the recording time: only imports may set it, when the
	// store allows them.
	if !m.allowObservedAt {
		for i, e := range events {
			if !e.observedAt.IsZero() {
				return nil, &pgevents.InvalidInputError{Code: pgevents.CodeInvalidEvents, Field: fmt.Sprintf("%s[%d].observed_at", field, i),
					Reason: "may only be set by imports, and the installation does not allow them (setting allow_observed_at)"}
			}
		}
	}
	if err := s.checkCondition(condition, "condition"); err != nil {
		return nil, err
	}

	// 1. Idempotent retry, before the condition.
	existing, matching := 0, 0
	var conflict, firstMissing uuid.UUID
	for _, e := range events {
		i, ok := m.byID[e.id]
		if !ok {
			if firstMissing == uuid.Nil {
				firstMissing = e.id
			}
			continue
		}
		existing++
		st := m.events[i]
		if st.Category == category && st.Stream == stream && st.Name == e.name &&
			jsonb.Equal(st.Payload, e.payload) && jsonb.Equal(st.Metadata, e.metadata) &&
			(e.occurredAt.IsZero() || st.OccurredAt.Equal(e.occurredAt)) {
			matching++
		} else if conflict == uuid.Nil {
			conflict = e.id
		}
	}
	if existing > 0 {
		if matching == len(events) {
			out := make([]pgevents.Event, len(events))
			for i, e := range events {
				out[i] = cloneEvent(m.events[m.byID[e.id]])
			}
			return out, nil
		}
		if conflict == uuid.Nil {
			conflict = firstMissing
		}
		return nil, &pgevents.InvalidInputError{Code: pgevents.CodeEventIDConflict, Field: field,
			Reason: fmt.Sprintf("%s: an id may be reused only to retry the exact same batch on the same stream", conflict)}
	}

	// 2. (PostgreSQL refuses transaction id inversions here; writes are
	// serialised in memory, so there are none.)

	// 3. The condition.
	latest := m.latest(category, stream)
	failure, err := s.evaluate(condition, category, stream, latest, "condition")
	if err != nil {
		return nil, err
	}
	if failure != nil {
		var pos *int64
		if latest != nil {
			p := latest.Position
			pos = &p
		}
		e := failure.toError(category, stream, pos)
		return nil, &e
	}

	// 5. observed_at never goes backwards along the stream: a default is the
	// clock, or the latest observed_at when that is later; a given one must
	// not be earlier than the one before it (in the stream, then the batch).
	next := int64(0)
	var prev time.Time
	if latest != nil {
		next = latest.Position + 1
		prev = latest.ObservedAt
	}
	observedAt := make([]time.Time, len(events))
	var clock time.Time // read once, under the lock, if needed
	for i, e := range events {
		if e.observedAt.IsZero() {
			if clock.IsZero() {
				clock = pgevents.TruncateTime(m.clock())
			}
			observedAt[i] = clock
			if observedAt[i].Before(prev) {
				observedAt[i] = prev
			}
		} else if e.observedAt.Before(prev) {
			return nil, &pgevents.InvalidInputError{Code: pgevents.CodeInvalidEvents, Field: fmt.Sprintf("%s[%d].observed_at", field, i),
				Reason: fmt.Sprintf("must not be earlier than the observed_at before it in the stream (%s)", prev.UTC().Format("2006-01-02T15:04:05.000000Z"))}
		} else {
			observedAt[i] = e.observedAt
		}
		prev = observedAt[i]
	}

	// Insert.
	out := make([]pgevents.Event, len(events))
	for i, e := range events {
		observed := observedAt[i]
		occurred := e.occurredAt
		if occurred.IsZero() {
			occurred = observed
		}
		stored := m.insert(tx, pgevents.Event{
			Category:   category,
			ID:         e.id,
			Metadata:   e.metadata,
			Name:       e.name,
			ObservedAt: observed,
			OccurredAt: occurred,
			Payload:    e.payload,
			Position:   next + int64(i),
			Stream:     stream,
		})
		out[i] = cloneEvent(stored)
	}
	return out, nil
}

// sqlLiteral quotes s as PostgreSQL's format('%L') does.
func sqlLiteral(s string) string {
	var b bytes.Buffer
	if bytes.ContainsRune([]byte(s), '\\') {
		b.WriteByte('E')
	}
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case '\'':
			b.WriteString("''")
		case '\\':
			b.WriteString(`\\`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// goQuote quotes s as encoding/json does (the form pgstore uses in the
// fields of errors it finds while encoding a request).
func goQuote(s string) string {
	b, _ := json.Marshal(s) // a string always encodes
	return string(b)
}
