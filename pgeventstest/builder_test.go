package pgeventstest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
)

func TestEventBuilder(t *testing.T) {
	t.Parallel()

	t.Run("Defaults", func(t *testing.T) {
		t.Parallel()
		e := NewEventBuilder().Build()
		require.Equal(t, pgevents.NewEvent{Name: DefaultEventName, Payload: json.RawMessage("{}")}, e)
	})

	t.Run("Overrides", func(t *testing.T) {
		t.Parallel()
		id := uuid.New()
		at := time.Date(2025, 2, 3, 4, 5, 6, 7, time.UTC)
		e := NewEventBuilder().WithName("Deposited").WithPayload(map[string]int{"amount": 5}).
			WithMetadata(json.RawMessage(`{"by": "x"}`)).WithID(id).WithOccurredAt(at).WithObservedAt(at.Add(time.Hour)).Build()
		require.Equal(t, "Deposited", e.Name)
		require.JSONEq(t, `{"amount":5}`, string(e.Payload))
		require.Equal(t, `{"by": "x"}`, string(e.Metadata), "raw JSON is kept as is")
		require.Equal(t, id, e.ID)
		require.Equal(t, at, e.OccurredAt)
		require.Equal(t, at.Add(time.Hour), e.ObservedAt)
		require.Equal(t, "null", string(NewEventBuilder().WithPayload(nil).Build().Payload))
	})

	t.Run("WithReturnsCopies", func(t *testing.T) {
		t.Parallel()
		base := NewEventBuilder().WithName("Base").WithPayload(json.RawMessage(`{"a":1}`))
		derived := base.WithName("Derived").WithPayload(json.RawMessage(`{"a":2}`))
		require.Equal(t, "Base", base.Build().Name)
		require.Equal(t, `{"a":1}`, string(base.Build().Payload))
		require.Equal(t, "Derived", derived.Build().Name)

		built := base.Build()
		built.Payload[5] = '9'
		require.Equal(t, `{"a":1}`, string(base.Build().Payload), "a built event does not share memory with its builder")
		raw := json.RawMessage(`{"a":1}`)
		b := NewEventBuilder().WithPayload(raw)
		raw[5] = '7'
		require.Equal(t, `{"a":1}`, string(b.Build().Payload), "the builder copies raw JSON it is given")
	})

	t.Run("PanicsOnBadJSON", func(t *testing.T) {
		t.Parallel()
		require.PanicsWithValue(t, "pgeventstest: payload does not encode as JSON: json: unsupported type: chan int",
			func() { NewEventBuilder().WithPayload(make(chan int)) })
		require.PanicsWithValue(t, `pgeventstest: metadata is not valid JSON: "{"`,
			func() { NewEventBuilder().WithMetadata(json.RawMessage("{")) })
	})
}

