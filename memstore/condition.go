package memstore

import (
	"fmt"

	"github.com/pgevents/pgevents"
)

// conditionFailure is a condition that was not met: pgevents.evaluate_condition's
// {"code", "condition", "failures"}.
type conditionFailure struct {
	code      string
	condition pgevents.Condition
	failures  []*conditionFailure
}

func (f *conditionFailure) toError(category, stream string, position *int64) pgevents.ConditionError {
	e := pgevents.ConditionError{Category: category, Code: f.code, Condition: f.condition, Position: position, Stream: stream}
	for _, sub := range f.failures {
		e.Failures = append(e.Failures, sub.toError(category, stream, position))
	}
	return e
}

// maxPositionDigits is the longest position pgevents.evaluate_condition accepts.
const maxPosition = 999_999_999_999_999_999

// evaluate is pgevents.evaluate_condition: it returns nil when c is met
// against the stream's latest event, else the innermost failed condition (the
// first failed one of an "and"; an "or" with the failures of its
// alternatives). Like PostgreSQL, it checks the shape of a condition only
// when it evaluates it: an "and" stops at its first failure, an "or" at its
// first success. It returns an *pgevents.InvalidInputError (CodeInvalidCondition)
// for a malformed condition or an unregistered type, and a custom
// condition's error.
func (s *Store) evaluate(c pgevents.Condition, category, stream string, latest *pgevents.Event, field string) (*conditionFailure, error) {
	invalid := func(f, reason string) error {
		return &pgevents.InvalidInputError{Code: pgevents.CodeInvalidCondition, Field: f, Reason: reason}
	}
	failed := func(code string) *conditionFailure { return &conditionFailure{code: code, condition: c} }
	switch c.Type {
	case "", pgevents.ConditionNone:
		return nil, nil

	case pgevents.ConditionPositionIs:
		switch {
		case c.Position == nil:
			if latest == nil {
				return nil, nil
			}
		case *c.Position < 0 || *c.Position > maxPosition:
			return nil, invalid(field+".position", "must be a non-negative integer or null")
		case latest != nil && latest.Position == *c.Position:
			return nil, nil
		}
		return failed(pgevents.CodeUnexpectedPosition), nil

	case pgevents.ConditionStreamIsEmpty:
		if latest == nil {
			return nil, nil
		}
		return failed(pgevents.CodeStreamNotEmpty), nil

	case pgevents.ConditionStreamExists:
		if latest != nil {
			return nil, nil
		}
		return failed(pgevents.CodeStreamDoesNotExist), nil

	case pgevents.ConditionAnd, pgevents.ConditionOr:
		var failures []*conditionFailure
		for i, sub := range c.Conditions {
			f, err := s.evaluate(sub, category, stream, latest, fmt.Sprintf("%s.conditions[%d]", field, i))
			if err != nil {
				return nil, err
			}
			if c.Type == pgevents.ConditionAnd && f != nil {
				return f, nil
			}
			if c.Type == pgevents.ConditionOr {
				if f == nil {
					return nil, nil
				}
				failures = append(failures, f)
			}
		}
		if c.Type == pgevents.ConditionAnd {
			return nil, nil
		}
		f := failed(pgevents.CodeNoAlternativeMet)
		f.failures = failures
		return f, nil

	default:
		fn, ok := s.mem.conditions[c.Type]
		if !ok {
			return nil, invalid(field+".type", fmt.Sprintf("unknown condition type %s (built in: none, position_is, "+
				"stream_is_empty, stream_exists, and, or; others must be registered with pgevents.register_condition_type)",
				sqlLiteral(c.Type)))
		}
		var arg *pgevents.Event
		if latest != nil {
			e := cloneEvent(*latest)
			arg = &e
		}
		met, err := fn(category, stream, arg, c)
		if err != nil {
			return nil, fmt.Errorf("pgevents: memstore: condition %s on stream %s/%s: %w", c.Type, category, stream, err)
		}
		if met {
			return nil, nil
		}
		return failed(pgevents.CodeCustomConditionFailed), nil
	}
}
