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

func TestNewEvent_AppendJSON(t *testing.T) {
	t.Parallel()
	prefix := []byte(`[1,`)
	b, err := pgevents.NewEvent{Name: "A", Payload: json.RawMessage("{ \"x\" :\n [1, 2] }")}.AppendJSON(prefix)
	require.NoError(t, err)
	require.Equal(t, `[1,`, string(b[:3]), "appends to b")
	require.JSONEq(t, `{"name":"A","payload":{"x":[1,2]},"metadata":null}`, string(b[3:]))
	require.Contains(t, string(b), "{ \"x\" :\n [1, 2] }", "payload copied as given, not re-encoded")

	for _, name := range []string{"plain", `quo"te`, `back\slash`, "tab\tnew\nline\x00nul\x1f", "é ✓ 😀", "</script>&", "\u2028"} {
		b, err := pgevents.NewEvent{Name: name}.AppendJSON(nil)
		require.NoError(t, err, name)
		var got struct{ Name string }
		require.NoError(t, json.Unmarshal(b, &got), "%q encodes to valid JSON: %s", name, b)
		want, err := json.Marshal(name) // what encoding/json makes of it (invalid UTF-8 becomes U+FFFD)
		require.NoError(t, err)
		var wantName string
		require.NoError(t, json.Unmarshal(want, &wantName))
		require.Equal(t, wantName, got.Name, "%q round-trips as encoding/json would encode it", name)
	}

	requireInvalid := func(err error, code, field string) {
		t.Helper()
		var ie *pgevents.InvalidInputError
		require.ErrorAs(t, err, &ie)
		require.Equal(t, code, ie.Code, "%v", err)
		require.Equal(t, field, ie.Field, "%v", err)
	}
	_, err = pgevents.NewEvent{Name: "A", Payload: json.RawMessage(`{"x":`)}.AppendJSON(nil)
	requireInvalid(err, pgevents.CodeInvalidEvents, "payload")
	require.ErrorContains(t, err, "is not valid JSON")
	b, err = pgevents.NewEvent{Name: "A", Metadata: json.RawMessage(`nope`)}.AppendJSON(prefix)
	requireInvalid(err, pgevents.CodeInvalidEvents, "metadata")
	require.Equal(t, `[1,`, string(b), "on error b comes back unchanged")
	_, err = pgevents.NewEvent{Name: "A", OccurredAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}.AppendJSON(nil)
	requireInvalid(err, pgevents.CodeInvalidEvents, "occurred_at")

	// What encoding/json accepts but PostgreSQL's jsonb refuses (issue 8,
	// item 15): refused here, naming the field, never sent.
	for _, bad := range []string{"\"\xff\"", `"\u0000"`, `{"a":"\ud800"}`, `1e999999`, `[1e-20000]`} {
		b, err := pgevents.NewEvent{Name: "A", Payload: json.RawMessage(bad)}.AppendJSON(prefix)
		requireInvalid(err, pgevents.CodeInvalidEvents, "payload")
		require.Equal(t, `[1,`, string(b))
		_, err = pgevents.NewEvent{Name: "A", Metadata: json.RawMessage(bad)}.AppendJSON(nil)
		requireInvalid(err, pgevents.CodeInvalidEvents, "metadata")
	}
	// An event name that is not UTF-8 is refused (it used to be stored with U+FFFD).
	b, err = pgevents.NewEvent{Name: "bad\xffutf8\xc3"}.AppendJSON(prefix)
	requireInvalid(err, pgevents.CodeInvalidName, "name")
	require.Equal(t, `[1,`, string(b))
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
	for _, ok := range []pgevents.Cursor{{}, {TransactionID: 1<<64 - 1, SequenceNumber: 1<<63 - 1}} {
		got, err := pgevents.ParseCursor(ok.String())
		require.NoError(t, err)
		require.Equal(t, ok, got)
	}
	for _, bad := range []string{"", "1", "a:b", "1:-2", "-1:2", "1:2:3", "+1:2", "1:+2", "01:2", "1:02", " 1:2", "1:2 ",
		"1 :2", "18446744073709551616:0", "1:9223372036854775808", "0x1:2", "1_0:2", ":", "1:", ":1", "not-a-cursor"} {
		_, err := pgevents.ParseCursor(bad)
		require.ErrorIs(t, err, pgevents.ErrInvalidInput, bad)
		var ie *pgevents.InvalidInputError
		require.ErrorAs(t, err, &ie)
		require.Equal(t, pgevents.CodeInvalidReadArgument, ie.Code)
		require.Equal(t, "cursor", ie.Field)
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
