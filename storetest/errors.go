package storetest

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
)

// errorCases cover bad input: each is refused with an
// *pgevents.InvalidInputError carrying its code and field, before anything
// is written; and event id reuse other than an exact retry.
func errorCases() []eventCase {
	return slices.Concat(basicErrorCases(), hardeningErrorCases())
}

func basicErrorCases() []eventCase {
	appendErr := func(t *testing.T, s pgevents.Store, p pgevents.AppendParams) error {
		t.Helper()
		if p.Events == nil {
			p.Events = newEvents("A")
		}
		res, err := s.AppendEvents(t.Context(), &p)
		require.Nil(t, res)
		return err
	}
	appendStreamsErr := func(t *testing.T, s pgevents.Store, p pgevents.AppendStreamsParams) error {
		t.Helper()
		res, err := s.AppendStreams(t.Context(), &p)
		require.Nil(t, res)
		return err
	}
	// invalidAppend requires that p fails with code and field, writing nothing.
	invalidAppend := func(p pgevents.AppendParams, code, field string) func(t *testing.T, s pgevents.Store) {
		return func(t *testing.T, s pgevents.Store) {
			requireInvalidInput(t, appendErr(t, s, p), code, field)
			requireLogEmpty(t, s)
		}
	}
	long := strings.Repeat("x", 256)
	return []eventCase{
		{"AppendEvents", "EmptyCategoryIsInvalidName",
			invalidAppend(pgevents.AppendParams{Stream: "a1"}, pgevents.CodeInvalidName, "category")},
		{"AppendEvents", "EmptyStreamIsInvalidName",
			invalidAppend(pgevents.AppendParams{Category: "account"}, pgevents.CodeInvalidName, "stream")},
		{"AppendEvents", "TooLongNameIsInvalidName",
			invalidAppend(pgevents.AppendParams{Category: long, Stream: "a1"}, pgevents.CodeInvalidName, "category")},
		{"AppendEvents", "ControlCharacterInNameIsInvalidName",
			invalidAppend(pgevents.AppendParams{Category: "account", Stream: "a\n1"}, pgevents.CodeInvalidName, "stream")},
		{"AppendEvents", "NameLengthCountsCharactersNotBytes", func(t *testing.T, s pgevents.Store) {
			name := strings.Repeat("é", 255)
			got := mustAppend(t, s, name, name, pgevents.Condition{}, pgevents.NewEvent{Name: name})
			require.Equal(t, name, got[0].Category)
			require.Equal(t, name, got[0].Name)
			requireInvalidInput(t, appendErr(t, s, pgevents.AppendParams{Category: name + "é", Stream: name}),
				pgevents.CodeInvalidName, "category")
		}},
		{"AppendEvents", "InvalidEventNameIsInvalidName",
			invalidAppend(pgevents.AppendParams{Category: "account", Stream: "a1",
				Events: []pgevents.NewEvent{{Name: "A"}, {Name: ""}}}, pgevents.CodeInvalidName, "events[1].name")},
		{"AppendEvents", "ControlCharacterInEventNameIsInvalidName",
			invalidAppend(pgevents.AppendParams{Category: "account", Stream: "a1",
				Events: []pgevents.NewEvent{{Name: "A\tB"}}}, pgevents.CodeInvalidName, "events[0].name")},
		{"AppendEvents", "DuplicateIDInABatchIsInvalidEvents", func(t *testing.T, s pgevents.Store) {
			id := uuid.New()
			invalidAppend(pgevents.AppendParams{Category: "account", Stream: "a1",
				Events: []pgevents.NewEvent{{Name: "A"}, {ID: id, Name: "B"}, {ID: id, Name: "C"}}},
				pgevents.CodeInvalidEvents, "events[2].id")(t, s)
		}},
		{"AppendEvents", "InvalidPayloadJSONIsInvalidEvents",
			invalidAppend(pgevents.AppendParams{Category: "account", Stream: "a1",
				Events: []pgevents.NewEvent{{Name: "A"}, {Name: "B", Payload: json.RawMessage(`{"a":`)}}},
				pgevents.CodeInvalidEvents, "events[1].payload")},
		{"AppendEvents", "InvalidMetadataJSONIsInvalidEvents",
			invalidAppend(pgevents.AppendParams{Category: "account", Stream: "a1",
				Events: []pgevents.NewEvent{{Name: "A", Metadata: json.RawMessage(`nope`)}}},
				pgevents.CodeInvalidEvents, "events[0].metadata")},
		{"AppendEvents", "UnknownScopeIsInvalidScope",
			invalidAppend(pgevents.AppendParams{Category: "account", Stream: "a1", Scope: "global"},
				pgevents.CodeInvalidScope, "scope")},
		{"AppendEvents", "UnregisteredConditionTypeIsInvalidCondition",
			invalidAppend(pgevents.AppendParams{Category: "account", Stream: "a1",
				Condition: pgevents.Custom("not_registered", map[string]any{"x": 1})},
				pgevents.CodeInvalidCondition, "condition.type")},
		{"AppendEvents", "NestedUnregisteredConditionTypeIsInvalidCondition",
			invalidAppend(pgevents.AppendParams{Category: "account", Stream: "a1",
				Condition: pgevents.And(pgevents.StreamIsEmpty(), pgevents.Custom("not_registered", nil))},
				pgevents.CodeInvalidCondition, "condition.conditions[1].type")},
		{"AppendEvents", "NegativePositionIsInvalidCondition",
			invalidAppend(pgevents.AppendParams{Category: "account", Stream: "a1", Condition: pgevents.PositionIs(-1)},
				pgevents.CodeInvalidCondition, "condition.position")},
		{"AppendEvents", "InvalidConditionIsRefusedEvenWhereEvaluationWouldStop", func(t *testing.T, s pgevents.Store) {
			for _, c := range []pgevents.Condition{
				pgevents.Or(pgevents.StreamIsEmpty(), pgevents.Custom("not_registered", nil)),
				pgevents.And(pgevents.StreamExists(), pgevents.PositionIs(-1)),
			} {
				field := "condition.conditions[1].type"
				if c.Type == pgevents.ConditionAnd {
					field = "condition.conditions[1].position"
				}
				requireInvalidInput(t, appendErr(t, s, pgevents.AppendParams{Category: "account", Stream: "a1", Condition: c}),
					pgevents.CodeInvalidCondition, field)
			}
			requireLogEmpty(t, s)
		}},
		{"AppendEvents", "InvalidConditionIsRefusedOnAnIdempotentRetry", func(t *testing.T, s pgevents.Store) {
			in := withIDs(newEvents("A"))
			mustAppend(t, s, "account", "a1", pgevents.Condition{}, in...)
			err := appendErr(t, s, pgevents.AppendParams{Category: "account", Stream: "a1", Events: in,
				Condition: pgevents.Custom("not_registered", nil)})
			requireInvalidInput(t, err, pgevents.CodeInvalidCondition, "condition.type")
		}},
		{"AppendEvents", "IDStoredInAnotherStreamIsEventIDConflict", func(t *testing.T, s pgevents.Store) {
			in := withIDs(newEvents("A"))
			first := mustAppend(t, s, "account", "a1", pgevents.Condition{}, in...)
			for _, place := range [][2]string{{"account", "a2"}, {"order", "a1"}} {
				err := appendErr(t, s, pgevents.AppendParams{Category: place[0], Stream: place[1], Events: in})
				requireInvalidInput(t, err, pgevents.CodeEventIDConflict, "events")
				require.ErrorIs(t, err, pgevents.ErrEventIDConflict)
			}
			requireLogLatest(t, s, first[0])
		}},
		{"AppendEvents", "IDStoredWithOtherContentIsEventIDConflict", func(t *testing.T, s pgevents.Store) {
			occurred := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
			stored := pgevents.NewEvent{ID: uuid.New(), Name: "A", Payload: json.RawMessage(`{"a":1}`),
				Metadata: json.RawMessage(`{"m":1}`), OccurredAt: occurred}
			first := mustAppend(t, s, "account", "a1", pgevents.Condition{}, stored)
			changes := map[string]func(e *pgevents.NewEvent){
				"name":        func(e *pgevents.NewEvent) { e.Name = "B" },
				"payload":     func(e *pgevents.NewEvent) { e.Payload = json.RawMessage(`{"a":2}`) },
				"metadata":    func(e *pgevents.NewEvent) { e.Metadata = nil },
				"occurred_at": func(e *pgevents.NewEvent) { e.OccurredAt = occurred.Add(time.Microsecond) },
			}
			for what, change := range changes {
				e := stored
				change(&e)
				err := appendErr(t, s, pgevents.AppendParams{Category: "account", Stream: "a1", Events: []pgevents.NewEvent{e}})
				require.ErrorIs(t, err, pgevents.ErrEventIDConflict, "other %s", what)
				requireInvalidInput(t, err, pgevents.CodeEventIDConflict, "events")
			}
			requireLogLatest(t, s, first[0])
		}},
		{"AppendEvents", "PartlyStoredBatchIsEventIDConflict", func(t *testing.T, s pgevents.Store) {
			in := withIDs(newEvents("A", "B"))
			first := mustAppend(t, s, "account", "a1", pgevents.Condition{}, in[0])
			for _, batch := range [][]pgevents.NewEvent{in, {in[0], {Name: "New"}}, {{Name: "New"}, in[0]}} {
				err := appendErr(t, s, pgevents.AppendParams{Category: "account", Stream: "a1", Events: batch})
				requireInvalidInput(t, err, pgevents.CodeEventIDConflict, "events")
			}
			requireLogLatest(t, s, first[0])
		}},
		{"AppendEvents", "NestingDeeperThanMaxEventDepthIsLimitExceeded", func(t *testing.T, s pgevents.Store) {
			nest := func(depth int) json.RawMessage {
				return json.RawMessage(strings.Repeat("[", depth) + strings.Repeat("]", depth))
			}
			objects := func(depth int) json.RawMessage {
				return json.RawMessage(strings.Repeat(`{"k":`, depth-1) + "{}" + strings.Repeat("}", depth-1))
			}
			for _, tc := range []struct {
				events []pgevents.NewEvent
				field  string
			}{
				{[]pgevents.NewEvent{{Name: "A", Payload: nest(65)}}, "events[0].payload"},
				{[]pgevents.NewEvent{{Name: "A", Payload: json.RawMessage("1"), Metadata: objects(65)}}, "events[0].metadata"},
				{[]pgevents.NewEvent{{Name: "A"}, {Name: "B", Payload: json.RawMessage(`{"a":` + string(nest(64)) + "}")}}, "events[1].payload"},
			} {
				err := appendErr(t, s, pgevents.AppendParams{Category: "account", Stream: "a1", Events: tc.events})
				ie := requireInvalidInput(t, err, pgevents.CodeLimitExceeded, tc.field)
				require.ErrorIs(t, err, pgevents.ErrLimitExceeded)
				require.Equal(t, "must nest arrays and objects at most 64 levels deep", ie.Reason)
			}
			requireLogEmpty(t, s)
			mustAppend(t, s, "account", "a1", pgevents.Condition{}, pgevents.NewEvent{Name: "A", Payload: nest(64), Metadata: objects(64)})
		}},
		{"AppendEvents", "NestingBeyondTheDriversDecoderIsLimitExceeded",
			invalidAppend(pgevents.AppendParams{Category: "account", Stream: "a1", Events: []pgevents.NewEvent{
				{Name: "A", Payload: json.RawMessage(strings.Repeat("[", 10001) + strings.Repeat("]", 10001))}}},
				pgevents.CodeLimitExceeded, "events[0].payload")},
		{"AppendEvents", "EventLargerThanMaxEventSizeIsLimitExceeded", func(t *testing.T, s pgevents.Store) {
			// A payload "xxx…" is n + 2 bytes of JSON text, nil metadata is null (4).
			text := func(n int) json.RawMessage { return json.RawMessage(`"` + strings.Repeat("x", n) + `"`) }
			err := appendErr(t, s, pgevents.AppendParams{Category: "account", Stream: "a1",
				Events: []pgevents.NewEvent{{Name: "A"}, {Name: "B", Payload: text(1048571)}}})
			ie := requireInvalidInput(t, err, pgevents.CodeLimitExceeded, "events[1]")
			require.ErrorIs(t, err, pgevents.ErrLimitExceeded)
			require.Equal(t, "payload and metadata must be at most 1048576 bytes of JSON (got 1048577)", ie.Reason)
			// Numbers count as printed: 0e-16000 is 16002 bytes of text.
			err = appendErr(t, s, pgevents.AppendParams{Category: "account", Stream: "a1", Events: []pgevents.NewEvent{{Name: "A",
				Payload: json.RawMessage("[" + strings.Repeat("0e-16000,", 69) + "0e-16000]")}}})
			requireInvalidInput(t, err, pgevents.CodeLimitExceeded, "events[0]")
			requireLogEmpty(t, s)
			got := mustAppend(t, s, "account", "a1", pgevents.Condition{}, pgevents.NewEvent{Name: "B", Payload: text(1048570)})
			require.Len(t, got[0].Payload, 1048572)
		}},
		{"AppendEvents", "MoreThanMaxAppendEventsIsLimitExceeded", func(t *testing.T, s pgevents.Store) {
			events := make([]pgevents.NewEvent, 10001)
			for i := range events {
				events[i] = pgevents.NewEvent{Name: "A"}
			}
			err := appendErr(t, s, pgevents.AppendParams{Category: "account", Stream: "a1", Events: events})
			ie := requireInvalidInput(t, err, pgevents.CodeLimitExceeded, "events")
			require.Equal(t, "must hold at most 10000 events (got 10001)", ie.Reason)
			requireLogEmpty(t, s)
		}},
		{"AppendEvents", "BatchLargerThanMaxAppendSizeIsLimitExceeded", func(t *testing.T, s pgevents.Store) {
			// 17 events of a 1,000,002-byte payload each: within
			// max_event_size, but 17,001,598 bytes of events JSON, as
			// PostgreSQL prints the array the driver sends:
			// [{"id": "<36>", "name": "A", "payload": "x…", "metadata": null}, …]
			payload := json.RawMessage(`"` + strings.Repeat("x", 1000000) + `"`)
			events := make([]pgevents.NewEvent, 17)
			for i := range events {
				events[i] = pgevents.NewEvent{Name: "A", Payload: payload}
			}
			each := len(`{"id": "`) + 36 + len(`", "name": "A", "payload": `) + len(payload) + len(`, "metadata": null}`)
			err := appendErr(t, s, pgevents.AppendParams{Category: "account", Stream: "a1", Events: events})
			ie := requireInvalidInput(t, err, pgevents.CodeLimitExceeded, "events")
			require.Equal(t, fmt.Sprintf("must be at most 16777216 bytes of JSON (got %d)", 2+17*each+2*16), ie.Reason)
			requireLogEmpty(t, s)
		}},
		{"AppendStreams", "MoreThanMaxAppendEventsInAllIsLimitExceeded", func(t *testing.T, s pgevents.Store) {
			many := func(n int) []pgevents.NewEvent {
				events := make([]pgevents.NewEvent, n)
				for i := range events {
					events[i] = pgevents.NewEvent{Name: "A"}
				}
				return events
			}
			err := appendStreamsErr(t, s, pgevents.AppendStreamsParams{Category: "account", Streams: map[string]pgevents.StreamAppend{
				"a": {Events: many(6000)}, "b": {Events: many(4001)}}})
			ie := requireInvalidInput(t, err, pgevents.CodeLimitExceeded, "streams")
			require.Equal(t, "must hold at most 10000 events in all (got 10001)", ie.Reason)
			requireLogEmpty(t, s)
		}},
		{"AppendStreams", "NestingTooDeepIsReportedWithItsStream", func(t *testing.T, s pgevents.Store) {
			err := appendStreamsErr(t, s, pgevents.AppendStreamsParams{Category: "account", Streams: map[string]pgevents.StreamAppend{
				"a": {Events: newEvents("A")},
				"b": {Events: []pgevents.NewEvent{{Name: "B", Metadata: json.RawMessage(strings.Repeat("[", 65) + strings.Repeat("]", 65))}}}}})
			requireInvalidInput(t, err, pgevents.CodeLimitExceeded, `streams["b"].events[0].metadata`)
			requireLogEmpty(t, s)
		}},
		{"AppendStreams", "EmptyCategoryIsInvalidName", func(t *testing.T, s pgevents.Store) {
			err := appendStreamsErr(t, s, pgevents.AppendStreamsParams{Streams: map[string]pgevents.StreamAppend{"a": {Events: newEvents("A")}}})
			requireInvalidInput(t, err, pgevents.CodeInvalidName, "category")
			requireLogEmpty(t, s)
		}},
		{"AppendStreams", "InvalidStreamNameIsInvalidName", func(t *testing.T, s pgevents.Store) {
			err := appendStreamsErr(t, s, pgevents.AppendStreamsParams{Category: "account", Streams: map[string]pgevents.StreamAppend{
				"a": {Events: newEvents("A")}, "": {Events: newEvents("B")},
			}})
			requireInvalidInput(t, err, pgevents.CodeInvalidName, `streams[""]`)
			requireLogEmpty(t, s)
		}},
		{"AppendStreams", "InvalidEventIsReportedWithItsStream", func(t *testing.T, s pgevents.Store) {
			id := uuid.New()
			err := appendStreamsErr(t, s, pgevents.AppendStreamsParams{Category: "account", Streams: map[string]pgevents.StreamAppend{
				"a": {Events: newEvents("A")}, "b": {Events: []pgevents.NewEvent{{ID: id, Name: "B"}, {ID: id, Name: "C"}}},
			}})
			requireInvalidInput(t, err, pgevents.CodeInvalidEvents, `streams["b"].events[1].id`)
			requireLogEmpty(t, s)
		}},
		{"AppendStreams", "UnknownScopeIsInvalidScope", func(t *testing.T, s pgevents.Store) {
			err := appendStreamsErr(t, s, pgevents.AppendStreamsParams{Category: "account", Scope: "global",
				Streams: map[string]pgevents.StreamAppend{"a": {Events: newEvents("A")}}})
			requireInvalidInput(t, err, pgevents.CodeInvalidScope, "scope")
			requireLogEmpty(t, s)
		}},
		{"AppendStreams", "UnregisteredConditionTypeIsInvalidCondition", func(t *testing.T, s pgevents.Store) {
			err := appendStreamsErr(t, s, pgevents.AppendStreamsParams{Category: "account",
				Streams: map[string]pgevents.StreamAppend{
					"a": {Events: newEvents("A")},
					"b": {Condition: pgevents.Custom("not_registered", nil), Events: newEvents("B")},
				}})
			requireInvalidInput(t, err, pgevents.CodeInvalidCondition, "condition.type")
			requireLogEmpty(t, s)
		}},
		{"AppendStreams", "IDStoredInAnotherStreamIsEventIDConflict", func(t *testing.T, s pgevents.Store) {
			in := withIDs(newEvents("A"))
			first := mustAppend(t, s, "account", "a", pgevents.Condition{}, in...)
			err := appendStreamsErr(t, s, pgevents.AppendStreamsParams{Category: "account",
				Streams: map[string]pgevents.StreamAppend{"a": {Events: newEvents("A2")}, "b": {Events: in}}})
			requireInvalidInput(t, err, pgevents.CodeEventIDConflict, `streams["b"].events`)
			requireLogLatest(t, s, first[0])
		}},
		{"ReadStream", "InvalidNamesAreInvalidName", func(t *testing.T, s pgevents.Store) {
			for _, tc := range []struct{ category, stream, field string }{
				{"", "a1", "category"}, {"account", "", "stream"}, {"acc\x01ount", "a1", "category"}, {"account", long, "stream"},
			} {
				_, err := s.ReadStream(t.Context(), &pgevents.ReadStreamParams{Category: tc.category, Stream: tc.stream})
				requireInvalidInput(t, err, pgevents.CodeInvalidName, tc.field)
			}
		}},
		{"ReadStream", "NegativeFromPositionIsInvalidReadArgument", func(t *testing.T, s pgevents.Store) {
			_, err := s.ReadStream(t.Context(), &pgevents.ReadStreamParams{Category: "account", Stream: "a1", FromPosition: -1})
			requireInvalidInput(t, err, pgevents.CodeInvalidReadArgument, "from_position")
		}},
		{"ReadStream", "LimitBelowMinusOneIsInvalidReadArgument", func(t *testing.T, s pgevents.Store) {
			_, err := s.ReadStream(t.Context(), &pgevents.ReadStreamParams{Category: "account", Stream: "a1", Limit: -2})
			requireInvalidInput(t, err, pgevents.CodeInvalidReadArgument, "limit")
		}},
		{"ReadEvents", "InvalidCategoryIsInvalidName", func(t *testing.T, s pgevents.Store) {
			for _, category := range []string{"acc\nount", long} {
				_, err := s.ReadEvents(t.Context(), &pgevents.ReadEventsParams{Category: category})
				requireInvalidInput(t, err, pgevents.CodeInvalidName, "category")
			}
		}},
		{"ReadEvents", "LimitBelowMinusOneIsInvalidReadArgument", func(t *testing.T, s pgevents.Store) {
			for _, category := range []string{"", "account"} {
				_, err := s.ReadEvents(t.Context(), &pgevents.ReadEventsParams{Category: category, Limit: -2})
				requireInvalidInput(t, err, pgevents.CodeInvalidReadArgument, "limit")
			}
		}},
		{"LatestEvent", "StreamWithoutCategoryIsInvalidIdentifier", func(t *testing.T, s pgevents.Store) {
			_, err := s.LatestEvent(t.Context(), &pgevents.LatestEventParams{Source: pgevents.Identifier{Stream: "a1"}})
			requireInvalidInput(t, err, pgevents.CodeInvalidIdentifier, "category")
		}},
		{"LatestEvent", "InvalidNamesAreInvalidName", func(t *testing.T, s pgevents.Store) {
			for _, tc := range []struct {
				src   pgevents.Identifier
				field string
			}{
				{pgevents.CategoryID("acc\nount"), "category"}, {pgevents.CategoryID(long), "category"},
				{pgevents.StreamID("account", "a\x7f1"), "stream"}, {pgevents.StreamID("acc\tount", "a1"), "category"},
			} {
				_, err := s.LatestEvent(t.Context(), &pgevents.LatestEventParams{Source: tc.src})
				requireInvalidInput(t, err, pgevents.CodeInvalidName, tc.field)
			}
		}},
	}
}

