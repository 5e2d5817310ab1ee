package memstore_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/memstore"
)

func TestStore_Limits(t *testing.T) {
	t.Parallel()

	nest := func(n int) json.RawMessage { return json.RawMessage(strings.Repeat("[", n) + strings.Repeat("]", n)) }
	t.Run("AreConfigurable", func(t *testing.T) {
		t.Parallel()
		s := memstore.New(&memstore.Config{Limits: memstore.Limits{
			MaxAppendEvents: 100, MaxAppendSize: 65536, MaxEventDepth: 32, MaxEventSize: 65536}})
		_, err := s.AppendEvents(t.Context(), &pgevents.AppendParams{Category: "c", Stream: "s",
			Events: []pgevents.NewEvent{{Name: "A", Payload: nest(33)}}})
		requireInvalid(t, err, pgevents.CodeLimitExceeded, "events[0].payload")
		require.ErrorIs(t, err, pgevents.ErrLimitExceeded)
		require.ErrorIs(t, err, pgevents.ErrInvalidInput)
		appendOne(t, s, "s", pgevents.NewEvent{Name: "A", Payload: nest(32)})

		_, err = s.AppendEvents(t.Context(), &pgevents.AppendParams{Category: "c", Stream: "s",
			Events: []pgevents.NewEvent{{Name: "A", Payload: json.RawMessage(`"` + strings.Repeat("x", 65531) + `"`)}}})
		requireInvalid(t, err, pgevents.CodeLimitExceeded, "events[0]")

		events := make([]pgevents.NewEvent, 101)
		for i := range events {
			events[i] = pgevents.NewEvent{Name: "A"}
		}
		_, err = s.AppendEvents(t.Context(), &pgevents.AppendParams{Category: "c", Stream: "s", Events: events})
		requireInvalid(t, err, pgevents.CodeLimitExceeded, "events")

		half := json.RawMessage(`"` + strings.Repeat("x", 40000) + `"`)
		_, err = s.AppendEvents(t.Context(), &pgevents.AppendParams{Category: "c", Stream: "s",
			Events: []pgevents.NewEvent{{Name: "A", Payload: half}, {Name: "B", Payload: half}}})
		requireInvalid(t, err, pgevents.CodeLimitExceeded, "events")
		_, err = s.AppendStreams(t.Context(), &pgevents.AppendStreamsParams{Category: "c", Streams: map[string]pgevents.StreamAppend{
			"a": {Events: []pgevents.NewEvent{{Name: "A", Payload: half}}}, "b": {Events: []pgevents.NewEvent{{Name: "B", Payload: half}}}}})
		requireInvalid(t, err, pgevents.CodeLimitExceeded, "streams")
	})
	t.Run("BelowPostgreSQLsFloorsPanics", func(t *testing.T) {
		t.Parallel()
		for _, l := range []memstore.Limits{{MaxAppendEvents: 99}, {MaxAppendSize: 65535}, {MaxEventDepth: 31}, {MaxEventDepth: 1000}, {MaxEventSize: -1}} {
			require.Panics(t, func() { memstore.New(&memstore.Config{Limits: l}) }, "%+v", l)
		}
	})
}

func TestStore_ObservedAt(t *testing.T) {
	t.Parallel()

	t.Run("IsRefusedUnlessImportsAreAllowed", func(t *testing.T) {
		t.Parallel()
		s := memstore.New(nil)
		_, err := s.AppendEvents(t.Context(), &pgevents.AppendParams{Category: "c", Stream: "s",
			Events: []pgevents.NewEvent{{Name: "A"}, {Name: "B", ObservedAt: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)}}})
		requireInvalid(t, err, pgevents.CodeInvalidEvents, "events[1].observed_at")
		var ie *pgevents.InvalidInputError
		require.ErrorAs(t, err, &ie)
		require.Equal(t, "may only be set by imports, and the installation does not allow them (setting allow_observed_at)", ie.Reason)
		_, err = s.AppendStreams(t.Context(), &pgevents.AppendStreamsParams{Category: "c", Streams: map[string]pgevents.StreamAppend{
			"s": {Events: []pgevents.NewEvent{{Name: "A", ObservedAt: time.Now()}}}}})
		requireInvalid(t, err, pgevents.CodeInvalidEvents, `streams["s"].events[0].observed_at`)
		_, err = s.LatestEvent(t.Context(), &pgevents.LatestEventParams{Source: pgevents.LogID()})
		require.ErrorIs(t, err, pgevents.ErrNotFound, "nothing written")
	})
	t.Run("DefaultsNeverGoBackwardsWhenTheClockDoes", func(t *testing.T) {
		t.Parallel()
		now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
		s := memstore.New(&memstore.Config{Clock: func() time.Time { now = now.Add(-time.Hour); return now }})
		first := appendOne(t, s, "s", pgevents.NewEvent{Name: "A"})
		second := appendOne(t, s, "s", pgevents.NewEvent{Name: "B"})
		require.Equal(t, first.ObservedAt, second.ObservedAt, "the clock went back an hour: the latest observed_at is kept")
	})
}
