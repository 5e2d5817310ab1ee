package pgeventstest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
)

// mockT records failures instead of stopping the test. Like testing.T's,
// its FailNow must be followed by a return in the code under test.
type mockT struct {
	errors []string
	failed bool
}

func (m *mockT) Errorf(format string, args ...any) {
	m.errors = append(m.errors, fmt.Sprintf(format, args...))
}
func (m *mockT) FailNow() { m.failed = true }
func (m *mockT) Helper()  {}

var _ testingT = (*mockT)(nil)

// message returns the single failure message, failing t unless there is
// exactly one and FailNow was called.
func (m *mockT) message(t *testing.T) string {
	t.Helper()
	require.True(t, m.failed, "FailNow was called")
	require.Len(t, m.errors, 1)
	require.True(t, strings.HasPrefix(m.errors[0], "pgeventstest: "), m.errors[0])
	return m.errors[0]
}

type requireBundle struct {
	ctx   context.Context
	store *fakeStore
}

func setupRequire(t *testing.T) *requireBundle {
	t.Helper()
	ctx := t.Context()
	store := &fakeStore{}
	_, err := store.AppendEvents(ctx, &pgevents.AppendParams{Category: "acc", Stream: "1", Events: []pgevents.NewEvent{
		NewEventBuilder().WithName("Opened").WithPayload(json.RawMessage(`{"owner":"ann","limit":10}`)).Build(),
		NewEventBuilder().WithName("Deposited").WithPayload(map[string]int{"amount": 5}).WithMetadata(map[string]string{"by": "ann"}).Build(),
		NewEventBuilder().WithName("Deposited").WithPayload(map[string]int{"amount": 7}).Build(),
	}})
	require.NoError(t, err)
	_, err = store.AppendEvents(ctx, &pgevents.AppendParams{Category: "acc", Stream: "2", Events: []pgevents.NewEvent{
		NewEventBuilder().WithName("Opened").WithPayload(map[string]string{"owner": "bob"}).Build(),
	}})
	require.NoError(t, err)
	_, err = store.AppendEvents(ctx, &pgevents.AppendParams{Category: "other", Stream: "1", Events: []pgevents.NewEvent{
		NewEventBuilder().WithName("Deposited").WithPayload(map[string]int{"amount": 5}).Build(),
	}})
	require.NoError(t, err)
	return &requireBundle{ctx: ctx, store: store}
}

func TestRequireStream(t *testing.T) {
	t.Parallel()

	t.Run("Success", func(t *testing.T) {
		t.Parallel()
		b := setupRequire(t)
		events := RequireStream(b.ctx, t, b.store, "acc", "1", Names("Opened", "Deposited", "Deposited")...)
		require.Len(t, events, 3)
		require.Equal(t, int64(2), events[2].Position)

		// Semantic JSON comparison: key order, spacing and number spelling.
		RequireStream(b.ctx, t, b.store, "acc", "1",
			ExpectedEvent{Name: "Opened", Payload: json.RawMessage(` { "limit": 10.0, "owner": "ann" } `), Metadata: json.RawMessage("null")},
			ExpectedEvent{Name: "Deposited", Payload: map[string]any{"amount": 5}, Metadata: map[string]string{"by": "ann"}},
			ExpectedEvent{Name: "Deposited", Payload: struct {
				Amount int `json:"amount"`
			}{7}},
		)
		RequireStream(b.ctx, t, b.store, "acc", "empty")
	})

	t.Run("ExpectAppended", func(t *testing.T) {
		t.Parallel()
		b := setupRequire(t)
		nes := NewGenerator(3).Events(5, nil)
		_, err := b.store.AppendEvents(b.ctx, &pgevents.AppendParams{Category: "gen", Stream: "s", Events: nes})
		require.NoError(t, err)
		RequireStream(b.ctx, t, b.store, "gen", "s", Expect(nes...)...)

		mock := &mockT{}
		nes[3].Payload = json.RawMessage(`{"changed":true}`)
		require.Nil(t, requireStream(b.ctx, mock, b.store, "gen", "s", Expect(nes...)))
		require.Contains(t, mock.message(t), `position 3: payload {`)
	})

	t.Run("Differences", func(t *testing.T) {
		t.Parallel()
		b := setupRequire(t)
		mock := &mockT{}
		got := requireStream(b.ctx, mock, b.store, "acc", "1", []ExpectedEvent{
			{Name: "Opened", Payload: json.RawMessage(`{"owner":"ann","limit":"10"}`)},
			{Name: "Withdrawn"},
			{Name: "Deposited", Metadata: map[string]string{"by": "bob"}},
			{Name: "Closed"},
		})
		require.Nil(t, got)
		require.Equal(t, `pgeventstest: stream acc/1 differs from what was expected (got 3 events ["Opened" "Deposited" "Deposited"], want 4 ["Opened" "Withdrawn" "Deposited" "Closed"]):
  position 0: payload {"owner":"ann","limit":10}, want {"owner":"ann","limit":"10"}
  position 1: name "Deposited", want "Withdrawn"
  position 2: metadata null, want {"by":"bob"}
  position 3: missing event "Closed"`, mock.message(t))
	})

	t.Run("UnexpectedEvents", func(t *testing.T) {
		t.Parallel()
		b := setupRequire(t)
		mock := &mockT{}
		requireStream(b.ctx, mock, b.store, "acc", "1", Names("Opened"))
		msg := mock.message(t)
		require.Contains(t, msg, "position 1: unexpected event \"Deposited\"\n  position 2: unexpected event \"Deposited\"")

		mock = &mockT{}
		requireStream(b.ctx, mock, b.store, "acc", "1", nil)
		require.Contains(t, mock.message(t), "got 3 events")
	})

	t.Run("ExpectationDoesNotEncode", func(t *testing.T) {
		t.Parallel()
		b := setupRequire(t)
		mock := &mockT{}
		requireStream(b.ctx, mock, b.store, "acc", "2", []ExpectedEvent{{Name: "Opened", Payload: make(chan int)}})
		require.Contains(t, mock.message(t), "position 0: expected payload does not encode as JSON: json: unsupported type: chan int")
	})

	t.Run("ReadError", func(t *testing.T) {
		t.Parallel()
		b := setupRequire(t)
		b.store.err = errors.New("connection refused")
		mock := &mockT{}
		require.Nil(t, requireStream(b.ctx, mock, b.store, "acc", "1", Names("Opened")))
		require.Equal(t, "pgeventstest: reading stream acc/1: connection refused", mock.message(t))
	})

	t.Run("PagesThroughLongStreams", func(t *testing.T) {
		t.Parallel()
		b := setupRequire(t)
		nes := NewGenerator(1).Events(pgevents.DefaultLimit+5, &EventOpts{Names: []string{"E"}})
		_, err := b.store.AppendEvents(b.ctx, &pgevents.AppendParams{Category: "long", Stream: "s", Events: nes})
		require.NoError(t, err)
		reads := b.store.reads
		require.Len(t, RequireStream(b.ctx, t, b.store, "long", "s", Expect(nes...)...), len(nes))
		require.Equal(t, reads+2, b.store.reads)
	})
}

