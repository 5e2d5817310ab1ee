package memstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/memstore"
	"github.com/pgevents/pgevents/storetest"
)

// Store implements the contract at compile time.
var _ pgevents.Store = (*memstore.Store)(nil)

func newStore(t *testing.T) pgevents.Store {
	t.Helper()
	return memstore.New(&memstore.Config{AllowObservedAt: true, Conditions: map[string]memstore.ConditionFunc{
		storetest.PositionBelowType: storetest.PositionBelow,
	}})
}

func TestStore_Contract(t *testing.T) {
	t.Parallel()

	storetest.Run(t, newStore)
}

func BenchmarkStore(b *testing.B) {
	storetest.Benchmark(b, func(b *testing.B) pgevents.Store { return memstore.New(nil) })
}

func appendOne(t *testing.T, s *memstore.Store, stream string, e pgevents.NewEvent) pgevents.Event {
	t.Helper()
	res, err := s.AppendEvents(t.Context(), &pgevents.AppendParams{Category: "c", Stream: stream, Events: []pgevents.NewEvent{e}})
	require.NoError(t, err)
	return res.Events[0]
}

func requireInvalid(t *testing.T, err error, code, field string) {
	t.Helper()
	var ie *pgevents.InvalidInputError
	require.ErrorAs(t, err, &ie)
	require.Equal(t, code, ie.Code, "%v", err)
	require.Equal(t, field, ie.Field, "%v", err)
}

func TestNew(t *testing.T) {
	t.Parallel()

	met := func(string, string, *pgevents.Event, pgevents.Condition) (bool, error) { return true, nil }
	t.Run("NilConfigMeansDefaults", func(t *testing.T) {
		t.Parallel()
		s := memstore.New(nil)
		e := appendOne(t, s, "s", pgevents.NewEvent{Name: "A"})
		require.WithinDuration(t, time.Now(), e.ObservedAt, time.Minute)
	})
	t.Run("PanicsOnAnInvalidConditionName", func(t *testing.T) {
		t.Parallel()
		for _, name := range []string{"", "Upper", "1st", "has space", "position_is", "and", "none"} {
			require.Panics(t, func() {
				memstore.New(&memstore.Config{Conditions: map[string]memstore.ConditionFunc{name: met}})
			}, name)
		}
	})
	t.Run("PanicsOnANilConditionFunc", func(t *testing.T) {
		t.Parallel()
		require.Panics(t, func() {
			memstore.New(&memstore.Config{Conditions: map[string]memstore.ConditionFunc{"ok": nil}})
		})
	})
	t.Run("CopiesTheConfig", func(t *testing.T) {
		t.Parallel()
		cfg := &memstore.Config{Conditions: map[string]memstore.ConditionFunc{"ok": met}}
		s := memstore.New(cfg)
		delete(cfg.Conditions, "ok")
		_, err := s.AppendEvents(t.Context(), &pgevents.AppendParams{Category: "c", Stream: "s",
			Condition: pgevents.Custom("ok", nil), Events: []pgevents.NewEvent{{Name: "A"}}})
		require.NoError(t, err)
	})
}

func TestStore_Clock(t *testing.T) {
	t.Parallel()

	t.Run("IsReadOncePerStreamWrittenAndTruncated", func(t *testing.T) {
		t.Parallel()
		base := time.Date(2030, 1, 2, 3, 4, 5, 999, time.FixedZone("X", 3600))
		calls := 0
		s := memstore.New(&memstore.Config{Clock: func() time.Time {
			calls++
			return base.Add(time.Duration(calls) * time.Second)
		}})
		res, err := s.AppendEvents(t.Context(), &pgevents.AppendParams{Category: "c", Stream: "s",
			Events: []pgevents.NewEvent{{Name: "A"}, {Name: "B"}}})
		require.NoError(t, err)
		require.Equal(t, 1, calls)
		want := pgevents.TruncateTime(base.Add(time.Second))
		for _, e := range res.Events {
			require.Equal(t, want, e.ObservedAt)
			require.Equal(t, want, e.OccurredAt)
			require.Equal(t, time.UTC, e.ObservedAt.Location())
		}
		_, err = s.AppendStreams(t.Context(), &pgevents.AppendStreamsParams{Category: "c", Streams: map[string]pgevents.StreamAppend{
			"a": {Events: []pgevents.NewEvent{{Name: "A"}}}, "b": {Events: []pgevents.NewEvent{{Name: "B"}}},
		}})
		require.NoError(t, err)
		require.Equal(t, 3, calls)
	})
	t.Run("IsNotReadWhenEveryEventHasObservedAtOrNothingIsWritten", func(t *testing.T) {
		t.Parallel()
		s := memstore.New(&memstore.Config{AllowObservedAt: true, Clock: func() time.Time { panic("clock read") }})
		appendOne(t, s, "s", pgevents.NewEvent{Name: "A", ObservedAt: time.Now()})
		_, err := s.AppendEvents(t.Context(), &pgevents.AppendParams{Category: "c", Stream: "s",
			Condition: pgevents.StreamIsEmpty(), Events: []pgevents.NewEvent{{Name: "B"}}})
		require.ErrorIs(t, err, pgevents.ErrStreamNotEmpty)
	})
}

