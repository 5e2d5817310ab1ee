package pgevents_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/pgevents/pgevents"
)

func TestCondition_MarshalJSON(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		c    pgevents.Condition
		want string
	}{
		"Zero":            {pgevents.Condition{}, `null`},
		"None":            {pgevents.Condition{Type: "none"}, `{"type":"none"}`},
		"PositionIs":      {pgevents.PositionIs(3), `{"type":"position_is","position":3}`},
		"ExpectedNil":     {pgevents.ExpectedPosition(nil), `{"type":"position_is","position":null}`},
		"StreamIsEmpty":   {pgevents.StreamIsEmpty(), `{"type":"stream_is_empty"}`},
		"StreamExists":    {pgevents.StreamExists(), `{"type":"stream_exists"}`},
		"EmptyAnd":        {pgevents.And(), `{"type":"and","conditions":[]}`},
		"EmptyOr":         {pgevents.Or(), `{"type":"or","conditions":[]}`},
		"Custom":          {pgevents.Custom("position_below", map[string]any{"max": 5}), `{"type":"position_below","max":5}`},
		"NestedFlattened": {pgevents.And(pgevents.And(pgevents.StreamExists(), pgevents.PositionIs(1)), pgevents.PositionIs(1)), `{"type":"and","conditions":[{"type":"stream_exists"},{"type":"position_is","position":1}]}`},
		"OrInsideAndKept": {pgevents.And(pgevents.Or(pgevents.StreamIsEmpty(), pgevents.PositionIs(2))), `{"type":"and","conditions":[{"type":"or","conditions":[{"type":"stream_is_empty"},{"type":"position_is","position":2}]}]}`},
		"AndDropsNone":    {pgevents.And(pgevents.Condition{}, pgevents.StreamExists()), `{"type":"and","conditions":[{"type":"stream_exists"}]}`},
		"OrFlattensOr":    {pgevents.Or(pgevents.Or(pgevents.StreamIsEmpty()), pgevents.StreamIsEmpty(), pgevents.PositionIs(0)), `{"type":"or","conditions":[{"type":"stream_is_empty"},{"type":"position_is","position":0}]}`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b, err := json.Marshal(tc.c)
			require.NoError(t, err)
			require.JSONEq(t, tc.want, string(b))

			var back pgevents.Condition
			require.NoError(t, json.Unmarshal(b, &back))
			b2, err := json.Marshal(back)
			require.NoError(t, err)
			require.JSONEq(t, tc.want, string(b2), "round trip")
		})
	}
}

func TestCondition_UnmarshalJSONRejectsMalformed(t *testing.T) {
	t.Parallel()
	for _, in := range []string{`[]`, `{}`, `{"type":""}`, `{"type":"position_is","position":"x"}`, `{"type":"and","conditions":{}}`} {
		var c pgevents.Condition
		err := json.Unmarshal([]byte(in), &c)
		require.ErrorIs(t, err, pgevents.ErrInvalidInput, in)
		var iie *pgevents.InvalidInputError
		require.ErrorAs(t, err, &iie)
		require.Equal(t, pgevents.CodeInvalidCondition, iie.Code)
	}
}

func TestCondition_Validate(t *testing.T) {
	t.Parallel()
	require.NoError(t, pgevents.And(pgevents.PositionIs(0), pgevents.Custom("mine", nil)).Validate())
	err := pgevents.And(pgevents.StreamExists(), pgevents.PositionIs(-1)).Validate()
	var iie *pgevents.InvalidInputError
	require.ErrorAs(t, err, &iie)
	require.Equal(t, "condition.conditions[1].position", iie.Field)
	require.ErrorIs(t, pgevents.Custom("Bad Type", nil).Validate(), pgevents.ErrInvalidInput)
	require.ErrorIs(t, pgevents.Custom("ok", map[string]any{"type": 1}).Validate(), pgevents.ErrInvalidInput)
}

func TestConditionError_MatchesSentinels(t *testing.T) {
	t.Parallel()
	pos := int64(4)
	err := error(&pgevents.ConditionError{Code: pgevents.CodeUnexpectedPosition, Category: "c", Stream: "s",
		Condition: pgevents.PositionIs(3), Position: &pos})
	wrapped := errors.Join(errors.New("context"), err)
	require.ErrorIs(t, wrapped, pgevents.ErrConditionFailed)
	require.ErrorIs(t, wrapped, pgevents.ErrUnexpectedPosition)
	require.NotErrorIs(t, wrapped, pgevents.ErrStreamNotEmpty)
	require.NotErrorIs(t, wrapped, pgevents.ErrInvalidInput)
	require.Contains(t, err.Error(), "latest position: 4")

	require.ErrorIs(t, &pgevents.ConditionError{Code: pgevents.CodeStreamNotEmpty}, pgevents.ErrStreamNotEmpty)
	require.ErrorIs(t, &pgevents.ConditionError{Code: pgevents.CodeStreamDoesNotExist}, pgevents.ErrStreamDoesNotExist)
	require.Nil(t, pgevents.IgnoreConditionFailed(err))
	other := errors.New("boom")
	require.Equal(t, other, pgevents.IgnoreConditionFailed(other))
}

func TestInvalidInputError_MatchesSentinels(t *testing.T) {
	t.Parallel()
	err := &pgevents.InvalidInputError{Code: pgevents.CodeEventIDConflict, Field: "events", Reason: "x"}
	require.ErrorIs(t, err, pgevents.ErrInvalidInput)
	require.ErrorIs(t, err, pgevents.ErrEventIDConflict)
	require.NotErrorIs(t, &pgevents.InvalidInputError{Code: pgevents.CodeInvalidName}, pgevents.ErrEventIDConflict)
	require.ErrorIs(t, &pgevents.RetryableError{Code: "40001", Err: errors.New("x")}, pgevents.ErrRetryable)
}

func TestCheckName(t *testing.T) {
	t.Parallel()
	require.NoError(t, pgevents.CheckName("stream", "account-42 ü"))
	for _, bad := range []string{"", "a\nb", "tab\there", strings.Repeat("a", 256), "del\x7f"} {
		err := pgevents.CheckName("stream", bad)
		var iie *pgevents.InvalidInputError
		require.ErrorAs(t, err, &iie, "%q", bad)
		require.Equal(t, pgevents.CodeInvalidName, iie.Code)
		require.Equal(t, "stream", iie.Field)
	}
	long := make([]rune, 255)
	for i := range long {
		long[i] = 'é'
	}
	require.NoError(t, pgevents.CheckName("stream", string(long)), "255 characters, more bytes")
}
