package pgstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/internal/pgjson"
	"github.com/pgevents/pgevents/pgeventsdb"
)

// This file converts between pgevents' types and pgeventsdb's. It applies no
// rule of the SQL API (names, conditions, scopes are validated in SQL); it
// only fills in what the Go contract defines as defaults (generated ids, the
// default limit and scope), encodes JSON, and refuses what PostgreSQL cannot
// even receive, with the typed error of the field memstore gives too: a NUL
// byte or invalid UTF-8 in text, and JSON that jsonb's input refuses
// (internal/pgjson: \u0000, lone surrogates, numbers beyond numeric's range,
// which PostgreSQL would report as a bare 22P05, 22P02 or 22003 about the
// whole argument).

// checkText refuses a NUL byte or invalid UTF-8 in a text argument:
// PostgreSQL text cannot hold them (the extended protocol fails with 22021,
// and the simple protocol cannot even send the statement), so pgevents' SQL
// never sees them.
func checkText(code, field, s string) error {
	if strings.IndexByte(s, 0) >= 0 {
		return &pgevents.InvalidInputError{Code: code, Field: field,
			Reason: "must not contain NUL bytes (PostgreSQL text cannot hold them)"}
	}
	if !utf8.ValidString(s) {
		return &pgevents.InvalidInputError{Code: code, Field: field, Reason: "must be valid UTF-8"}
	}
	return nil
}

// checkNames checks the names of a stream or category with checkText.
func checkNames(category, stream string) error {
	if err := checkText(pgevents.CodeInvalidName, "category", category); err != nil {
		return err
	}
	return checkText(pgevents.CodeInvalidName, "stream", stream)
}

func appendParamsToInternal(params *pgevents.AppendParams) (*pgeventsdb.AppendEventsParams, error) {
	if params == nil {
		params = &pgevents.AppendParams{}
	}
	if err := checkNames(params.Category, params.Stream); err != nil {
		return nil, err
	}
	if err := checkText(pgevents.CodeInvalidScope, "scope", string(params.Scope)); err != nil {
		return nil, err
	}
	withIDs, err := params.EventsWithIDs()
	if err != nil {
		return nil, err
	}
	events, err := eventsToJSON("events", withIDs)
	if err != nil {
		return nil, err
	}
	condition, err := conditionToJSON("condition", params.Condition)
	if err != nil {
		return nil, err
	}
	return &pgeventsdb.AppendEventsParams{Category: params.Category, Stream: params.Stream, Events: events,
		Condition: condition, Scope: string(params.Scope.OrDefault())}, nil
}

func appendStreamsParamsToInternal(params *pgevents.AppendStreamsParams) (*pgeventsdb.AppendStreamsParams, error) {
	if params == nil {
		params = &pgevents.AppendStreamsParams{}
	}
	if err := checkNames(params.Category, ""); err != nil {
		return nil, err
	}
	if err := checkText(pgevents.CodeInvalidScope, "scope", string(params.Scope)); err != nil {
		return nil, err
	}
	withIDs, err := params.EventsWithIDs()
	if err != nil {
		return nil, err
	}
	// The JSON object stream -> {"events": [...], "condition": ...}, built
	// by hand (encoding/json would parse every payload again, and refuse
	// those nested beyond its 10,000 levels). Streams in byte order, as
	// memstore checks them.
	names := slices.Sorted(maps.Keys(params.Streams))
	b := []byte{'{'}
	for i, name := range names {
		field := fmt.Sprintf("streams[%s]", quote(name))
		if err := checkText(pgevents.CodeInvalidName, field, name); err != nil {
			return nil, err
		}
		events, err := eventsToJSON(field+".events", withIDs[name])
		if err != nil {
			return nil, err
		}
		condition, err := conditionToJSON(field+".condition", params.Streams[name].Condition)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, quote(name)...)
		b = append(b, `:{"events":`...)
		b = append(b, events...)
		if condition != nil {
			b = append(b, `,"condition":`...)
			b = append(b, condition...)
		}
		b = append(b, '}')
	}
	b = append(b, '}')
	return &pgeventsdb.AppendStreamsParams{Category: params.Category, Streams: b,
		Scope: string(params.Scope.OrDefault())}, nil
}

