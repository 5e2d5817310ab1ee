package pgevents

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
)

// Condition types built into pgevents. Any other type must be registered
// with the store (in SQL: pgevents.register_condition_type).
const (
	ConditionNone          = "none"
	ConditionPositionIs    = "position_is"
	ConditionStreamIsEmpty = "stream_is_empty"
	ConditionStreamExists  = "stream_exists"
	ConditionAnd           = "and"
	ConditionOr            = "or"
)

// Condition is a write condition, evaluated atomically under the stream's
// write lock against the stream's latest event. The zero value is "none":
// always met.
//
// Build conditions with PositionIs, ExpectedPosition, StreamIsEmpty,
// StreamExists, And, Or and Custom. Its JSON form is the one the SQL API
// takes (see sql/functions/evaluate_condition.sql).
type Condition struct {
	// Conditions are the operands of "and" / "or".
	Conditions []Condition
	// Params are a custom condition's parameters (the JSON object's other keys).
	Params map[string]any
	// Position is the expected latest position of "position_is"; nil means
	// the stream must be empty.
	Position *int64
	// Type is the condition type; empty means "none".
	Type string
}

// PositionIs is met when the stream's latest position is p.
func PositionIs(p int64) Condition { return Condition{Type: ConditionPositionIs, Position: &p} }

// ExpectedPosition is PositionIs(*p), or "the stream is empty" when p is nil
// (the value a read of an empty stream's position gives).
func ExpectedPosition(p *int64) Condition {
	if p == nil {
		return Condition{Type: ConditionPositionIs}
	}
	return PositionIs(*p)
}

// StreamIsEmpty is met when the stream has no event.
func StreamIsEmpty() Condition { return Condition{Type: ConditionStreamIsEmpty} }

// StreamExists is met when the stream has at least one event.
func StreamExists() Condition { return Condition{Type: ConditionStreamExists} }

// And is met when every condition is met; And() is always met. Nested
// "and"s are flattened and duplicates removed.
func And(cs ...Condition) Condition { return combine(ConditionAnd, cs) }

// Or is met when at least one condition is met; Or() is never met. Nested
// "or"s are flattened and duplicates removed.
func Or(cs ...Condition) Condition { return combine(ConditionOr, cs) }

// Custom names a registered condition type with its parameters. Parameter
// names must not be "type".
func Custom(typ string, params map[string]any) Condition {
	return Condition{Type: typ, Params: params}
}

func combine(typ string, cs []Condition) Condition {
	out := Condition{Type: typ, Conditions: []Condition{}}
	seen := map[string]bool{}
	var add func(c Condition)
	add = func(c Condition) {
		if c.Type == typ {
			for _, sub := range c.Conditions {
				add(sub)
			}
			return
		}
		if c.IsNone() && typ == ConditionAnd {
			return
		}
		key, err := json.Marshal(c)
		if err == nil {
			if seen[string(key)] {
				return
			}
			seen[string(key)] = true
		}
		out.Conditions = append(out.Conditions, c)
	}
	for _, c := range cs {
		add(c)
	}
	return out
}

// IsNone reports whether the condition is always met without looking at the
// stream ("none", or the zero value).
func (c Condition) IsNone() bool { return c.Type == "" || c.Type == ConditionNone }

// String returns the JSON form.
func (c Condition) String() string {
	b, err := json.Marshal(c)
	if err != nil {
		return fmt.Sprintf("invalid condition %q: %v", c.Type, err)
	}
	return string(b)
}

// Limits of a write condition. Stores refuse a condition beyond any of them
// with an *InvalidInputError (CodeInvalidCondition) before taking any lock,
// so a hostile condition cannot hold a stream's lock for long. They are
// fixed, the same in every adapter (sql/functions/check_condition.sql).
const (
	// MaxConditionBytes is the largest condition, in bytes of its JSON form
	// as PostgreSQL prints jsonb ({"type": "none"}: ": " and ", "
	// separators). Stores check it first; Validate cannot (it does not
	// reproduce PostgreSQL's printing of custom parameters).
	MaxConditionBytes = 65536
	// MaxConditionDepth is the deepest nesting of "and"/"or": the condition
	// itself is level 1, the operands of a top-level "and" level 2.
	MaxConditionDepth = 32
	// MaxConditionNodes is the most conditions a condition may hold in all,
	// itself and every "and"/"or" included.
	MaxConditionNodes = 1000
)

var customTypeRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

// Validate checks the condition's shape (not whether it is met): the
// nesting and count limits (MaxConditionDepth, then MaxConditionNodes),
// then every condition in depth-first order. It returns an
// *InvalidInputError with code CodeInvalidCondition naming the first
// invalid field, with the reasons stores give. Stores also check
// MaxConditionBytes, before the other limits, and that custom types are
// registered.
func (c Condition) Validate() error {
	if err := c.validateLimits("condition"); err != nil {
		return err
	}
	return c.validate("condition")
}

