package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
)

func appendEventsCases() []eventCase {
	const method = "AppendEvents"
	none := pgevents.Condition{}
	return []eventCase{
		{method, "FirstEventOfNewStreamIsAtPositionZero", func(t *testing.T, s pgevents.Store) {
			got := mustAppend(t, s, "account", "a1", none, newEvents("Opened")...)
			require.Equal(t, int64(0), got[0].Position)
			require.Equal(t, "account", got[0].Category)
			require.Equal(t, "a1", got[0].Stream)
			require.Equal(t, "Opened", got[0].Name)
		}},
		{method, "PositionsAreContiguousFromLatest", func(t *testing.T, s pgevents.Store) {
			first := mustAppend(t, s, "account", "a1", none, newEvents("A", "B")...)
			second := mustAppend(t, s, "account", "a1", none, newEvents("C", "D", "E")...)
			require.Equal(t, []int64{0, 1}, eventPositions(first))
			require.Equal(t, []int64{2, 3, 4}, eventPositions(second))
			require.Equal(t, []int64{0, 1, 2, 3, 4}, eventPositions(readWholeStream(t, s, "account", "a1")))
		}},
		{method, "ReturnsEventsInInputOrder", func(t *testing.T, s pgevents.Store) {
			in := newEvents("E0", "E1", "E2", "E3", "E4")
			got := mustAppend(t, s, "account", "a1", none, in...)
			require.Equal(t, []string{"E0", "E1", "E2", "E3", "E4"}, eventNames(got))
			for i := range got {
				require.JSONEq(t, string(in[i].Payload), string(got[i].Payload))
			}
		}},
		{method, "SequenceNumbersIncreaseInInsertionOrder", func(t *testing.T, s pgevents.Store) {
			var all []pgevents.Event
			all = append(all, mustAppend(t, s, "account", "a1", none, newEvents("A", "B")...)...)
			all = append(all, mustAppend(t, s, "account", "a2", none, newEvents("C")...)...)
			all = append(all, mustAppend(t, s, "account", "a1", none, newEvents("D", "E")...)...)
			for i := 1; i < len(all); i++ {
				require.Greater(t, all[i].SequenceNumber, all[i-1].SequenceNumber, "event %d", i)
			}
		}},
		{method, "EventsOfOneAppendShareATransaction", func(t *testing.T, s pgevents.Store) {
			first := mustAppend(t, s, "account", "a1", none, newEvents("A", "B", "C")...)
			second := mustAppend(t, s, "account", "a1", none, newEvents("D")...)
			require.Equal(t, first[0].TransactionID, first[1].TransactionID)
			require.Equal(t, first[0].TransactionID, first[2].TransactionID)
			for i := 1; i < len(first); i++ {
				require.True(t, first[i-1].Cursor().Less(first[i].Cursor()))
			}
			require.True(t, first[2].Cursor().Less(second[0].Cursor()), "a later append sorts after an earlier one")
		}},
		{method, "StreamsArePositionedIndependently", func(t *testing.T, s pgevents.Store) {
			mustAppend(t, s, "account", "a1", none, newEvents("A")...)
			mustAppend(t, s, "account", "a2", none, newEvents("B")...)
			mustAppend(t, s, "order", "a1", none, newEvents("C")...)
			mustAppend(t, s, "account", "a1", none, newEvents("D")...)
			mustAppend(t, s, "order", "a1", none, newEvents("E")...)
			mustAppend(t, s, "account", "a2", none, newEvents("F")...)
			require.Equal(t, []string{"A", "D"}, eventNames(readWholeStream(t, s, "account", "a1")))
			require.Equal(t, []int64{0, 1}, eventPositions(readWholeStream(t, s, "account", "a1")))
			require.Equal(t, []string{"B", "F"}, eventNames(readWholeStream(t, s, "account", "a2")))
			require.Equal(t, []string{"C", "E"}, eventNames(readWholeStream(t, s, "order", "a1")))
			require.Equal(t, []int64{0, 1}, eventPositions(readWholeStream(t, s, "order", "a1")))
		}},
		{method, "NoEventsIsANoOp", func(t *testing.T, s pgevents.Store) {
			for _, events := range [][]pgevents.NewEvent{nil, {}} {
				res, err := s.AppendEvents(t.Context(), &pgevents.AppendParams{Category: "account", Stream: "a1", Events: events})
				require.NoError(t, err)
				require.Empty(t, res.Events)
			}
			requireLogEmpty(t, s)
		}},
		{method, "NoEventsStillEvaluatesTheCondition", func(t *testing.T, s pgevents.Store) {
			_, err := s.AppendEvents(t.Context(), &pgevents.AppendParams{Category: "account", Stream: "a1",
				Condition: pgevents.StreamExists()})
			requireConditionFailed(t, err, pgevents.CodeStreamDoesNotExist, "account", "a1", nil)
			mustAppend(t, s, "account", "a1", none, newEvents("A")...)
			res, err := s.AppendEvents(t.Context(), &pgevents.AppendParams{Category: "account", Stream: "a1",
				Condition: pgevents.PositionIs(0), Events: []pgevents.NewEvent{}})
			require.NoError(t, err)
			require.Empty(t, res.Events)
			require.Len(t, readWholeStream(t, s, "account", "a1"), 1)
		}},
		{method, "PayloadIsAnyJSONValue", func(t *testing.T, s pgevents.Store) {
			payloads := []string{`{"a":{"b":[1,2,{"c":null}]},"d":"é\n"}`, `[1,"two",3.5]`, `"text"`, `42`, `-0.5`, `true`, `false`, `null`, `{}`, `[]`}
			in := make([]pgevents.NewEvent, len(payloads))
			for i, p := range payloads {
				in[i] = pgevents.NewEvent{Name: "Any", Payload: json.RawMessage(p)}
			}
			got := mustAppend(t, s, "json", "j1", none, in...)
			read := readWholeStream(t, s, "json", "j1")
			for i, p := range payloads {
				require.JSONEq(t, p, string(got[i].Payload))
				require.JSONEq(t, p, string(read[i].Payload))
			}
		}},
		{method, "NilPayloadIsJSONNull", func(t *testing.T, s pgevents.Store) {
			got := mustAppend(t, s, "json", "j1", none, pgevents.NewEvent{Name: "Empty"})
			require.JSONEq(t, `null`, string(got[0].Payload))
			require.JSONEq(t, `null`, string(readWholeStream(t, s, "json", "j1")[0].Payload))
		}},
		{method, "NilMetadataIsJSONNullAndEmptyObjectStays", func(t *testing.T, s pgevents.Store) {
			got := mustAppend(t, s, "json", "j1", none,
				pgevents.NewEvent{Name: "NoMetadata", Payload: json.RawMessage(`{}`)},
				pgevents.NewEvent{Name: "EmptyMetadata", Payload: json.RawMessage(`{}`), Metadata: json.RawMessage(`{}`)},
				pgevents.NewEvent{Name: "Metadata", Payload: json.RawMessage(`{}`), Metadata: json.RawMessage(`{"trace":"t-1","n":[1]}`)},
			)
			for _, events := range [][]pgevents.Event{got, readWholeStream(t, s, "json", "j1")} {
				require.JSONEq(t, `null`, string(events[0].Metadata))
				require.JSONEq(t, `{}`, string(events[1].Metadata))
				require.JSONEq(t, `{"trace":"t-1","n":[1]}`, string(events[2].Metadata))
			}
		}},
		{method, "GeneratesAnIDWhenNoneIsGiven", func(t *testing.T, s pgevents.Store) {
			got := mustAppend(t, s, "account", "a1", none, newEvents("A", "B")...)
			require.NotEqual(t, uuid.Nil, got[0].ID)
			require.NotEqual(t, uuid.Nil, got[1].ID)
			require.NotEqual(t, got[0].ID, got[1].ID)
		}},
		{method, "KeepsTheGivenID", func(t *testing.T, s pgevents.Store) {
			id := uuid.MustParse("0190a6e0-0000-7000-8000-000000000001")
			got := mustAppend(t, s, "account", "a1", none, pgevents.NewEvent{ID: id, Name: "A"})
			require.Equal(t, id, got[0].ID)
			require.Equal(t, id, readWholeStream(t, s, "account", "a1")[0].ID)
		}},
		{method, "ObservedAtIsTheClockAtAppend", func(t *testing.T, s pgevents.Store) {
			before := time.Now()
			got := mustAppend(t, s, "account", "a1", none, newEvents("A", "B")...)
			after := time.Now()
			for _, e := range got {
				require.WithinRange(t, e.ObservedAt, before.Add(-time.Minute), after.Add(time.Minute))
				require.True(t, e.ObservedAt.Equal(pgevents.TruncateTime(e.ObservedAt)), "microsecond precision")
			}
			require.True(t, got[0].ObservedAt.Equal(got[1].ObservedAt), "one append, one clock reading")
		}},
		{method, "OccurredAtDefaultsToObservedAt", func(t *testing.T, s pgevents.Store) {
			got := mustAppend(t, s, "account", "a1", none, newEvents("A")...)
			require.True(t, got[0].OccurredAt.Equal(got[0].ObservedAt))
			observed := time.Date(2020, 5, 6, 7, 8, 9, 123456000, time.UTC)
			got = mustAppend(t, s, "account", "a2", none, pgevents.NewEvent{Name: "Imported", ObservedAt: observed})
			require.True(t, got[0].ObservedAt.Equal(observed))
			require.True(t, got[0].OccurredAt.Equal(observed), "occurred_at defaults to the overridden observed_at")
		}},
		{method, "OccurredAtOverride", func(t *testing.T, s pgevents.Store) {
			occurred := time.Date(2021, 2, 3, 4, 5, 6, 789012000, time.FixedZone("X", 2*3600))
			before := time.Now()
			got := mustAppend(t, s, "account", "a1", none, pgevents.NewEvent{Name: "A", OccurredAt: occurred})
			require.True(t, got[0].OccurredAt.Equal(occurred))
			require.WithinRange(t, got[0].ObservedAt, before.Add(-time.Minute), time.Now().Add(time.Minute))
			requireSameEvent(t, got[0], readWholeStream(t, s, "account", "a1")[0])
		}},
		{method, "ObservedAtOverride", func(t *testing.T, s pgevents.Store) {
			observed := time.Date(2019, 1, 1, 0, 0, 0, 1000, time.UTC)
			occurred := time.Date(2018, 12, 31, 23, 0, 0, 0, time.UTC)
			got := mustAppend(t, s, "account", "a1", none, pgevents.NewEvent{Name: "A", ObservedAt: observed, OccurredAt: occurred})
			require.True(t, got[0].ObservedAt.Equal(observed))
			require.True(t, got[0].OccurredAt.Equal(occurred))
		}},
		{method, "ObservedAtNeverGoesBackwards", func(t *testing.T, s pgevents.Store) {
			at := func(y int) time.Time { return time.Date(y, 1, 2, 3, 4, 5, 0, time.UTC) }
			first := mustAppend(t, s, "account", "a1", none,
				pgevents.NewEvent{Name: "A", ObservedAt: at(2001)}, pgevents.NewEvent{Name: "B", ObservedAt: at(2001)})
			for _, tc := range []struct {
				events []pgevents.NewEvent
				field  string
			}{
				{[]pgevents.NewEvent{{Name: "C", ObservedAt: at(2000)}}, "events[0].observed_at"},
				{[]pgevents.NewEvent{{Name: "C", ObservedAt: at(2003)}, {Name: "D", ObservedAt: at(2002)}}, "events[1].observed_at"},
				{[]pgevents.NewEvent{{Name: "C"}, {Name: "D", ObservedAt: at(2002)}}, "events[1].observed_at"},
			} {
				_, err := s.AppendEvents(t.Context(), &pgevents.AppendParams{Category: "account", Stream: "a1", Events: tc.events})
				ie := requireInvalidInput(t, err, pgevents.CodeInvalidEvents, tc.field)
				require.Contains(t, ie.Reason, "must not be earlier than the observed_at before it")
			}
			requireLogLatest(t, s, first[1])
			// Equal is not earlier; a default is the clock.
			got := mustAppend(t, s, "account", "a1", none, pgevents.NewEvent{Name: "C", ObservedAt: at(2001)}, pgevents.NewEvent{Name: "D"})
			require.True(t, got[0].ObservedAt.Equal(at(2001)))
			require.WithinRange(t, got[1].ObservedAt, time.Now().Add(-time.Minute), time.Now().Add(time.Minute))
			// After an import dated ahead of the clock, a default takes the
			// latest observed_at instead of the clock.
			future := at(2999)
			mustAppend(t, s, "account", "a2", none, pgevents.NewEvent{Name: "A", ObservedAt: future})
			got = mustAppend(t, s, "account", "a2", none, newEvents("B", "C")...)
			require.True(t, got[0].ObservedAt.Equal(future), "observed_at %s, want %s", got[0].ObservedAt, future)
			require.True(t, got[1].ObservedAt.Equal(future))
		}},
		{method, "TimestampsAreMicrosecondsInUTC", func(t *testing.T, s pgevents.Store) {
			occurred := time.Date(2022, 3, 4, 5, 6, 7, 123456789, time.FixedZone("Y", -5*3600))
			got := mustAppend(t, s, "account", "a1", none, pgevents.NewEvent{Name: "A", OccurredAt: occurred, ObservedAt: occurred})
			want := pgevents.TruncateTime(occurred)
			for _, e := range []pgevents.Event{got[0], readWholeStream(t, s, "account", "a1")[0]} {
				require.True(t, e.OccurredAt.Equal(want), "occurred_at %s, want %s", e.OccurredAt, want)
				require.True(t, e.ObservedAt.Equal(want), "observed_at %s, want %s", e.ObservedAt, want)
				require.Equal(t, time.UTC, e.OccurredAt.Location())
				require.Equal(t, time.UTC, e.ObservedAt.Location())
			}
		}},
		{method, "ReturnsWhatALaterReadReturns", func(t *testing.T, s pgevents.Store) {
			in := []pgevents.NewEvent{
				{Name: "A", Payload: json.RawMessage(`{"z":1,"a":[true,null]}`), Metadata: json.RawMessage(`{"m":1}`)},
				{Name: "B", Payload: json.RawMessage(`{"n":2.5}`), OccurredAt: time.Date(2020, 1, 2, 3, 4, 5, 6000, time.UTC)},
			}
			got := mustAppend(t, s, "account", "a1", none, in...)
			requireSameEvents(t, got, readWholeStream(t, s, "account", "a1"))
			requireSameEvents(t, got, readAllEventually(t, s, "account", 2))
			requireSameEvents(t, got, readAllEventually(t, s, "", 2))
			for _, src := range []pgevents.Identifier{pgevents.StreamID("account", "a1"), pgevents.CategoryID("account"), pgevents.LogID()} {
				latest, err := s.LatestEvent(t.Context(), &pgevents.LatestEventParams{Source: src})
				require.NoError(t, err)
				requireSameEvent(t, got[1], *latest)
			}
		}},
		{method, "AcceptsEveryScope", func(t *testing.T, s pgevents.Store) {
			for i, scope := range []pgevents.Scope{"", pgevents.ScopeStream, pgevents.ScopeCategory, pgevents.ScopeLog} {
				res, err := s.AppendEvents(t.Context(), &pgevents.AppendParams{Category: "account", Stream: "a1",
					Scope: scope, Condition: pgevents.ExpectedPosition(positionBefore(i)), Events: newEvents("A")})
				require.NoError(t, err, "scope %q", scope)
				require.Equal(t, int64(i), res.Events[0].Position)
			}
		}},
		{method, "IdempotentRetryReturnsTheStoredEvents", func(t *testing.T, s pgevents.Store) {
			in := withIDs(newEvents("A", "B"))
			first := mustAppend(t, s, "account", "a1", none, in...)
			retry := mustAppend(t, s, "account", "a1", none, in...)
			requireSameEvents(t, first, retry)
			require.Len(t, readWholeStream(t, s, "account", "a1"), 2, "nothing written twice")
			requireLogLatest(t, s, first[1])
		}},
		{method, "IdempotentRetrySucceedsWhenItsConditionNoLongerHolds", func(t *testing.T, s pgevents.Store) {
			in := withIDs(newEvents("A"))
			first := mustAppend(t, s, "account", "a1", pgevents.StreamIsEmpty(), in...)
			retry := mustAppend(t, s, "account", "a1", pgevents.StreamIsEmpty(), in...)
			requireSameEvents(t, first, retry)
			mustAppend(t, s, "account", "a1", none, newEvents("B")...)
			retry = mustAppend(t, s, "account", "a1", pgevents.And(pgevents.StreamIsEmpty(), pgevents.PositionIs(7)), in...)
			requireSameEvents(t, first, retry)
			require.Len(t, readWholeStream(t, s, "account", "a1"), 2)
		}},
		{method, "IdempotentRetryComparesJSONSemantically", func(t *testing.T, s pgevents.Store) {
			id := uuid.New()
			first := mustAppend(t, s, "account", "a1", none, pgevents.NewEvent{ID: id, Name: "A",
				Payload: json.RawMessage(`{"a":1,"b":[1,2]}`), Metadata: json.RawMessage(`{"x":"y"}`)})
			retry := mustAppend(t, s, "account", "a1", none, pgevents.NewEvent{ID: id, Name: "A",
				Payload: json.RawMessage(" {\n \"b\" : [1, 2.0], \"a\" : 1e0 } "), Metadata: json.RawMessage(`{ "x" : "y" }`)})
			requireSameEvents(t, first, retry)
			require.Len(t, readWholeStream(t, s, "account", "a1"), 1)
		}},
		{method, "IdempotentRetryComparesOccurredAtOnlyWhenGiven", func(t *testing.T, s pgevents.Store) {
			occurred := time.Date(2020, 1, 2, 3, 4, 5, 6000, time.UTC)
			in := withIDs(newEvents("A"))
			in[0].OccurredAt = occurred
			first := mustAppend(t, s, "account", "a1", none, in...)
			retry := in[0]
			retry.OccurredAt = time.Time{}
			retry.ObservedAt = occurred.Add(time.Hour) // observed_at is never compared
			requireSameEvents(t, first, mustAppend(t, s, "account", "a1", none, retry))
			retry.OccurredAt = occurred.In(time.FixedZone("Z", 3600))
			requireSameEvents(t, first, mustAppend(t, s, "account", "a1", none, retry))
		}},
	}
}