// eventsToJSON encodes events (their ids already given, see
// AppendParams.EventsWithIDs) as the JSON array the SQL API takes. One
// buffer, one pass over each payload (NewEvent.AppendJSON, which also checks
// it as jsonb's input would): this runs on every append. An invalid event is
// reported on its field, e.g. events[2].payload (CodeInvalidEvents) or
// events[0].name (CodeInvalidName: not UTF-8).
func eventsToJSON(field string, events []pgevents.NewEvent) (json.RawMessage, error) {
	size := 2
	for _, e := range events {
		size += 160 + len(e.Name) + len(e.Payload) + len(e.Metadata)
	}
	b := make([]byte, 0, size)
	b = append(b, '[')
	for i, e := range events {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = e.AppendJSON(b); err != nil {
			var ie *pgevents.InvalidInputError
			if errors.As(err, &ie) {
				return nil, &pgevents.InvalidInputError{Code: ie.Code,
					Field: fmt.Sprintf("%s[%d].%s", field, i, ie.Field), Reason: ie.Reason}
			}
			return nil, &pgevents.InvalidInputError{Code: pgevents.CodeInvalidEvents,
				Field: fmt.Sprintf("%s[%d]", field, i), Reason: err.Error()}
		}
	}
	return append(b, ']'), nil
}

// conditionToJSON encodes a condition; the zero condition is SQL NULL. A
// custom condition's parameters may hold JSON that jsonb refuses (a
// json.RawMessage or json.Number): refused here, as memstore does.
func conditionToJSON(field string, c pgevents.Condition) (json.RawMessage, error) {
	if c.Type == "" {
		return nil, nil
	}
	b, err := json.Marshal(c)
	if err == nil {
		err = pgjson.Validate(b)
	}
	if err != nil {
		return nil, &pgevents.InvalidInputError{Code: pgevents.CodeInvalidCondition, Field: field, Reason: err.Error()}
	}
	return b, nil
}

func quote(s string) string {
	b, _ := json.Marshal(s) // a string always encodes
	return string(b)
}

func readStreamParamsToInternal(params *pgevents.ReadStreamParams) (*pgeventsdb.ReadStreamParams, error) {
	if params == nil {
		params = &pgevents.ReadStreamParams{}
	}
	if err := checkNames(params.Category, params.Stream); err != nil {
		return nil, err
	}
	return &pgeventsdb.ReadStreamParams{Category: params.Category, Stream: params.Stream,
		FromPosition: params.FromPosition, Limit: limitToInternal(params.Limit)}, nil
}

func readEventsParamsOrDefault(params *pgevents.ReadEventsParams) (*pgevents.ReadEventsParams, error) {
	if params == nil {
		params = &pgevents.ReadEventsParams{}
	}
	if err := checkNames(params.Category, ""); err != nil {
		return nil, err
	}
	return params, nil
}

func latestEventParamsToInternal(params *pgevents.LatestEventParams) (*pgeventsdb.LatestEventParams, error) {
	if params == nil {
		params = &pgevents.LatestEventParams{}
	}
	if err := checkNames(params.Source.Category, params.Source.Stream); err != nil {
		return nil, err
	}
	return &pgeventsdb.LatestEventParams{Category: nonEmpty(params.Source.Category), Stream: nonEmpty(params.Source.Stream)}, nil
}

// nonEmpty returns nil (SQL NULL) for "", else &s.
func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func eventFromInternal(e *pgeventsdb.Event) pgevents.Event {
	return pgevents.Event{
		Category:       e.Category,
		ID:             e.ID,
		Metadata:       e.Metadata,
		Name:           e.Name,
		ObservedAt:     e.ObservedAt.UTC(),
		OccurredAt:     e.OccurredAt.UTC(),
		Payload:        e.Payload,
		Position:       e.Position,
		SequenceNumber: e.SequenceNumber,
		Stream:         e.Stream,
		TransactionID:  e.TransactionID,
	}
}

// eventsFromInternal converts rows; it never returns nil, so "no events" is
// an empty slice.
func eventsFromInternal(rows []*pgeventsdb.Event) []pgevents.Event {
	out := make([]pgevents.Event, len(rows))
	for i, r := range rows {
		out[i] = eventFromInternal(r)
	}
	return out
}

func fenceLagFromInternal(r *pgeventsdb.FenceLagRow) *FenceLag {
	out := &FenceLag{}
	if r.Fence != nil {
		out.Fence = *r.Fence
	}
	if r.HeldBackEvents != nil {
		out.HeldBackEvents = *r.HeldBackEvents
	}
	if r.HeldBackSince != nil {
		out.HeldBackSince = r.HeldBackSince.UTC()
	}
	if r.Lag != nil {
		out.Lag = *r.Lag
	}
	return out
}