// validateLimits refuses a condition nested deeper than MaxConditionDepth
// or holding more than MaxConditionNodes conditions, as check_condition does.
func (c Condition) validateLimits(field string) error {
	if conditionDepth(c, 1) > MaxConditionDepth {
		return &InvalidInputError{Code: CodeInvalidCondition, Field: field,
			Reason: fmt.Sprintf("nests and/or conditions deeper than %d levels", MaxConditionDepth)}
	}
	if n := conditionNodes(c); n > MaxConditionNodes {
		return &InvalidInputError{Code: CodeInvalidCondition, Field: field,
			Reason: fmt.Sprintf("has more than %d conditions (got %d, and/or included)", MaxConditionNodes, n)}
	}
	return nil
}

// conditionDepth returns the nesting depth of c at level, looking no deeper
// than MaxConditionDepth+1.
func conditionDepth(c Condition, level int) int {
	deepest := level
	if level > MaxConditionDepth || (c.Type != ConditionAnd && c.Type != ConditionOr) {
		return deepest
	}
	for _, sub := range c.Conditions {
		deepest = max(deepest, conditionDepth(sub, level+1))
	}
	return deepest
}

// conditionNodes counts c and every condition inside its and/or operands.
func conditionNodes(c Condition) int {
	n := 1
	if c.Type == ConditionAnd || c.Type == ConditionOr {
		for _, sub := range c.Conditions {
			n += conditionNodes(sub)
		}
	}
	return n
}

func (c Condition) validate(field string) error {
	bad := func(f, reason string) error {
		return &InvalidInputError{Code: CodeInvalidCondition, Field: f, Reason: reason}
	}
	switch c.Type {
	case "", ConditionNone, ConditionStreamIsEmpty, ConditionStreamExists:
	case ConditionPositionIs:
		if c.Position != nil && *c.Position < 0 {
			return bad(field+".position", "must be a non-negative integer or null")
		}
	case ConditionAnd, ConditionOr:
		for i, sub := range c.Conditions {
			if err := sub.validate(fmt.Sprintf("%s.conditions[%d]", field, i)); err != nil {
				return err
			}
		}
	default:
		if !customTypeRe.MatchString(c.Type) {
			return bad(field+".type", fmt.Sprintf("unknown condition type %q", c.Type))
		}
		if _, ok := c.Params["type"]; ok {
			return bad(field+".type", "a custom condition's parameters must not contain \"type\"")
		}
	}
	return nil
}

// MarshalJSON encodes the condition in the SQL API's form. The zero value
// encodes as null.
func (c Condition) MarshalJSON() ([]byte, error) {
	switch c.Type {
	case "":
		return []byte("null"), nil
	case ConditionPositionIs:
		return json.Marshal(struct {
			Type     string `json:"type"`
			Position *int64 `json:"position"`
		}{c.Type, c.Position})
	case ConditionAnd, ConditionOr:
		subs := c.Conditions
		if subs == nil {
			subs = []Condition{}
		}
		return json.Marshal(struct {
			Type       string      `json:"type"`
			Conditions []Condition `json:"conditions"`
		}{c.Type, subs})
	case ConditionNone, ConditionStreamIsEmpty, ConditionStreamExists:
		return json.Marshal(struct {
			Type string `json:"type"`
		}{c.Type})
	default:
		m := make(map[string]any, len(c.Params)+1)
		for k, v := range c.Params {
			m[k] = v
		}
		m["type"] = c.Type
		return json.Marshal(m)
	}
}

// UnmarshalJSON decodes the SQL API's form (null decodes to the zero value).
func (c *Condition) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*c = Condition{}
		return nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return &InvalidInputError{Code: CodeInvalidCondition, Field: "condition", Reason: "must be a JSON object with a \"type\""}
	}
	var typ string
	if err := json.Unmarshal(raw["type"], &typ); err != nil || typ == "" {
		return &InvalidInputError{Code: CodeInvalidCondition, Field: "condition.type", Reason: "is required"}
	}
	out := Condition{Type: typ}
	switch typ {
	case ConditionPositionIs:
		if err := json.Unmarshal(raw["position"], &out.Position); err != nil {
			return &InvalidInputError{Code: CodeInvalidCondition, Field: "condition.position", Reason: "must be a non-negative integer or null"}
		}
	case ConditionAnd, ConditionOr:
		if err := json.Unmarshal(raw["conditions"], &out.Conditions); err != nil {
			return &InvalidInputError{Code: CodeInvalidCondition, Field: "condition.conditions", Reason: "must be an array"}
		}
	case ConditionNone, ConditionStreamIsEmpty, ConditionStreamExists:
	default:
		keys := make([]string, 0, len(raw))
		for k := range raw {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if k == "type" {
				continue
			}
			var v any
			if err := json.Unmarshal(raw[k], &v); err != nil {
				return err
			}
			if out.Params == nil {
				out.Params = map[string]any{}
			}
			out.Params[k] = v
		}
	}
	*c = out
	return nil
}