// hardeningErrorCases are the bad inputs of issue 8 (items 10, 15, 20) that
// the adapters used to treat differently, or not at all.
func hardeningErrorCases() []eventCase {
	appendErr := func(t *testing.T, s pgevents.Store, p *pgevents.AppendParams) error {
		t.Helper()
		res, err := s.AppendEvents(t.Context(), p)
		require.Nil(t, res)
		return err
	}
	// JSON that encoding/json accepts but PostgreSQL's jsonb refuses.
	jsonbRefuses := map[string]string{
		"NUL escape":                   `{"a":"\u0000"}`,
		"lone high surrogate":          `"\ud800"`,
		"lone low surrogate":           `["\udc00"]`,
		"unpaired high surrogate":      `"\ud800\u0041"`,
		"number beyond numeric":        `1e999999`,
		"number below numeric's scale": `[1e-20000]`,
		"invalid UTF-8":                "\"\xff\"",
		"overlong UTF-8":               "\"\xc0\xaf\"",
	}
	const notUTF8 = "bad\xffname"
	return []eventCase{
		{"AppendEvents", "JSONThatJSONBRefusesIsInvalidEventsOnItsField", func(t *testing.T, s pgevents.Store) {
			for _, bad := range jsonbRefuses {
				err := appendErr(t, s, &pgevents.AppendParams{Category: "account", Stream: "a1",
					Events: []pgevents.NewEvent{{Name: "A"}, {Name: "B", Payload: json.RawMessage(bad)}}})
				requireInvalidInput(t, err, pgevents.CodeInvalidEvents, "events[1].payload")
				err = appendErr(t, s, &pgevents.AppendParams{Category: "account", Stream: "a1",
					Events: []pgevents.NewEvent{{Name: "A", Payload: json.RawMessage(`1`), Metadata: json.RawMessage(bad)}}})
				requireInvalidInput(t, err, pgevents.CodeInvalidEvents, "events[0].metadata")
			}
			requireLogEmpty(t, s)
		}},
		{"AppendEvents", "JSONAtNumericsLimitsIsStored", func(t *testing.T, s pgevents.Store) {
			for _, ok := range []string{`1e131071`, `1e-16383`, `0e999999999`, `"\ud83d\ude00"`, `"\u0001"`} {
				got := mustAppend(t, s, "account", "a1", pgevents.Condition{}, pgevents.NewEvent{Name: "A", Payload: json.RawMessage(ok)})
				require.NotEmpty(t, got[0].Payload, ok)
			}
		}},
		{"AppendEvents", "EventNameThatIsNotUTF8IsInvalidName", func(t *testing.T, s pgevents.Store) {
			err := appendErr(t, s, &pgevents.AppendParams{Category: "account", Stream: "a1",
				Events: []pgevents.NewEvent{{Name: "A"}, {Name: notUTF8}}})
			requireInvalidInput(t, err, pgevents.CodeInvalidName, "events[1].name")
			requireLogEmpty(t, s)
		}},
		{"AppendEvents", "NamesThatAreNotUTF8AreInvalidName", func(t *testing.T, s pgevents.Store) {
			err := appendErr(t, s, &pgevents.AppendParams{Category: notUTF8, Stream: "a1", Events: newEvents("A")})
			requireInvalidInput(t, err, pgevents.CodeInvalidName, "category")
			err = appendErr(t, s, &pgevents.AppendParams{Category: "account", Stream: notUTF8, Events: newEvents("A")})
			requireInvalidInput(t, err, pgevents.CodeInvalidName, "stream")
			requireLogEmpty(t, s)
		}},
		{"AppendEvents", "ConditionParamsThatJSONBRefusesAreInvalidCondition", func(t *testing.T, s pgevents.Store) {
			for _, bad := range []string{`"\ud800"`, `1e999999`, `"\u0000"`} {
				err := appendErr(t, s, &pgevents.AppendParams{Category: "account", Stream: "a1", Events: newEvents("A"),
					Condition: pgevents.Custom(PositionBelowType, map[string]any{"max": json.RawMessage(bad)})})
				requireInvalidInput(t, err, pgevents.CodeInvalidCondition, "condition")
			}
			requireLogEmpty(t, s)
		}},
		{"AppendStreams", "JSONThatJSONBRefusesIsInvalidEventsOnItsField", func(t *testing.T, s pgevents.Store) {
			for _, bad := range jsonbRefuses {
				res, err := s.AppendStreams(t.Context(), &pgevents.AppendStreamsParams{Category: "account",
					Streams: map[string]pgevents.StreamAppend{
						"a": {Events: newEvents("A")},
						"b": {Events: []pgevents.NewEvent{{Name: "B", Payload: json.RawMessage(bad)}}},
					}})
				require.Nil(t, res)
				requireInvalidInput(t, err, pgevents.CodeInvalidEvents, `streams["b"].events[0].payload`)
			}
			res, err := s.AppendStreams(t.Context(), &pgevents.AppendStreamsParams{Category: "account",
				Streams: map[string]pgevents.StreamAppend{"a": {Events: []pgevents.NewEvent{{Name: notUTF8}}}}})
			require.Nil(t, res)
			requireInvalidInput(t, err, pgevents.CodeInvalidName, `streams["a"].events[0].name`)
			requireLogEmpty(t, s)
		}},
		{"ReadStream", "NamesThatAreNotUTF8AreInvalidName", func(t *testing.T, s pgevents.Store) {
			_, err := s.ReadStream(t.Context(), &pgevents.ReadStreamParams{Category: notUTF8, Stream: "a1"})
			requireInvalidInput(t, err, pgevents.CodeInvalidName, "category")
			_, err = s.ReadStream(t.Context(), &pgevents.ReadStreamParams{Category: "account", Stream: notUTF8})
			requireInvalidInput(t, err, pgevents.CodeInvalidName, "stream")
		}},
		{"ReadEvents", "CategoryThatIsNotUTF8IsInvalidName", func(t *testing.T, s pgevents.Store) {
			_, err := s.ReadEvents(t.Context(), &pgevents.ReadEventsParams{Category: notUTF8})
			requireInvalidInput(t, err, pgevents.CodeInvalidName, "category")
		}},
		{"LatestEvent", "NamesThatAreNotUTF8AreInvalidName", func(t *testing.T, s pgevents.Store) {
			_, err := s.LatestEvent(t.Context(), &pgevents.LatestEventParams{Source: pgevents.CategoryID(notUTF8)})
			requireInvalidInput(t, err, pgevents.CodeInvalidName, "category")
			_, err = s.LatestEvent(t.Context(), &pgevents.LatestEventParams{Source: pgevents.StreamID("account", notUTF8)})
			requireInvalidInput(t, err, pgevents.CodeInvalidName, "stream")
		}},
		{"ReadEvents", "CursorFromTheFutureIsInvalidReadArgument", func(t *testing.T, s pgevents.Store) {
			stored := mustAppend(t, s, "account", "a1", pgevents.Condition{}, newEvents("A", "B")...)
			readAllEventually(t, s, "account", 2)
			for _, category := range []string{"", "account"} {
				for _, tx := range []uint64{math.MaxUint64, 1 << 62, stored[0].TransactionID + 1<<40} {
					got, err := s.ReadEvents(t.Context(), &pgevents.ReadEventsParams{Category: category,
						After: pgevents.Cursor{TransactionID: tx}})
					requireInvalidInput(t, err, pgevents.CodeInvalidReadArgument, "after_transaction_id")
					require.Nil(t, got)
				}
				_, err := s.ReadEvents(t.Context(), &pgevents.ReadEventsParams{Category: category,
					After: pgevents.Cursor{TransactionID: stored[0].TransactionID, SequenceNumber: -1}})
				requireInvalidInput(t, err, pgevents.CodeInvalidReadArgument, "after_sequence_number")
				// Real cursors, and the start, still read.
				got, err := s.ReadEvents(t.Context(), &pgevents.ReadEventsParams{Category: category, After: stored[0].Cursor()})
				require.NoError(t, err)
				requireSameEvents(t, stored[1:], got)
				got, err = s.ReadEvents(t.Context(), &pgevents.ReadEventsParams{Category: category, After: stored[1].Cursor()})
				require.NoError(t, err)
				require.Empty(t, got)
			}
			// A scan from such a cursor yields the error instead of waiting forever.
			var scanErr error
			for _, err := range pgevents.NewClient(s).Log().Scan(t.Context(), &pgevents.ScanOpts{After: pgevents.Cursor{TransactionID: math.MaxUint64}}) {
				scanErr = err
			}
			requireInvalidInput(t, scanErr, pgevents.CodeInvalidReadArgument, "after_transaction_id")
		}},
		{"AppendEvents", "RetryOfTheSameParamsIsIdempotent", func(t *testing.T, s pgevents.Store) {
			p := &pgevents.AppendParams{Category: "account", Stream: "a1", Events: newEvents("A", "B")}
			p.Events[1].ID = uuid.New() // one event brings its own id
			first, err := s.AppendEvents(t.Context(), p)
			require.NoError(t, err)
			// The caller lost the answer (a dropped connection) and retries.
			again, err := s.AppendEvents(t.Context(), p)
			require.NoError(t, err)
			requireSameEvents(t, first.Events, again.Events)
			requireSameEvents(t, first.Events, readWholeStream(t, s, "account", "a1"))
			require.Equal(t, uuid.Nil, p.Events[0].ID, "the caller's events are not modified")
			// An id generated for p is reused under a condition that no longer holds.
			p2 := &pgevents.AppendParams{Category: "account", Stream: "a2", Condition: pgevents.StreamIsEmpty(), Events: newEvents("C")}
			first, err = s.AppendEvents(t.Context(), p2)
			require.NoError(t, err)
			again, err = s.AppendEvents(t.Context(), p2)
			require.NoError(t, err)
			requireSameEvents(t, first.Events, again.Events)
		}},
		{"AppendEvents", "NewParamsWithTheSameEventsAppendAgain", func(t *testing.T, s pgevents.Store) {
			// The ids belong to the *AppendParams, not to the events: the same
			// events in new params are a new append (never silently dropped).
			events := newEvents("Tick")
			for range 2 {
				mustAppend(t, s, "clock", "c1", pgevents.Condition{}, events...)
			}
			p := &pgevents.AppendParams{Category: "clock", Stream: "c1", Events: events}
			_, err := s.AppendEvents(t.Context(), p)
			require.NoError(t, err)
			p.Events = newEvents("Tock") // new events in the same params: a new append
			_, err = s.AppendEvents(t.Context(), p)
			require.NoError(t, err)
			require.Equal(t, []string{"Tick", "Tick", "Tick", "Tock"}, eventNames(readWholeStream(t, s, "clock", "c1")))
		}},
		{"AppendStreams", "RetryOfTheSameParamsIsIdempotent", func(t *testing.T, s pgevents.Store) {
			p := &pgevents.AppendStreamsParams{Category: "account", Streams: map[string]pgevents.StreamAppend{
				"a1": {Events: newEvents("A", "B")}, "a2": {Condition: pgevents.StreamIsEmpty(), Events: newEvents("C")},
			}}
			first, err := s.AppendStreams(t.Context(), p)
			require.NoError(t, err)
			again, err := s.AppendStreams(t.Context(), p)
			require.NoError(t, err)
			requireSameEvents(t, first.Events, again.Events)
			require.Len(t, readWholeStream(t, s, "account", "a1"), 2)
			require.Len(t, readWholeStream(t, s, "account", "a2"), 1)
		}},
		{"StreamAppend", "RetryWithIDsIsIdempotent", func(t *testing.T, s pgevents.Store) {
			stream := pgevents.NewClient(s).Stream("account", "a1")
			events, err := pgevents.WithIDs(newEvents("A", "B"))
			require.NoError(t, err)
			first, err := stream.Append(t.Context(), events, nil)
			require.NoError(t, err)
			again, err := stream.Append(t.Context(), events, nil)
			require.NoError(t, err)
			requireSameEvents(t, first, again)
			require.Len(t, readWholeStream(t, s, "account", "a1"), 2)
		}},
	}
}