func TestStore_JSON(t *testing.T) {
	t.Parallel()

	t.Run("IsReturnedInJSONBTextForm", func(t *testing.T) {
		t.Parallel()
		s := memstore.New(nil)
		e := appendOne(t, s, "s", pgevents.NewEvent{Name: "A",
			Payload:  json.RawMessage(`{"bb":1, "a":[1,2.50,1e2], "bb":{"x":"\u00e9"}}`),
			Metadata: json.RawMessage(` {} `)})
		const wantPayload = `{"a": [1, 2.50, 100], "bb": {"x": "é"}}`
		require.Equal(t, wantPayload, string(e.Payload))
		require.Equal(t, `{}`, string(e.Metadata))
		read, err := s.ReadStream(t.Context(), &pgevents.ReadStreamParams{Category: "c", Stream: "s"})
		require.NoError(t, err)
		require.Equal(t, wantPayload, string(read[0].Payload))
	})
	t.Run("ReturnedBytesAreCopies", func(t *testing.T) {
		t.Parallel()
		s := memstore.New(nil)
		payload := json.RawMessage(`{"a":1}`)
		e := appendOne(t, s, "s", pgevents.NewEvent{Name: "A", Payload: payload})
		payload[2] = 'X'
		e.Payload[2] = 'Y'
		latest, err := s.LatestEvent(t.Context(), &pgevents.LatestEventParams{Source: pgevents.StreamID("c", "s")})
		require.NoError(t, err)
		require.Equal(t, `{"a": 1}`, string(latest.Payload))
	})
	t.Run("WhatJSONBRefusesIsInvalidEvents", func(t *testing.T) {
		t.Parallel()
		s := memstore.New(nil)
		for _, bad := range []string{`"\u0000"`, `"\ud800"`, "\"\xff\"", `1e200000`, `{"a":1,}`, ` `} {
			_, err := s.AppendEvents(t.Context(), &pgevents.AppendParams{Category: "c", Stream: "s",
				Events: []pgevents.NewEvent{{Name: "A"}, {Name: "B", Metadata: json.RawMessage(bad)}}})
			requireInvalid(t, err, pgevents.CodeInvalidEvents, "events[1].metadata")
		}
	})
}

func TestStore_Timestamps(t *testing.T) {
	t.Parallel()

	s := memstore.New(nil)
	_, err := s.AppendEvents(t.Context(), &pgevents.AppendParams{Category: "c", Stream: "s",
		Events: []pgevents.NewEvent{{Name: "A", OccurredAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}}})
	requireInvalid(t, err, pgevents.CodeInvalidEvents, "events[0].occurred_at")
	_, err = s.AppendEvents(t.Context(), &pgevents.AppendParams{Category: "c", Stream: "s",
		Events: []pgevents.NewEvent{{Name: "A", ObservedAt: time.Date(0, 6, 1, 0, 0, 0, 0, time.UTC)}}})
	requireInvalid(t, err, pgevents.CodeInvalidEvents, "events[0].observed_at")
	e := appendOne(t, s, "s", pgevents.NewEvent{Name: "A", OccurredAt: time.Date(1, 1, 1, 0, 0, 0, 1000, time.UTC)})
	require.Equal(t, 1, e.OccurredAt.Year())
}

