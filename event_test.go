package pgevents_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
)

func TestNewEvent_MarshalJSON(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(pgevents.NewEvent{Name: "Opened"})
	require.NoError(t, err)
	require.JSONEq(t, `{"name":"Opened","payload":null,"metadata":null}`, string(b), "nil payload/metadata are JSON null; no id or times")

	id := uuid.MustParse("0190a6e0-0000-7000-8000-000000000001")
	at := time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.FixedZone("x", 3600))
	b, err = json.Marshal(pgevents.NewEvent{ID: id, Name: "Opened", Payload: json.RawMessage(`{"a":1}`),
		Metadata: json.RawMessage(`{}`), OccurredAt: at, ObservedAt: at})
	require.NoError(t, err)
	require.JSONEq(t, `{"id":"0190a6e0-0000-7000-8000-000000000001","name":"Opened","payload":{"a":1},"metadata":{},
		"occurred_at":"2026-01-02T02:04:05.123456Z","observed_at":"2026-01-02T02:04:05.123456Z"}`, string(b),
		"times truncated to microseconds, in UTC")
}

func TestCursor(t *testing.T) {
	t.Parallel()
	require.True(t, pgevents.Cursor{}.IsZero())
	a := pgevents.Cursor{TransactionID: 10, SequenceNumber: 99}
	b := pgevents.Cursor{TransactionID: 11, SequenceNumber: 5}
	c := pgevents.Cursor{TransactionID: 11, SequenceNumber: 6}
	require.True(t, a.Less(b), "transaction id first")
	require.True(t, b.Less(c), "then sequence number")
	require.False(t, c.Less(b))
	require.False(t, a.Less(a))

	got, err := pgevents.ParseCursor(a.String())
	require.NoError(t, err)
	require.Equal(t, a, got)
	require.Equal(t, "10:99", a.String())
	for _, bad := range []string{"", "1", "a:b", "1:-2", "-1:2", "1:2:3"} {
		_, err := pgevents.ParseCursor(bad)
		require.ErrorIs(t, err, pgevents.ErrInvalidInput, bad)
	}
	e := pgevents.Event{TransactionID: 7, SequenceNumber: 8, Category: "c", Stream: "s"}
	require.Equal(t, pgevents.Cursor{TransactionID: 7, SequenceNumber: 8}, e.Cursor())
	require.Equal(t, pgevents.StreamID("c", "s"), e.StreamID())
}

func TestIdentifier(t *testing.T) {
	t.Parallel()
	cases := []struct {
		id   pgevents.Identifier
		json string
		kind string
	}{
		{pgevents.LogID(), `{"type":"log"}`, "log"},
		{pgevents.CategoryID("c"), `{"type":"category","category":"c"}`, "category"},
		{pgevents.StreamID("c", "s"), `{"type":"stream","category":"c","stream":"s"}`, "stream"},
	}
	for _, tc := range cases {
		b, err := json.Marshal(tc.id)
		require.NoError(t, err)
		require.JSONEq(t, tc.json, string(b))
		require.Equal(t, tc.kind, tc.id.Kind())
		var back pgevents.Identifier
		require.NoError(t, json.Unmarshal(b, &back))
		require.Equal(t, tc.id, back)
	}
	_, err := pgevents.NewIdentifier("", "s")
	require.ErrorIs(t, err, pgevents.ErrInvalidInput)
	var iie *pgevents.InvalidInputError
	require.ErrorAs(t, err, &iie)
	require.Equal(t, pgevents.CodeInvalidIdentifier, iie.Code)
	_, err = json.Marshal(pgevents.Identifier{Stream: "s"})
	require.ErrorIs(t, err, pgevents.ErrInvalidInput)
	for _, bad := range []string{`{"type":"stream","category":"c"}`, `{"type":"category"}`, `{"type":"x"}`, `[]`, `{"type":"log","stream":"s"}`} {
		var id pgevents.Identifier
		require.ErrorIs(t, json.Unmarshal([]byte(bad), &id), pgevents.ErrInvalidInput, bad)
	}
}

func TestScope_Validate(t *testing.T) {
	t.Parallel()
	for _, s := range []pgevents.Scope{"", pgevents.ScopeStream, pgevents.ScopeCategory, pgevents.ScopeLog} {
		require.NoError(t, s.Validate())
	}
	require.ErrorIs(t, pgevents.Scope("global").Validate(), pgevents.ErrInvalidInput)
	require.Equal(t, pgevents.ScopeStream, pgevents.Scope("").OrDefault())
	require.Equal(t, pgevents.ScopeLog, pgevents.ScopeLog.OrDefault())
}