func appendStreamsCases() []eventCase {
	const method = "AppendStreams"
	return []eventCase{
		{method, "AppendsToEveryStreamInByteOrderOfNames", func(t *testing.T, s pgevents.Store) {
			mustAppend(t, s, "account", "b", pgevents.Condition{}, newEvents("Old")...)
			res, err := s.AppendStreams(t.Context(), &pgevents.AppendStreamsParams{Category: "account",
				Streams: map[string]pgevents.StreamAppend{
					"b":  {Events: newEvents("B1", "B2")},
					"a":  {Events: newEvents("A1")},
					"B":  {Events: newEvents("BB1")},
					"aa": {Events: newEvents("AA1", "AA2")},
				}})
			require.NoError(t, err)
			require.Equal(t, []string{"BB1", "A1", "AA1", "AA2", "B1", "B2"}, eventNames(res.Events))
			require.Equal(t, []int64{0, 0, 0, 1, 1, 2}, eventPositions(res.Events))
			for i := 1; i < len(res.Events); i++ {
				require.True(t, res.Events[i-1].Cursor().Less(res.Events[i].Cursor()), "result order is read order")
			}
			require.Equal(t, []string{"Old", "B1", "B2"}, eventNames(readWholeStream(t, s, "account", "b")))
			requireSameEvents(t, res.Events, readAllEventually(t, s, "account", 7)[1:])
		}},
		{method, "EachStreamHasItsOwnCondition", func(t *testing.T, s pgevents.Store) {
			mustAppend(t, s, "account", "a", pgevents.Condition{}, newEvents("A0", "A1")...)
			res, err := s.AppendStreams(t.Context(), &pgevents.AppendStreamsParams{Category: "account",
				Streams: map[string]pgevents.StreamAppend{
					"a": {Condition: pgevents.PositionIs(1), Events: newEvents("A2")},
					"b": {Condition: pgevents.StreamIsEmpty(), Events: newEvents("B0")},
					"c": {Condition: pgevents.Custom(PositionBelowType, map[string]any{"max": 1}), Events: newEvents("C0")},
				}})
			require.NoError(t, err)
			require.Equal(t, []string{"A2", "B0", "C0"}, eventNames(res.Events))
			require.Equal(t, []int64{2, 0, 0}, eventPositions(res.Events))
		}},
		{method, "UnmetConditionWritesNothingToAnyStream", func(t *testing.T, s pgevents.Store) {
			before := mustAppend(t, s, "account", "b", pgevents.Condition{}, newEvents("B0")...)
			_, err := s.AppendStreams(t.Context(), &pgevents.AppendStreamsParams{Category: "account",
				Streams: map[string]pgevents.StreamAppend{
					"a": {Condition: pgevents.StreamIsEmpty(), Events: newEvents("A0")},
					"b": {Condition: pgevents.StreamIsEmpty(), Events: newEvents("B1")},
					"c": {Events: newEvents("C0")},
				}})
			ce := requireConditionFailed(t, err, pgevents.CodeStreamNotEmpty, "account", "b", posPtr(0))
			requireCondition(t, pgevents.StreamIsEmpty(), ce.Condition)
			require.Empty(t, readWholeStream(t, s, "account", "a"))
			require.Empty(t, readWholeStream(t, s, "account", "c"))
			requireSameEvents(t, before, readWholeStream(t, s, "account", "b"))
			requireLogLatest(t, s, before[0])
		}},
		{method, "InvalidEventWritesNothingToAnyStream", func(t *testing.T, s pgevents.Store) {
			_, err := s.AppendStreams(t.Context(), &pgevents.AppendStreamsParams{Category: "account",
				Streams: map[string]pgevents.StreamAppend{
					"a": {Events: newEvents("A0")},
					"b": {Events: []pgevents.NewEvent{{Name: "B0"}, {Name: ""}}},
				}})
			requireInvalidInput(t, err, pgevents.CodeInvalidName, `streams["b"].events[1].name`)
			requireLogEmpty(t, s)
		}},
		{method, "NoStreamsIsANoOp", func(t *testing.T, s pgevents.Store) {
			for _, streams := range []map[string]pgevents.StreamAppend{nil, {}} {
				res, err := s.AppendStreams(t.Context(), &pgevents.AppendStreamsParams{Category: "account", Streams: streams})
				require.NoError(t, err)
				require.Empty(t, res.Events)
			}
			requireLogEmpty(t, s)
		}},
		{method, "StreamWithoutEventsStillEvaluatesItsCondition", func(t *testing.T, s pgevents.Store) {
			_, err := s.AppendStreams(t.Context(), &pgevents.AppendStreamsParams{Category: "account",
				Streams: map[string]pgevents.StreamAppend{
					"a": {Events: newEvents("A0")},
					"b": {Condition: pgevents.StreamExists()},
				}})
			requireConditionFailed(t, err, pgevents.CodeStreamDoesNotExist, "account", "b", nil)
			requireLogEmpty(t, s)
			mustAppend(t, s, "account", "b", pgevents.Condition{}, newEvents("B0")...)
			res, err := s.AppendStreams(t.Context(), &pgevents.AppendStreamsParams{Category: "account",
				Streams: map[string]pgevents.StreamAppend{
					"a": {Events: newEvents("A0")},
					"b": {Condition: pgevents.StreamExists()},
				}})
			require.NoError(t, err)
			require.Equal(t, []string{"A0"}, eventNames(res.Events))
		}},
		{method, "AcceptsEveryScope", func(t *testing.T, s pgevents.Store) {
			for i, scope := range []pgevents.Scope{"", pgevents.ScopeStream, pgevents.ScopeCategory, pgevents.ScopeLog} {
				res, err := s.AppendStreams(t.Context(), &pgevents.AppendStreamsParams{Category: "account", Scope: scope,
					Streams: map[string]pgevents.StreamAppend{
						"a": {Condition: pgevents.ExpectedPosition(positionBefore(i)), Events: newEvents("A")},
						"b": {Condition: pgevents.ExpectedPosition(positionBefore(i)), Events: newEvents("B")},
					}})
				require.NoError(t, err, "scope %q", scope)
				require.Equal(t, []int64{int64(i), int64(i)}, eventPositions(res.Events))
			}
		}},
		{method, "IdempotentRetryReturnsTheStoredEvents", func(t *testing.T, s pgevents.Store) {
			streams := map[string]pgevents.StreamAppend{
				"a": {Condition: pgevents.StreamIsEmpty(), Events: withIDs(newEvents("A0", "A1"))},
				"b": {Condition: pgevents.StreamIsEmpty(), Events: withIDs(newEvents("B0"))},
			}
			first, err := s.AppendStreams(t.Context(), &pgevents.AppendStreamsParams{Category: "account", Streams: streams})
			require.NoError(t, err)
			retry, err := s.AppendStreams(t.Context(), &pgevents.AppendStreamsParams{Category: "account", Streams: streams})
			require.NoError(t, err)
			requireSameEvents(t, first.Events, retry.Events)
			requireLogLatest(t, s, first.Events[2])
		}},
	}
}

// positionBefore is the expected latest position before the i-th append
// of one event to a stream: nil for the first.
func positionBefore(i int) *int64 {
	if i == 0 {
		return nil
	}
	return posPtr(int64(i - 1))
}

// withIDs gives every event a fresh id, as a client that retries does.
func withIDs(events []pgevents.NewEvent) []pgevents.NewEvent {
	for i := range events {
		events[i].ID = uuid.New()
	}
	return events
}