func TestStore_Fields(t *testing.T) {
	t.Parallel()

	s := memstore.New(nil)
	_, err := s.AppendStreams(t.Context(), &pgevents.AppendStreamsParams{Category: "c", Streams: map[string]pgevents.StreamAppend{
		"ok": {Events: []pgevents.NewEvent{{Name: "A"}}}, "bad\x01<": {Events: []pgevents.NewEvent{{Name: "A"}}},
	}})
	requireInvalid(t, err, pgevents.CodeInvalidName, `streams["bad\u0001<"]`)
	// Stream names are checked shortest first, as PostgreSQL's jsonb orders keys.
	_, err = s.AppendStreams(t.Context(), &pgevents.AppendStreamsParams{Category: "c", Streams: map[string]pgevents.StreamAppend{
		"a\x01": {}, "\x02": {},
	}})
	requireInvalid(t, err, pgevents.CodeInvalidName, `streams["\u0002"]`)
	_, err = s.AppendEvents(t.Context(), &pgevents.AppendParams{Category: "c", Stream: "s", Scope: "it's"})
	require.ErrorContains(t, err, `(got 'it''s')`)
}

func TestStore_CustomCondition(t *testing.T) {
	t.Parallel()

	type call struct {
		category, stream string
		latest           *pgevents.Event
		condition        pgevents.Condition
	}
	var calls []call
	errBoom := errors.New("boom")
	s := memstore.New(&memstore.Config{Conditions: map[string]memstore.ConditionFunc{
		"record": func(category, stream string, latest *pgevents.Event, c pgevents.Condition) (bool, error) {
			calls = append(calls, call{category, stream, latest, c})
			return c.Params["met"] == true, nil
		},
		"fail": func(string, string, *pgevents.Event, pgevents.Condition) (bool, error) { return false, errBoom },
	}})
	type params struct{ N int }
	_, err := s.AppendEvents(t.Context(), &pgevents.AppendParams{Category: "c", Stream: "s", Events: []pgevents.NewEvent{{Name: "A"}},
		Condition: pgevents.Custom("record", map[string]any{"met": true, "n": 3, "obj": params{N: 1}})})
	require.NoError(t, err)
	require.Len(t, calls, 1)
	require.Equal(t, "c", calls[0].category)
	require.Equal(t, "s", calls[0].stream)
	require.Nil(t, calls[0].latest)
	require.Equal(t, map[string]any{"met": true, "n": 3.0, "obj": map[string]any{"N": 1.0}}, calls[0].condition.Params,
		"params as PostgreSQL gets them: decoded from JSON")

	_, err = s.AppendEvents(t.Context(), &pgevents.AppendParams{Category: "c", Stream: "s", Events: []pgevents.NewEvent{{Name: "B"}},
		Condition: pgevents.Custom("record", map[string]any{"met": false})})
	var ce *pgevents.ConditionError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, pgevents.CodeCustomConditionFailed, ce.Code)
	require.Equal(t, map[string]any{"met": false}, ce.Condition.Params)
	require.Equal(t, "A", calls[1].latest.Name)

	_, err = s.AppendEvents(t.Context(), &pgevents.AppendParams{Category: "c", Stream: "s", Events: []pgevents.NewEvent{{Name: "B"}},
		Condition: pgevents.And(pgevents.StreamExists(), pgevents.Custom("fail", nil))})
	require.ErrorIs(t, err, errBoom)
	require.NotErrorIs(t, err, pgevents.ErrConditionFailed)
	events, err := s.ReadStream(t.Context(), &pgevents.ReadStreamParams{Category: "c", Stream: "s"})
	require.NoError(t, err)
	require.Len(t, events, 1)

	_, err = s.AppendEvents(t.Context(), &pgevents.AppendParams{Category: "c", Stream: "s",
		Condition: pgevents.Custom("record", map[string]any{"bad": func() {}})})
	requireInvalid(t, err, pgevents.CodeInvalidCondition, "condition")
}

