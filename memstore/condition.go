package memstore

import (
	"encoding/json"
	"fmt"

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/memstore/internal/jsonb"
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

// maxPosition is the largest position pgevents.check_condition accepts (18 digits).
const maxPosition = 999_999_999_999_999_999

// checkCondition is pgevents.check_condition: it applies the size limits
// (pgevents.MaxConditionBytes of the JSON as PostgreSQL prints it, then
// MaxConditionDepth, then MaxConditionNodes), then validates the whole tree
// (never short-circuiting) and returns an *pgevents.InvalidInputError
// (CodeInvalidCondition) naming the first invalid field: a position that is
// negative or longer than 18 digits, or a type that is neither built in nor
// registered.
func (s *Store) checkCondition(c pgevents.Condition, field string) error {
	if c.Type == "" {
		return nil // SQL NULL: no condition
	}
	invalid := func(reason string) error {
		return &pgevents.InvalidInputError{Code: pgevents.CodeInvalidCondition, Field: field, Reason: reason}
	}
	raw, err := json.Marshal(c)
	if err != nil {
		return invalid(err.Error())
	}
	printed, err := jsonb.Normalize(raw)
	if err != nil {
		return invalid(err.Error())
	}
	if len(printed) > pgevents.MaxConditionBytes {
		return invalid(fmt.Sprintf("is larger than %d bytes as JSON (got %d)", pgevents.MaxConditionBytes, len(printed)))
	}
	if conditionDepth(c, 1) > pgevents.MaxConditionDepth {
		return invalid(fmt.Sprintf("nests and/or conditions deeper than %d levels", pgevents.MaxConditionDepth))
	}
	if n := conditionNodes(c); n > pgevents.MaxConditionNodes {
		return invalid(fmt.Sprintf("has more than %d conditions (got %d, and/or included)", pgevents.MaxConditionNodes, n))
	}
	return s.checkConditionTree(c, field)
}

// conditionDepth returns the nesting depth of c at level, looking no deeper
// than pgevents.MaxConditionDepth+1 (check_condition's walk stops there).
func conditionDepth(c pgevents.Condition, level int) int {
	deepest := level
	if level > pgevents.MaxConditionDepth || (c.Type != pgevents.ConditionAnd && c.Type != pgevents.ConditionOr) {
		return deepest
	}
	for _, sub := range c.Conditions {
		deepest = max(deepest, conditionDepth(sub, level+1))
	}
	return deepest
}

// conditionNodes counts c and every condition inside its and/or operands.
func conditionNodes(c pgevents.Condition) int {
	n := 1
	if c.Type == pgevents.ConditionAnd || c.Type == pgevents.ConditionOr {
		for _, sub := range c.Conditions {
			n += conditionNodes(sub)
		}
	}
	return n
}

// checkConditionTree validates every node of c, depth first, once the
// limits passed.
func (s *Store) checkConditionTree(c pgevents.Condition, field string) error {
	invalid := func(f, reason string) error {
		return &pgevents.InvalidInputError{Code: pgevents.CodeInvalidCondition, Field: f, Reason: reason}
	}
	switch c.Type {
	case "", pgevents.ConditionNone, pgevents.ConditionStreamIsEmpty, pgevents.ConditionStreamExists:
	case pgevents.ConditionPositionIs:
		if c.Position != nil && (*c.Position < 0 || *c.Position > maxPosition) {
			return invalid(field+".position", "must be a non-negative integer or null")
		}
	case pgevents.ConditionAnd, pgevents.ConditionOr:
		for i, sub := range c.Conditions {
			if err := s.checkConditionTree(sub, fmt.Sprintf("%s.conditions[%d]", field, i)); err != nil {
				return err
			}
		}
	default:
		if _, ok := s.mem.conditions[c.Type]; !ok {
			return invalid(field+".type", fmt.Sprintf("unknown condition type %s (built in: none, position_is, "+
				"stream_is_empty, stream_exists, and, or; others must be registered with pgevents.register_condition_type)",
				sqlLiteral(c.Type)))
		}
	}
	return nil
}

// evaluate is pgevents.evaluate_condition: it returns nil when c is met
// against the stream's latest event, else the innermost failed condition (the
// first failed one of an "and"; an "or" with the failures of its
// alternatives). An "and" stops at its first failure, an "or" at its first
// success. c must have passed checkCondition. It returns a custom
// condition's error, wrapped.
func (s *Store) evaluate(c pgevents.Condition, category, stream string, latest *pgevents.Event, field string) (*conditionFailure, error) {
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
		if !ok { // checkCondition refused it already
			return nil, s.checkConditionTree(c, field)
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
