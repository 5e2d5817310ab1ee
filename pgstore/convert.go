package pgstore

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/pgeventsdb"
)

// This file converts between pgevents' types and pgeventsdb's. It applies no
// rule of the SQL API (names, conditions, scopes are validated in SQL); it
// only fills in what the Go contract defines as defaults (generated ids, the
// default limit and scope), encodes JSON, and refuses what PostgreSQL cannot
// even receive (a NUL byte in text).

// checkText refuses a NUL byte in a text argument: PostgreSQL text cannot
// hold one (the extended protocol fails with 22021, and the simple protocol
// cannot even send the statement), so pgevents' SQL never sees it.
func checkText(code, field, s string) error {
	if strings.IndexByte(s, 0) >= 0 {
		return &pgevents.InvalidInputError{Code: code, Field: field,
			Reason: "must not contain NUL bytes (PostgreSQL text cannot hold them)"}
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
	events, err := eventsToJSON("events", params.Events)
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

// streamAppendJSON is the JSON form of one stream of append_streams.
type streamAppendJSON struct {
	Condition json.RawMessage `json:"condition,omitempty"`
	Events    json.RawMessage `json:"events"`
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
	streams := make(map[string]streamAppendJSON, len(params.Streams))
	for name, sa := range params.Streams {
		field := fmt.Sprintf("streams[%s]", quote(name))
		if err := checkText(pgevents.CodeInvalidName, field, name); err != nil {
			return nil, err
		}
		events, err := eventsToJSON(field+".events", sa.Events)
		if err != nil {
			return nil, err
		}
		condition, err := conditionToJSON(field+".condition", sa.Condition)
		if err != nil {
			return nil, err
		}
		streams[name] = streamAppendJSON{Condition: condition, Events: events}
	}
	b, err := json.Marshal(streams)
	if err != nil {
		return nil, fmt.Errorf("pgevents: append streams: encode streams: %w", err)
	}
	return &pgeventsdb.AppendStreamsParams{Category: params.Category, Streams: b,
		Scope: string(params.Scope.OrDefault())}, nil
}

// eventsToJSON encodes events as the JSON array the SQL API takes, giving
// every event without an id a UUIDv7 (in the copy; events is not modified).
// One buffer, one pass over each payload (NewEvent.AppendJSON): this runs on
// every append.
func eventsToJSON(field string, events []pgevents.NewEvent) (json.RawMessage, error) {
	size := 2
	for _, e := range events {
		size += 160 + len(e.Name) + len(e.Payload) + len(e.Metadata)
	}
	b := make([]byte, 0, size)
	b = append(b, '[')
	for i, e := range events {
		if e.ID == uuid.Nil {
			id, err := uuid.NewV7()
			if err != nil {
				return nil, fmt.Errorf("pgevents: generate event id: %w", err)
			}
			e.ID = id
		}
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = e.AppendJSON(b); err != nil {
			return nil, &pgevents.InvalidInputError{Code: pgevents.CodeInvalidEvents,
				Field: fmt.Sprintf("%s[%d]", field, i), Reason: err.Error()}
		}
	}
	return append(b, ']'), nil
}

// conditionToJSON encodes a condition; the zero condition is SQL NULL.
func conditionToJSON(field string, c pgevents.Condition) (json.RawMessage, error) {
	if c.Type == "" {
		return nil, nil
	}
	b, err := json.Marshal(c)
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