func TestStore_Context(t *testing.T) {
	t.Parallel()

	s := memstore.New(nil)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := s.AppendEvents(ctx, &pgevents.AppendParams{Category: "c", Stream: "s", Events: []pgevents.NewEvent{{Name: "A"}}})
	require.ErrorIs(t, err, context.Canceled)
	_, err = s.ReadStream(ctx, &pgevents.ReadStreamParams{Category: "c", Stream: "s"})
	require.ErrorIs(t, err, context.Canceled)
	_, err = s.ReadEvents(ctx, nil)
	require.ErrorIs(t, err, context.Canceled)
	_, err = s.LatestEvent(ctx, nil)
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorIs(t, s.InTx(ctx, func(context.Context, *memstore.Store) error { return nil }), context.Canceled)
}

func TestStore_NilParams(t *testing.T) {
	t.Parallel()

	s := memstore.New(nil)
	_, err := s.AppendEvents(t.Context(), nil)
	requireInvalid(t, err, pgevents.CodeInvalidName, "category")
	_, err = s.AppendStreams(t.Context(), nil)
	requireInvalid(t, err, pgevents.CodeInvalidName, "category")
	_, err = s.ReadStream(t.Context(), nil)
	requireInvalid(t, err, pgevents.CodeInvalidName, "category")
	events, err := s.ReadEvents(t.Context(), nil)
	require.NoError(t, err)
	require.Empty(t, events)
	_, err = s.LatestEvent(t.Context(), nil)
	require.ErrorIs(t, err, pgevents.ErrNotFound)
}