func TestStoredEventBuilder(t *testing.T) {
	t.Parallel()

	t.Run("Defaults", func(t *testing.T) {
		t.Parallel()
		e := NewStoredEventBuilder().Build()
		require.Equal(t, DefaultCategory, e.Category)
		require.Equal(t, DefaultStream, e.Stream)
		require.Equal(t, DefaultEventName, e.Name)
		require.Equal(t, "{}", string(e.Payload))
		require.Equal(t, "null", string(e.Metadata))
		require.Equal(t, int64(0), e.Position)
		require.Equal(t, pgevents.Cursor{TransactionID: 1, SequenceNumber: 1}, e.Cursor())
		require.Equal(t, DefaultTime, e.ObservedAt)
		require.Equal(t, DefaultTime, e.OccurredAt)
		require.NotEqual(t, uuid.Nil, e.ID)
		require.Equal(t, e.ID, NewStoredEventBuilder().Build().ID, "default ids are reproducible")
	})

	t.Run("DefaultsFollowPosition", func(t *testing.T) {
		t.Parallel()
		b := NewStoredEventBuilder()
		e0, e1 := b.Build(), b.WithPosition(1).Build()
		require.NotEqual(t, e0.ID, e1.ID)
		require.NotEqual(t, e0.ID, b.WithStream("test", "other").Build().ID)
		require.Equal(t, pgevents.Cursor{TransactionID: 2, SequenceNumber: 2}, e1.Cursor())
		require.True(t, e0.Cursor().Less(e1.Cursor()))
		e := b.WithPosition(4).WithSequenceNumber(40).Build()
		require.Equal(t, pgevents.Cursor{TransactionID: 40, SequenceNumber: 40}, e.Cursor(), "the transaction id follows an explicit sequence number")
	})

	t.Run("Overrides", func(t *testing.T) {
		t.Parallel()
		id := uuid.New()
		loc := time.FixedZone("x", 3600)
		observed := time.Date(2025, 1, 1, 12, 0, 0, 123456789, loc)
		e := NewStoredEventBuilder().WithCategory("acc").WithStream("acc", "9").WithName("N").WithID(id).
			WithPayload([]int{1}).WithMetadata(map[string]string{"m": "x"}).WithPosition(3).
			WithCursor(pgevents.Cursor{TransactionID: 77, SequenceNumber: 12}).WithObservedAt(observed).Build()
		require.Equal(t, "acc", e.Category)
		require.Equal(t, "9", e.Stream)
		require.Equal(t, "N", e.Name)
		require.Equal(t, id, e.ID)
		require.Equal(t, "[1]", string(e.Payload))
		require.Equal(t, `{"m":"x"}`, string(e.Metadata))
		require.Equal(t, int64(3), e.Position)
		require.Equal(t, uint64(77), e.TransactionID)
		require.Equal(t, int64(12), e.SequenceNumber)
		want := time.Date(2025, 1, 1, 11, 0, 0, 123456000, time.UTC)
		require.Equal(t, want, e.ObservedAt, "truncated to microseconds, in UTC")
		require.Equal(t, want, e.OccurredAt, "OccurredAt defaults to ObservedAt")

		occurred := time.Date(2020, 5, 5, 0, 0, 0, 999, time.UTC)
		e = NewStoredEventBuilder().WithOccurredAt(occurred).WithTransactionID(5).WithSequenceNumber(9).Build()
		require.Equal(t, occurred.Truncate(time.Microsecond), e.OccurredAt)
		require.Equal(t, DefaultTime, e.ObservedAt)
		require.Equal(t, pgevents.Cursor{TransactionID: 5, SequenceNumber: 9}, e.Cursor())
	})

	t.Run("FromNewEvent", func(t *testing.T) {
		t.Parallel()
		occurred := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
		ne := NewEventBuilder().WithName("X").WithPayload(map[string]int{"a": 1}).WithID(uuid.New()).WithOccurredAt(occurred).Build()
		e := NewStoredEventBuilder().FromNewEvent(ne).Build()
		require.Equal(t, ne.Name, e.Name)
		require.Equal(t, ne.ID, e.ID)
		require.Equal(t, string(ne.Payload), string(e.Payload))
		require.Equal(t, "null", string(e.Metadata), "absent metadata is stored as null")
		require.Equal(t, occurred, e.OccurredAt)
		require.Equal(t, DefaultTime, e.ObservedAt)
	})

	t.Run("BuildStream", func(t *testing.T) {
		t.Parallel()
		nes := []pgevents.NewEvent{NewEventBuilder().WithName("A").Build(), NewEventBuilder().WithName("B").Build(), NewEventBuilder().WithName("C").Build()}
		events := NewStoredEventBuilder().WithStream("acc", "1").WithPosition(5).BuildStream(nes...)
		require.Len(t, events, 3)
		for i, e := range events {
			require.Equal(t, nes[i].Name, e.Name)
			require.Equal(t, int64(5+i), e.Position)
			require.Equal(t, "acc", e.Category)
			require.Equal(t, "1", e.Stream)
			if i > 0 {
				require.True(t, events[i-1].Cursor().Less(e.Cursor()))
				require.NotEqual(t, events[i-1].ID, e.ID)
			}
		}
		events = NewStoredEventBuilder().WithCursor(pgevents.Cursor{TransactionID: 50, SequenceNumber: 20}).BuildStream(nes...)
		require.Equal(t, pgevents.Cursor{TransactionID: 52, SequenceNumber: 22}, events[2].Cursor())
		require.Empty(t, NewStoredEventBuilder().BuildStream())
	})
}

func TestProjectionBuilder(t *testing.T) {
	t.Parallel()

	p := NewProjectionBuilder().Build()
	require.Equal(t, DefaultProjectionID, p.ID)
	require.Equal(t, DefaultProjectionName, p.Name)
	require.Equal(t, pgevents.StreamID(DefaultCategory, DefaultStream), p.Source)
	require.Equal(t, "{}", string(p.State))
	require.Equal(t, "{}", string(p.Metadata))
	require.Equal(t, DefaultTime, p.CreatedAt)
	require.Equal(t, DefaultTime, p.UpdatedAt)

	created := time.Date(2025, 1, 1, 0, 0, 0, 1500, time.UTC)
	base := NewProjectionBuilder().WithCreatedAt(created)
	p = base.WithID("acc-1").WithName("balances").WithSource(pgevents.CategoryID("acc")).
		WithState(map[string]int{"balance": 10}).WithMetadata(nil).WithUpdatedAt(created.Add(time.Minute)).Build()
	require.Equal(t, "acc-1", p.ID)
	require.Equal(t, "balances", p.Name)
	require.Equal(t, pgevents.CategoryID("acc"), p.Source)
	require.JSONEq(t, `{"balance":10}`, string(p.State))
	require.Equal(t, "null", string(p.Metadata))
	require.Equal(t, created.Truncate(time.Microsecond), p.CreatedAt)
	require.Equal(t, created.Add(time.Minute).Truncate(time.Microsecond), p.UpdatedAt)
	require.Equal(t, created.Truncate(time.Microsecond), base.Build().UpdatedAt, "UpdatedAt defaults to CreatedAt")
	require.Equal(t, DefaultProjectionID, base.Build().ID, "With returns a copy")
}