func TestRequireAppended(t *testing.T) {
	t.Parallel()

	t.Run("FoundInLog", func(t *testing.T) {
		t.Parallel()
		b := setupRequire(t)
		e := RequireAppended(b.ctx, t, b.store, ExpectedEvent{Name: "Opened", Payload: map[string]string{"owner": "bob"}}, nil)
		require.NotNil(t, e)
		require.Equal(t, "2", e.Stream)
	})

	t.Run("SourceNarrowsTheSearch", func(t *testing.T) {
		t.Parallel()
		b := setupRequire(t)
		amount5 := ExpectedEvent{Name: "Deposited", Payload: map[string]int{"amount": 5}}

		mock := &mockT{}
		require.Nil(t, requireAppended(b.ctx, mock, b.store, amount5, nil))
		require.Equal(t, `pgeventstest: 2 events of log match name "Deposited", payload {"amount":5}, want exactly one: acc/1@1, other/1@0`, mock.message(t))

		e := RequireAppended(b.ctx, t, b.store, amount5, &RequireAppendedOpts{Source: pgevents.CategoryID("other")})
		require.Equal(t, "other", e.Category)
		e = RequireAppended(b.ctx, t, b.store, amount5, &RequireAppendedOpts{Source: pgevents.StreamID("acc", "1")})
		require.Equal(t, int64(1), e.Position)

		mock = &mockT{}
		requireAppended(b.ctx, mock, b.store, amount5, &RequireAppendedOpts{Source: pgevents.StreamID("acc", "2")})
		require.Equal(t, `pgeventstest: no event of stream acc/2 matches name "Deposited", payload {"amount":5}: none of its 1 events is named "Deposited"`, mock.message(t))
	})

	t.Run("SameNameDifferentContent", func(t *testing.T) {
		t.Parallel()
		b := setupRequire(t)
		mock := &mockT{}
		requireAppended(b.ctx, mock, b.store, ExpectedEvent{Name: "Deposited", Payload: map[string]int{"amount": 6}, Metadata: json.RawMessage("null")},
			&RequireAppendedOpts{Source: pgevents.CategoryID("acc")})
		require.Equal(t, `pgeventstest: no event of category acc matches name "Deposited", payload {"amount":6}, metadata null; 2 named "Deposited" differ, the first (acc/1@1): payload {"amount":5}, want {"amount":6}; metadata {"by":"ann"}, want null`, mock.message(t))
	})

	t.Run("ReadError", func(t *testing.T) {
		t.Parallel()
		b := setupRequire(t)
		b.store.err = errors.New("boom")
		mock := &mockT{}
		require.Nil(t, requireAppended(b.ctx, mock, b.store, ExpectedEvent{Name: "Opened"}, &RequireAppendedOpts{Source: pgevents.CategoryID("acc")}))
		require.Equal(t, "pgeventstest: reading category acc: boom", mock.message(t))
	})

	t.Run("InvalidSource", func(t *testing.T) {
		t.Parallel()
		b := setupRequire(t)
		mock := &mockT{}
		requireAppended(b.ctx, mock, b.store, ExpectedEvent{Name: "Opened"}, &RequireAppendedOpts{Source: pgevents.Identifier{Stream: "x"}})
		require.Contains(t, mock.message(t), "pgeventstest: RequireAppendedOpts.Source: pgevents: invalid category")
		require.Zero(t, b.store.reads, "nothing is read")
	})
}

func TestJSONEqual(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{`{"a":1,"b":[1,2]}`, ` {"b": [1, 2], "a": 1.0}`, true},
		{`1e2`, `100`, true},
		{`12345678901234567890`, `12345678901234567891`, false},
		{`"1"`, `1`, false},
		{`[1,2]`, `[2,1]`, false},
		{`{"a":null}`, `{}`, false},
		{`null`, `null`, true},
		{`{`, `{`, false},
		{`1 2`, `1`, false},
	} {
		require.Equal(t, tc.want, JSONEqual(json.RawMessage(tc.a), json.RawMessage(tc.b)), "%s vs %s", tc.a, tc.b)
	}
}