func TestStore_InTx(t *testing.T) {
	t.Parallel()

	readLog := func(t *testing.T, s pgevents.Store) []pgevents.Event {
		t.Helper()
		events, err := s.ReadEvents(t.Context(), &pgevents.ReadEventsParams{Limit: -1})
		require.NoError(t, err)
		return events
	}
	t.Run("CommitsEverythingTogether", func(t *testing.T) {
		t.Parallel()
		s := memstore.New(nil)
		before := appendOne(t, s, "s0", pgevents.NewEvent{Name: "Before"})
		err := s.InTx(t.Context(), func(ctx context.Context, tx *memstore.Store) error {
			a := appendOne(t, tx, "s1", pgevents.NewEvent{Name: "A"})
			b := appendOne(t, tx, "s2", pgevents.NewEvent{Name: "B"})
			require.Equal(t, a.TransactionID, b.TransactionID, "one transaction")
			require.Greater(t, a.TransactionID, before.TransactionID)
			// Own events: seen by stream reads and LatestEvent, not (yet) by ReadEvents.
			latest, err := tx.LatestEvent(ctx, &pgevents.LatestEventParams{Source: pgevents.LogID()})
			require.NoError(t, err)
			require.Equal(t, "B", latest.Name)
			events, err := tx.ReadStream(ctx, &pgevents.ReadStreamParams{Category: "c", Stream: "s1"})
			require.NoError(t, err)
			require.Len(t, events, 1)
			require.Len(t, readLog(t, tx), 1)
			events, err = tx.ReadEvents(ctx, &pgevents.ReadEventsParams{Category: "c"})
			require.NoError(t, err)
			require.Len(t, events, 1)
			return nil
		})
		require.NoError(t, err)
		require.Len(t, readLog(t, s), 3)
	})
	t.Run("RollsBackOnError", func(t *testing.T) {
		t.Parallel()
		s := memstore.New(nil)
		errStop := errors.New("stop")
		err := s.InTx(t.Context(), func(ctx context.Context, tx *memstore.Store) error {
			appendOne(t, tx, "s1", pgevents.NewEvent{Name: "A"})
			return errStop
		})
		require.ErrorIs(t, err, errStop)
		require.Empty(t, readLog(t, s))
		e := appendOne(t, s, "s1", pgevents.NewEvent{Name: "B"})
		require.Equal(t, int64(0), e.Position)
	})
	t.Run("RollsBackOnPanic", func(t *testing.T) {
		t.Parallel()
		s := memstore.New(nil)
		require.PanicsWithValue(t, "oops", func() {
			_ = s.InTx(t.Context(), func(ctx context.Context, tx *memstore.Store) error {
				appendOne(t, tx, "s1", pgevents.NewEvent{Name: "A"})
				panic("oops")
			})
		})
		require.Empty(t, readLog(t, s))
		appendOne(t, s, "s1", pgevents.NewEvent{Name: "B"}) // the lock was released
	})
	t.Run("AFailedCallUndoesOnlyItself", func(t *testing.T) {
		t.Parallel()
		s := memstore.New(nil)
		err := s.InTx(t.Context(), func(ctx context.Context, tx *memstore.Store) error {
			appendOne(t, tx, "a", pgevents.NewEvent{Name: "A"})
			_, err := tx.AppendStreams(ctx, &pgevents.AppendStreamsParams{Category: "c", Streams: map[string]pgevents.StreamAppend{
				"b": {Events: []pgevents.NewEvent{{Name: "B"}}},
				"c": {Condition: pgevents.StreamExists(), Events: []pgevents.NewEvent{{Name: "C"}}},
			}})
			require.ErrorIs(t, err, pgevents.ErrStreamDoesNotExist)
			appendOne(t, tx, "d", pgevents.NewEvent{Name: "D"})
			return nil
		})
		require.NoError(t, err)
		events := readLog(t, s)
		require.Len(t, events, 2)
		require.Equal(t, "A", events[0].Name)
		require.Equal(t, "D", events[1].Name)
		require.Greater(t, events[1].SequenceNumber, events[0].SequenceNumber+1, "the undone insert left a gap")
	})
	t.Run("NestedTransactionIsASavepoint", func(t *testing.T) {
		t.Parallel()
		s := memstore.New(nil)
		errInner := errors.New("inner")
		err := s.InTx(t.Context(), func(ctx context.Context, tx *memstore.Store) error {
			appendOne(t, tx, "a", pgevents.NewEvent{Name: "A"})
			err := tx.InTx(ctx, func(ctx context.Context, inner *memstore.Store) error {
				appendOne(t, inner, "b", pgevents.NewEvent{Name: "B"})
				return errInner
			})
			require.ErrorIs(t, err, errInner)
			return tx.InTx(ctx, func(ctx context.Context, inner *memstore.Store) error {
				appendOne(t, inner, "c", pgevents.NewEvent{Name: "C"})
				return nil
			})
		})
		require.NoError(t, err)
		events := readLog(t, s)
		require.Len(t, events, 2)
		require.Equal(t, "A", events[0].Name)
		require.Equal(t, "C", events[1].Name)
	})
	t.Run("BoundStoreFailsAfterTheTransaction", func(t *testing.T) {
		t.Parallel()
		s := memstore.New(nil)
		var leaked *memstore.Store
		require.NoError(t, s.InTx(t.Context(), func(ctx context.Context, tx *memstore.Store) error {
			leaked = tx
			return nil
		}))
		_, err := leaked.AppendEvents(t.Context(), &pgevents.AppendParams{Category: "c", Stream: "s", Events: []pgevents.NewEvent{{Name: "A"}}})
		require.ErrorContains(t, err, "transaction has ended")
		_, err = leaked.ReadEvents(t.Context(), nil)
		require.Error(t, err)
		require.Error(t, leaked.InTx(t.Context(), func(context.Context, *memstore.Store) error { return nil }))
	})
	t.Run("OtherWritersWaitAndOrderIsKept", func(t *testing.T) {
		t.Parallel()
		s := memstore.New(nil)
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if i%2 == 0 {
					_ = s.InTx(t.Context(), func(ctx context.Context, tx *memstore.Store) error {
						_, err := tx.AppendEvents(ctx, &pgevents.AppendParams{Category: "c", Stream: "s",
							Events: []pgevents.NewEvent{{Name: "T1"}, {Name: "T2"}}})
						if err != nil {
							return err
						}
						_, err = tx.AppendEvents(ctx, &pgevents.AppendParams{Category: "c", Stream: "s",
							Events: []pgevents.NewEvent{{Name: "T3"}}})
						return err
					})
					return
				}
				_, _ = s.AppendEvents(t.Context(), &pgevents.AppendParams{Category: "c", Stream: "s", Events: []pgevents.NewEvent{{Name: "W"}}})
			}()
		}
		wg.Wait()
		events := readLog(t, s)
		require.Len(t, events, 4*3+4)
		for i := 1; i < len(events); i++ {
			require.True(t, events[i-1].Cursor().Less(events[i].Cursor()))
			require.Equal(t, int64(i), events[i].Position)
			if events[i].Name == "T2" || events[i].Name == "T3" {
				require.Equal(t, events[i-1].TransactionID, events[i].TransactionID, "a transaction's events are contiguous")
			}
		}
	})
}
