package storetest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
)

// conditionCases cover every condition kind, alone and combined, through
// AppendEvents: met conditions write, unmet ones fail with the innermost
// failed condition and write nothing.
func conditionCases() []eventCase {
	const method = "AppendEvents"
	const cat, str = "account", "a1"
	// setup appends n events to (cat, str) and returns them.
	setup := func(t *testing.T, s pgevents.Store, n int) []pgevents.Event {
		t.Helper()
		if n == 0 {
			return nil
		}
		evs := make([]string, n)
		for i := range evs {
			evs[i] = "Setup"
		}
		return mustAppend(t, s, cat, str, pgevents.Condition{}, newEvents(evs...)...)
	}
	// met requires that c is met on a stream of n events.
	met := func(n int, c pgevents.Condition) func(t *testing.T, s pgevents.Store) {
		return func(t *testing.T, s pgevents.Store) {
			setup(t, s, n)
			got := mustAppend(t, s, cat, str, c, newEvents("New")...)
			require.Equal(t, int64(n), got[0].Position)
		}
	}
	// unmet requires that c fails with code on a stream of n events, naming
	// failed as the failed condition, and writes nothing.
	unmet := func(n int, c pgevents.Condition, code string, failed pgevents.Condition) func(t *testing.T, s pgevents.Store) {
		return func(t *testing.T, s pgevents.Store) {
			before := setup(t, s, n)
			_, err := s.AppendEvents(t.Context(), &pgevents.AppendParams{Category: cat, Stream: str, Condition: c,
				Events: newEvents("New", "New2")})
			var pos *int64
			if n > 0 {
				pos = posPtr(int64(n - 1))
			}
			ce := requireConditionFailed(t, err, code, cat, str, pos)
			requireCondition(t, failed, ce.Condition)
			requireSameEvents(t, before, readWholeStream(t, s, cat, str))
			if n == 0 {
				requireLogEmpty(t, s)
			} else {
				requireLogLatest(t, s, before[n-1])
			}
		}
	}
	below := func(n int) pgevents.Condition {
		return pgevents.Custom(PositionBelowType, map[string]any{"max": n})
	}
	positionIs := pgevents.PositionIs
	empty, exists := pgevents.StreamIsEmpty(), pgevents.StreamExists()
	and, or := pgevents.And, pgevents.Or

	return []eventCase{
		{method, "NoConditionIsAlwaysMet", met(2, pgevents.Condition{})},
		{method, "NoneConditionIsAlwaysMet", met(2, pgevents.Condition{Type: pgevents.ConditionNone})},
		{method, "PositionIsMetAtTheLatestPosition", met(3, positionIs(2))},
		{method, "PositionIsUnmetFailsWithUnexpectedPosition", func(t *testing.T, s pgevents.Store) {
			unmet(3, positionIs(1), pgevents.CodeUnexpectedPosition, positionIs(1))(t, s)
			_, err := s.AppendEvents(t.Context(), &pgevents.AppendParams{Category: cat, Stream: str,
				Condition: positionIs(3), Events: newEvents("New")})
			require.ErrorIs(t, err, pgevents.ErrUnexpectedPosition)
			require.NotErrorIs(t, err, pgevents.ErrStreamNotEmpty)
		}},
		{method, "PositionIsOnAnEmptyStreamFails", unmet(0, positionIs(0), pgevents.CodeUnexpectedPosition, positionIs(0))},
		{method, "ExpectedPositionNilIsMetOnAnEmptyStream", met(0, pgevents.ExpectedPosition(nil))},
		{method, "ExpectedPositionNilFailsWithUnexpectedPosition",
			unmet(1, pgevents.ExpectedPosition(nil), pgevents.CodeUnexpectedPosition, pgevents.ExpectedPosition(nil))},
		{method, "ExpectedPositionIsPositionIs", met(2, pgevents.ExpectedPosition(posPtr(1)))},
		{method, "StreamIsEmptyIsMetOnAnEmptyStream", met(0, empty)},
		{method, "StreamIsEmptyUnmetFailsWithStreamNotEmpty", func(t *testing.T, s pgevents.Store) {
			unmet(1, empty, pgevents.CodeStreamNotEmpty, empty)(t, s)
			_, err := s.AppendEvents(t.Context(), &pgevents.AppendParams{Category: cat, Stream: str,
				Condition: empty, Events: newEvents("New")})
			require.ErrorIs(t, err, pgevents.ErrStreamNotEmpty)
		}},
		{method, "StreamExistsIsMetOnAStreamWithEvents", met(1, exists)},
		{method, "StreamExistsUnmetFailsWithStreamDoesNotExist", func(t *testing.T, s pgevents.Store) {
			unmet(0, exists, pgevents.CodeStreamDoesNotExist, exists)(t, s)
			_, err := s.AppendEvents(t.Context(), &pgevents.AppendParams{Category: cat, Stream: str,
				Condition: exists, Events: newEvents("New")})
			require.ErrorIs(t, err, pgevents.ErrStreamDoesNotExist)
		}},
		{method, "ConditionsApplyToTheirOwnStream", func(t *testing.T, s pgevents.Store) {
			setup(t, s, 2)
			mustAppend(t, s, cat, "other", empty, newEvents("A")...)
			mustAppend(t, s, "other", str, empty, newEvents("A")...)
			mustAppend(t, s, "other", str, positionIs(0), newEvents("B")...)
		}},
		{method, "CustomConditionIsMet", func(t *testing.T, s pgevents.Store) {
			met(0, below(0))(t, s) // empty stream: met whatever the max
			mustAppend(t, s, cat, str, below(2), newEvents("Second")...)
		}},
		{method, "CustomConditionUnmetFailsWithCustomConditionFailed", func(t *testing.T, s pgevents.Store) {
			unmet(3, below(2), pgevents.CodeCustomConditionFailed, below(2))(t, s)
			_, err := s.AppendEvents(t.Context(), &pgevents.AppendParams{Category: cat, Stream: str,
				Condition: below(2), Events: newEvents("New")})
			ce := requireConditionFailed(t, err, pgevents.CodeCustomConditionFailed, cat, str, posPtr(2))
			require.Equal(t, PositionBelowType, ce.Condition.Type)
			require.EqualValues(t, 2, ce.Condition.Params["max"])
		}},
		{method, "AndIsMetWhenAllAreMet", met(2, and(exists, positionIs(1), below(5)))},
		{method, "AndOfNothingIsMet", met(1, and())},
		{method, "AndFailsWithItsFirstFailedCondition",
			unmet(2, and(exists, positionIs(0), empty), pgevents.CodeUnexpectedPosition, positionIs(0))},
		{method, "AndFailsWithAFailedCustomCondition",
			unmet(2, and(exists, below(1)), pgevents.CodeCustomConditionFailed, below(1))},
		{method, "OrIsMetWhenOneIsMet", met(2, or(empty, positionIs(1), positionIs(0)))},
		{method, "OrFailsWithNoAlternativeMetAndItsFailures", func(t *testing.T, s pgevents.Store) {
			c := or(empty, positionIs(0), below(1))
			unmet(2, c, pgevents.CodeNoAlternativeMet, c)(t, s)
			_, err := s.AppendEvents(t.Context(), &pgevents.AppendParams{Category: cat, Stream: str,
				Condition: c, Events: newEvents("New")})
			ce := requireConditionFailed(t, err, pgevents.CodeNoAlternativeMet, cat, str, posPtr(1))
			require.Len(t, ce.Failures, 3)
			for i, want := range []struct {
				code string
				cond pgevents.Condition
			}{{pgevents.CodeStreamNotEmpty, empty}, {pgevents.CodeUnexpectedPosition, positionIs(0)},
				{pgevents.CodeCustomConditionFailed, below(1)}} {
				require.Equal(t, want.code, ce.Failures[i].Code, "failure %d", i)
				requireCondition(t, want.cond, ce.Failures[i].Condition)
				require.Equal(t, cat, ce.Failures[i].Category)
				require.Equal(t, str, ce.Failures[i].Stream)
			}
			require.NotErrorIs(t, err, pgevents.ErrUnexpectedPosition, "an or's code is its own")
		}},
		{method, "OrOfNothingIsNeverMet", func(t *testing.T, s pgevents.Store) {
			unmet(0, or(), pgevents.CodeNoAlternativeMet, or())(t, s)
			_, err := s.AppendEvents(t.Context(), &pgevents.AppendParams{Category: cat, Stream: str,
				Condition: or(), Events: newEvents("New")})
			var ce *pgevents.ConditionError
			require.ErrorAs(t, err, &ce)
			require.Empty(t, ce.Failures)
		}},
		{method, "NestedAndInOrIsEvaluated", func(t *testing.T, s pgevents.Store) {
			c := or(and(exists, positionIs(5)), and(exists, below(1)))
			unmet(2, c, pgevents.CodeNoAlternativeMet, c)(t, s)
			_, err := s.AppendEvents(t.Context(), &pgevents.AppendParams{Category: cat, Stream: str,
				Condition: c, Events: newEvents("New")})
			var ce *pgevents.ConditionError
			require.ErrorAs(t, err, &ce)
			require.Len(t, ce.Failures, 2)
			require.Equal(t, pgevents.CodeUnexpectedPosition, ce.Failures[0].Code)
			requireCondition(t, positionIs(5), ce.Failures[0].Condition)
			require.Equal(t, pgevents.CodeCustomConditionFailed, ce.Failures[1].Code)
			requireCondition(t, below(1), ce.Failures[1].Condition)
			mustAppend(t, s, cat, str, or(and(exists, positionIs(1)), empty), newEvents("New")...)
		}},
		{method, "NestedOrInAndFailsWithTheOr", func(t *testing.T, s pgevents.Store) {
			inner := or(positionIs(7), empty)
			unmet(2, and(exists, inner), pgevents.CodeNoAlternativeMet, inner)(t, s)
			mustAppend(t, s, cat, str, and(exists, or(positionIs(7), positionIs(1))), newEvents("New")...)
		}},
		{method, "NestedAndOrAreFlattened", func(t *testing.T, s pgevents.Store) {
			c := and(and(exists, and(positionIs(1))), and(below(9), exists))
			require.Len(t, c.Conditions, 3)
			o := or(or(positionIs(3), empty), or(exists))
			require.Len(t, o.Conditions, 3)
			setup(t, s, 2)
			mustAppend(t, s, cat, str, c, newEvents("New")...)
			mustAppend(t, s, cat, str, o, newEvents("New")...)
			require.Len(t, readWholeStream(t, s, cat, str), 4)
		}},
		{method, "UnflattenedNestingIsEvaluatedTheSame", func(t *testing.T, s pgevents.Store) {
			orOr := pgevents.Condition{Type: pgevents.ConditionOr, Conditions: []pgevents.Condition{
				{Type: pgevents.ConditionOr, Conditions: []pgevents.Condition{positionIs(9), empty}},
			}}
			unmet(1, orOr, pgevents.CodeNoAlternativeMet, orOr)(t, s)
			andAnd := pgevents.Condition{Type: pgevents.ConditionAnd, Conditions: []pgevents.Condition{
				{Type: pgevents.ConditionAnd, Conditions: []pgevents.Condition{exists, positionIs(0)}},
			}}
			mustAppend(t, s, cat, str, andAnd, newEvents("New")...)
		}},
		{method, "ConditionsWithinTheLimitsAreEvaluated", func(t *testing.T, s pgevents.Store) {
			setup(t, s, 1)
			// MaxConditionNodes in all: the or and its alternatives; the
			// last one is met.
			alternatives := make([]pgevents.Condition, 0, pgevents.MaxConditionNodes-1)
			for i := range pgevents.MaxConditionNodes - 2 {
				alternatives = append(alternatives, positionIs(int64(1000+i)))
			}
			wide := or(append(alternatives, positionIs(0))...)
			mustAppend(t, s, cat, str, wide, newEvents("New")...)
			_, err := s.AppendEvents(t.Context(), &pgevents.AppendParams{Category: cat, Stream: str,
				Condition: or(alternatives...), Events: newEvents("New")})
			ce := requireConditionFailed(t, err, pgevents.CodeNoAlternativeMet, cat, str, posPtr(1))
			require.Len(t, ce.Failures, len(alternatives))
			// MaxConditionDepth levels: or(and(or(and(... stream_exists)))).
			mustAppend(t, s, cat, str, nested(pgevents.MaxConditionDepth, exists), newEvents("New")...)
			require.Len(t, readWholeStream(t, s, cat, str), 3)
		}},
		{method, "ConditionWithTooManyNodesIsRefused", func(t *testing.T, s pgevents.Store) {
			before := setup(t, s, 1)
			alternatives := make([]pgevents.Condition, 0, pgevents.MaxConditionNodes)
			for i := range pgevents.MaxConditionNodes {
				alternatives = append(alternatives, positionIs(int64(i)))
			}
			_, err := s.AppendEvents(t.Context(), &pgevents.AppendParams{Category: cat, Stream: str,
				Condition: or(alternatives...), Events: newEvents("New")})
			ie := requireInvalidInput(t, err, pgevents.CodeInvalidCondition, "condition")
			require.Equal(t, fmt.Sprintf("has more than %d conditions (got %d, and/or included)",
				pgevents.MaxConditionNodes, pgevents.MaxConditionNodes+1), ie.Reason)
			require.ErrorIs(t, or(alternatives...).Validate(), pgevents.ErrInvalidInput)
			requireSameEvents(t, before, readWholeStream(t, s, cat, str))
		}},
		{method, "ConditionNestedTooDeeplyIsRefused", func(t *testing.T, s pgevents.Store) {
			before := setup(t, s, 1)
			deep := nested(pgevents.MaxConditionDepth+1, exists)
			_, err := s.AppendEvents(t.Context(), &pgevents.AppendParams{Category: cat, Stream: str,
				Condition: deep, Events: newEvents("New")})
			ie := requireInvalidInput(t, err, pgevents.CodeInvalidCondition, "condition")
			require.Equal(t, fmt.Sprintf("nests and/or conditions deeper than %d levels", pgevents.MaxConditionDepth), ie.Reason)
			var ve *pgevents.InvalidInputError
			require.ErrorAs(t, deep.Validate(), &ve)
			require.Equal(t, *ie, *ve, "Condition.Validate gives the stores' error")
			requireSameEvents(t, before, readWholeStream(t, s, cat, str))
		}},
		{method, "ConditionTooLargeAsJSONIsRefused", func(t *testing.T, s pgevents.Store) {
			before := setup(t, s, 1)
			pad := strings.Repeat("x", pgevents.MaxConditionBytes)
			big := pgevents.Custom(PositionBelowType, map[string]any{"max": 5, "pad": pad})
			_, err := s.AppendEvents(t.Context(), &pgevents.AppendParams{Category: cat, Stream: str,
				Condition: and(exists, big), Events: newEvents("New")})
			ie := requireInvalidInput(t, err, pgevents.CodeInvalidCondition, "condition")
			// As PostgreSQL prints jsonb: keys by length then bytes, ": " and ", ".
			printed := `{"type": "and", "conditions": [{"type": "stream_exists"}, {"max": 5, "pad": "` + pad +
				`", "type": "` + PositionBelowType + `"}]}`
			require.Equal(t, fmt.Sprintf("is larger than %d bytes as JSON (got %d)", pgevents.MaxConditionBytes, len(printed)), ie.Reason)
			requireSameEvents(t, before, readWholeStream(t, s, cat, str))
		}},
		{method, "ConditionErrorMatchesOnlyItsOwnSentinels", func(t *testing.T, s pgevents.Store) {
			setup(t, s, 1)
			_, err := s.AppendEvents(t.Context(), &pgevents.AppendParams{Category: cat, Stream: str,
				Condition: empty, Events: newEvents("New")})
			require.ErrorIs(t, err, pgevents.ErrConditionFailed)
			require.ErrorIs(t, err, pgevents.ErrStreamNotEmpty)
			require.NotErrorIs(t, err, pgevents.ErrStreamDoesNotExist)
			require.NotErrorIs(t, err, pgevents.ErrUnexpectedPosition)
			require.NotErrorIs(t, err, pgevents.ErrRetryable)
			require.NoError(t, pgevents.IgnoreConditionFailed(err))
		}},
	}
}

// nested returns levels levels of alternating single-operand "or" and "and"
// (never flattened) around inner, which is the last level.
func nested(levels int, inner pgevents.Condition) pgevents.Condition {
	c := inner
	for i := 1; i < levels; i++ {
		typ := pgevents.ConditionAnd
		if i%2 == 0 {
			typ = pgevents.ConditionOr
		}
		c = pgevents.Condition{Type: typ, Conditions: []pgevents.Condition{c}}
	}
	return c
}
